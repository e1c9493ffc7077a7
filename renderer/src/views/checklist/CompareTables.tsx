import type { ReactNode } from 'react';
import type { CompareDto, ScanFigures } from '../../../../preload/contract.ts';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { formatKB } from '../../format.ts';
import { FIX_GUIDES } from './fixGuide.ts';

const CHANGES: Record<
  CompareDto['endpoints'][number]['change'] | CompareDto['checklist'][number]['change'],
  string
> = {
  fixed: 'fixed',
  'still-leaking': 'still leaking',
  'still-suspect': 'still suspect',
  'new-leak': 'new leak',
  new: 'new',
  'no-leak': 'no leak',
  'no-finding': 'no finding',
  'not-compared': 'not compared',
};

function Figures({ f }: { f: ScanFigures | null }) {
  if (!f) return <span className="muted">not scanned</span>;
  return (
    <span className="nowrap">
      <VerdictBadge verdict={f.verdict} /> {formatKB(f.retained_bytes_per_request)}
    </span>
  );
}

export function ChangeBadge({ change }: { change: keyof typeof CHANGES }) {
  return <span className={`badge change-${change}`}>{CHANGES[change]}</span>;
}

/** A row per compared thing: `subject`, then both sessions' figures and what changed. */
function BeforeAfterTable({
  label,
  subject,
  children,
}: {
  label: string;
  subject: string;
  children: ReactNode;
}) {
  return (
    <table className="table table-dense" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{subject}</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** Each endpoint's verdict and retained memory per request in both sessions, and what changed. */
export function EndpointChangesTable({ endpoints }: { endpoints: CompareDto['endpoints'] }) {
  return (
    <BeforeAfterTable label="Endpoints before and after" subject="Endpoint">
      {endpoints.map((e) => (
        <tr key={`${e.method} ${e.path}`} data-path={e.path} data-change={e.change}>
          <td className="mono nowrap">
            {e.method === 'GET' ? '' : `${e.method} `}
            {e.path}
          </td>
          <td>
            <Figures f={e.before} />
          </td>
          <td>
            <Figures f={e.after} />
          </td>
          <td>
            <ChangeBadge change={e.change} />
          </td>
        </tr>
      ))}
    </BeforeAfterTable>
  );
}

/** Each checklist item's finding in both sessions, and what changed. */
export function ChecklistChangesTable({ checklist }: { checklist: CompareDto['checklist'] }) {
  return (
    <BeforeAfterTable label="Fixes before and after" subject="Fix">
      {checklist.map((c) => (
        <tr key={c.item} data-item={c.item} data-change={c.change}>
          <td>{FIX_GUIDES[c.item].title}</td>
          <td>{c.before}</td>
          <td>{c.after}</td>
          <td>
            <ChangeBadge change={c.change} />
          </td>
        </tr>
      ))}
    </BeforeAfterTable>
  );
}
