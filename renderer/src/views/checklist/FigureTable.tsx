import type { ChecklistItem } from '../../../../preload/contract.ts';
import { formatClock } from '../../format.ts';
import { figureRows } from './evidenceFigures.ts';

interface FigureTableProps {
  item: ChecklistItem;
  evidence: Record<string, unknown>;
  gaugesAt: number | null;
}

/** The item's figures as the probe read them in the app's own process. */
export function FigureTable({ item, evidence, gaugesAt }: FigureTableProps) {
  const rows = figureRows(item, evidence);
  if (rows.length === 0) return null;
  return (
    <div className="fix-figures">
      <h4>
        In this session
        {gaugesAt !== null && (
          <span className="muted small"> · read at {formatClock(gaugesAt).slice(0, 8)}</span>
        )}
      </h4>
      <table className="table table-dense figure-table" aria-label="Figures">
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row" className={r.code ? 'mono' : undefined}>
                {r.label}
              </th>
              <td>{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
