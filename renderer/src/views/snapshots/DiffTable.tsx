import { useState } from 'react';
import type { DiffRowDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { DiffRow } from './DiffRow.tsx';

interface DiffTableProps {
  rows: DiffRowDto[];
  sessionId: number;
  running: boolean;
  perRequest: boolean;
}

/** What grew between the two snapshots, as the engine ranked it; each row opens onto its traceback. */
export function DiffTable({ rows, sessionId, running, perRequest }: DiffTableProps) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (rows.length === 0)
    return (
      <EmptyState title="Nothing changed in scope">
        No allocation site matches these options. Include libraries, clear the path filter, or pick snapshots
        further apart.
      </EmptyState>
    );

  function toggle(key: string): void {
    const next = new Set(open);
    if (!next.delete(key)) next.add(key);
    setOpen(next);
  }

  return (
    <div className="table-wrap">
      <table className="table diff-table" aria-label="Snapshot diff" data-testid="diff-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Traceback</span>
            </th>
            <th scope="col">Where</th>
            <th scope="col" className="num">
              Size Δ
            </th>
            <th scope="col" className="num">
              Count Δ
            </th>
            {perRequest && (
              <th
                scope="col"
                className="num"
                title="Size growth divided by the requests between the snapshots"
              >
                Per request
              </th>
            )}
            <th scope="col" className="num">
              Size after
            </th>
            <th scope="col" className="num">
              Count after
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <DiffRow
              key={row.key}
              row={row}
              open={open.has(row.key)}
              onToggle={() => toggle(row.key)}
              sessionId={sessionId}
              running={running}
              perRequest={perRequest}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
