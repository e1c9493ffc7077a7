import type { ReactNode } from 'react';
import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime, formatDuration, formatMB } from '../../format.ts';
import { originText, parseOrigin } from '../../origin.ts';

type Fact = [label: string, value: (s: SessionSummaryDto) => ReactNode];

const FACTS: Fact[] = [
  ['Status', (s) => <StatusBadge status={s.status} origin={s.origin} />],
  ['Started', (s) => formatDateTime(s.started_at)],
  ['Duration', (s) => formatDuration(s.ended_at === null ? null : s.ended_at - s.started_at)],
  ['Peak RSS', (s) => formatMB(s.peak_rss)],
  ['Processes', (s) => `${s.processes} (${s.server})`],
  ['Requests', (s) => s.requests.toLocaleString()],
  ['Python · Django', (s) => `${s.python_version ?? '—'} · ${s.django ?? '—'}`],
  [
    'Source',
    (s) => {
      const origin = parseOrigin(s.origin);
      return origin ? originText(origin, formatDateTime) : 'recorded in this library';
    },
  ],
];

/** The two sessions' vital figures, row by row. */
export function SessionPairFacts({ before, after }: { before: SessionSummaryDto; after: SessionSummaryDto }) {
  return (
    <table className="table table-dense pair-facts" aria-label="The two sessions">
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Figure</span>
          </th>
          <th scope="col">Before · {before.name}</th>
          <th scope="col">After · {after.name}</th>
        </tr>
      </thead>
      <tbody>
        {FACTS.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value(before)}</td>
            <td>{value(after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
