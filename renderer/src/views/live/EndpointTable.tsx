import { Fragment } from 'react';
import type { ScanResultDto } from '../../../../preload/contract.ts';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { formatPercent, routeLabel } from '../../format.ts';
import { useScan } from '../../store/scan.ts';
import { endpointKey } from '../../verdicts.ts';
import { OpenDiagnosisButton } from '../snapshots/OpenDiagnosisButton.tsx';
import { DecideButton } from './DecideButton.tsx';
import type { ScanBlocker } from './decidingScan.ts';
import { EndpointDetail } from './EndpointDetail.tsx';
import { costText, retainedText } from '../../leakFigures.ts';

const COLUMNS = 7;

function statusesTitle(r: ScanResultDto): string {
  const codes = Object.entries(r.statuses).map(([code, n]) => `${code} × ${n}`);
  const failed =
    r.errors - Object.entries(r.statuses).reduce((n, [c, k]) => n + (Number(c) >= 500 ? k : 0), 0);
  if (failed > 0) codes.push(`failed × ${failed}`);
  return codes.length ? `Responses: ${codes.join(', ')}` : 'No response';
}

/** The responses by status, most frequent first: "200", or "302 × 100" where not every one was the same 2xx. */
function StatusCell({ r }: { r: ScanResultDto }) {
  const codes = Object.entries(r.statuses)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const unusual = codes.some(([code]) => !code.startsWith('2'));
  return (
    <td
      className={`mono status-cell ${unusual ? 'text-warn' : ''}`}
      title={statusesTitle(r)}
      data-testid="statuses"
      data-unusual={unusual}
    >
      {codes.length === 0
        ? '–'
        : codes.length === 1 && !unusual
          ? codes[0]![0]
          : codes.slice(0, 2).map(([code, n], i) => (
              // each status kept whole, the cell wrapping between them (the table fits at 1280 px)
              <span key={code}>
                {i > 0 && ' · '}
                <span className="nowrap">{`${code} × ${n.toLocaleString('en-US')}`}</span>
              </span>
            ))}
      {codes.length > 2 && ' · …'}
    </td>
  );
}

/** Under the figure: what a leak costs, or how far an undecided endpoint is from a verdict. */
function RetainedNote({ r }: { r: ScanResultDto }) {
  if (r.verdict === 'leak' && r.cost)
    return (
      <span className="cell-note" data-testid="cost">
        {costText(r.cost)}
      </span>
    );
  if (r.verdict === 'inconclusive' && r.requests_needed)
    return (
      <span className="cell-note" data-testid="requests-needed">
        ~{r.requests_needed.toLocaleString('en-US')} more requests to decide
      </span>
    );
  return null;
}

interface EndpointTableProps {
  sessionId: number;
  rows: ScanResultDto[];
  /** Results of the scan under way (their routes are not known yet). */
  fromRun: ReadonlySet<ScanResultDto>;
  /** endpointKey() of the endpoint the scan under way measures. */
  measuring: string | null;
  blocker: ScanBlocker | null;
}

/**
 * One row per endpoint with the memory it retains per request as its verdict reads it; a click opens the row's
 * detail (a leak's cost and stop-gap, the scan that would decide an undecided endpoint, the chart).
 */
export function EndpointTable({ sessionId, rows, fromRun, measuring, blocker }: EndpointTableProps) {
  const selected = useScan((s) => s.selected);
  const select = useScan((s) => s.select);
  return (
    <>
      <div className="table-wrap scan-table-wrap">
        <table className="table scan-table" aria-label="Endpoints" data-testid="endpoint-table">
          <thead>
            <tr>
              <th scope="col">Verdict</th>
              <th scope="col">Endpoint</th>
              <th
                scope="col"
                className="num"
                title="Memory kept after a full collection, per request: the 95 % interval (ok: its upper bound)"
              >
                Retained / request
              </th>
              <th scope="col" className="num">
                Confidence
              </th>
              <th
                scope="col"
                className="num"
                title="Requests measured (warm-up not counted); 5xx responses and failed requests under them"
              >
                Requests
              </th>
              <th
                scope="col"
                title="HTTP status of the measured responses: a redirect or a 404 on every one means the view never ran"
              >
                Status
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const key = endpointKey(r);
              const isSelected = key === selected;
              const live = fromRun.has(r);
              const route = live ? null : routeLabel(r.route, r.path);
              return (
                <Fragment key={key}>
                  <tr
                    className={`scan-row ${isSelected ? 'selected' : ''}`}
                    data-path={r.path}
                    data-verdict={r.verdict}
                    data-partial={r.partial}
                    data-route={route ?? undefined}
                    aria-expanded={isSelected}
                    onClick={() => select(isSelected ? null : key)}
                  >
                    <td>
                      <VerdictBadge verdict={r.verdict} partial={r.partial} />
                      {measuring === key && <span className="cell-note">measuring again…</span>}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link-button mono nowrap"
                        aria-pressed={isSelected}
                        title={isSelected ? 'Hide the details' : 'Details and the memory round by round'}
                      >
                        <span className="method">{r.method}</span> {r.path}
                      </button>
                      {route !== null && route !== r.path && (
                        <span className="cell-note mono" title="The URL pattern it matched">
                          {route}
                        </span>
                      )}
                    </td>
                    <td className={`num ${r.verdict === 'leak' ? 'text-grow' : ''}`}>
                      <span className="retained" data-testid="retained">
                        {retainedText(r)}
                      </span>
                      <RetainedNote r={r} />
                    </td>
                    <td className="num">{formatPercent(r.confidence)}</td>
                    <td className="num" title={statusesTitle(r)}>
                      {r.sent.toLocaleString()}
                      {r.errors > 0 && (
                        <span className="cell-note text-danger" data-testid="errors">
                          {r.errors.toLocaleString()} 5xx or failed
                        </span>
                      )}
                    </td>
                    <StatusCell r={r} />
                    <td className="scan-reason small">
                      {r.reason}
                      {(r.diagnosis?.snapshots || r.verdict === 'inconclusive') && (
                        <span className="scan-row-actions">
                          {r.diagnosis?.snapshots && <OpenDiagnosisButton sessionId={sessionId} result={r} />}
                          {r.verdict === 'inconclusive' && (
                            <DecideButton sessionId={sessionId} result={r} blocker={blocker} />
                          )}
                        </span>
                      )}
                    </td>
                  </tr>
                  {isSelected && (
                    <tr className="scan-detail-row">
                      <td colSpan={COLUMNS}>
                        <EndpointDetail sessionId={sessionId} result={r} blocker={blocker} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      {!rows.some((r) => endpointKey(r) === selected) && (
        <p className="hint small">Select an endpoint for its details and its memory round by round.</p>
      )}
    </>
  );
}
