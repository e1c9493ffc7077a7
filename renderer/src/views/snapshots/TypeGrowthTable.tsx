import type { TypeGrowthDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatBytes, formatCount, formatCountDelta } from '../../format.ts';
import { useReferrers } from '../../store/referrers.ts';

interface TypeGrowthTableProps {
  types: TypeGrowthDto[];
  sessionId: number;
  running: boolean;
}

/** Object counts by type at the two snapshots (the censuses taken with them): what multiplied. */
export function TypeGrowthTable({ types, sessionId, running }: TypeGrowthTableProps) {
  const find = useReferrers((s) => s.find);
  const searching = useReferrers((s) => s.search?.searching ?? false);
  return (
    <section className="panel" aria-labelledby="types-title" data-testid="type-growth">
      <header className="panel-head">
        <h2 id="types-title">Type growth</h2>
        <span className="muted small">objects by type, largest growth first</span>
      </header>
      {types.length === 0 ? (
        <EmptyState title="No type census for this pair">
          Censuses are taken with snapshots while tracing is on; the baseline moment has none.
        </EmptyState>
      ) : (
        <div className="table-wrap table-scroll">
          <table className="table table-dense" aria-label="Type growth">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Count Δ
                </th>
                <th scope="col" className="num">
                  Size Δ
                </th>
                <th scope="col" className="num">
                  Count after
                </th>
                {running && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {types.map((t) => (
                <tr key={t.type} data-type={t.type}>
                  <td className="mono">{t.type}</td>
                  <td className={`num ${t.count_diff > 0 ? 'text-grow' : ''}`}>
                    {formatCountDelta(t.count_diff)}
                  </td>
                  <td className="num">{formatBytes(t.size_diff, true)}</td>
                  <td className="num muted">{formatCount(t.count_after)}</td>
                  {running && (
                    <td>
                      <div className="row-actions">
                        <button
                          type="button"
                          className="btn btn-ghost btn-small"
                          disabled={searching}
                          aria-label={`Who holds ${t.type}?`}
                          onClick={() => void find(sessionId, { what: `type ${t.type}`, type: t.type })}
                        >
                          Who holds it?
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
