import type { ActionResultDto } from '../../../../preload/contract.ts';
import { formatBytes, formatCount } from '../../format.ts';
import { useScan } from '../../store/scan.ts';
import { useStart } from '../../store/start.ts';
import { useWalkthrough } from '../../store/walkthrough.ts';
import { verdictSummary } from '../../verdicts.ts';
import { effectTotals } from '../checklist/actionText.ts';

function sum(results: readonly ActionResultDto[], read: (r: ActionResultDto) => number | null | undefined) {
  return results.reduce((n, r) => n + (read(r) ?? 0), 0);
}

/** What the container clear did, in the few figures the tour talks about. */
function Effect({ results }: { results: readonly ActionResultDto[] }) {
  const t = effectTotals(results);
  // No heap figures where the probe cannot read them (no glibc): the row is left out, not shown as 0 B.
  const heapRead = results.some((r) => typeof r.before?.heap === 'number');
  const rows: [string, string][] = [
    ['Entries', `${formatCount(t.entriesBefore ?? 0)} → ${formatCount(t.entriesAfter ?? 0)}`],
    ['Bytes freed', formatBytes(t.bytesFreed)],
    ...(heapRead
      ? ([
          [
            'Heap in use',
            `${formatBytes(sum(results, (r) => r.before?.heap))} → ${formatBytes(sum(results, (r) => r.after?.heap))}`,
          ],
        ] as [string, string][])
      : []),
    [
      'RSS',
      `${formatBytes(sum(results, (r) => r.before?.rss))} → ${formatBytes(sum(results, (r) => r.after?.rss))}`,
    ],
    [
      'Allocated blocks',
      `${formatCount(sum(results, (r) => r.before?.blocks))} → ${formatCount(sum(results, (r) => r.after?.blocks))}`,
    ],
  ];
  return (
    <dl
      className="tour-figures"
      data-testid="tour-effect"
      data-entries-before={t.entriesBefore ?? undefined}
      data-entries-after={t.entriesAfter ?? undefined}
      data-bytes-freed={t.bytesFreed ?? undefined}
    >
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The live part of a step: progress while it works, what it found once done. */
export function StepDetail() {
  const { step, status, sessionId, found, site, results } = useWalkthrough();
  const startLine = useStart((s) => (s.starting ? s.progress[s.progress.length - 1] : undefined));
  const progress = useScan((s) => (sessionId === null ? null : s.runs[sessionId]?.progress));
  // a scan of the session under way, the tour's or one the user started with the page's own buttons
  const scanning = useScan((s) => sessionId !== null && sessionId in s.runs);
  if (step === 'start' && status === 'working')
    return <p className="tour-detail mono small">{startLine ?? 'Preparing…'}</p>;
  if (step === 'start' && status === 'done')
    return <p className="tour-detail small">The demo runs as session #{sessionId}.</p>;
  if (step === 'scan' && (status === 'working' || (status === 'todo' && scanning)))
    return (
      <p className="tour-detail small" role="status">
        {progress
          ? `Endpoint ${progress.index + 1} of ${progress.endpoints}: ${progress.path} (round ${progress.round} of ${progress.rounds})`
          : 'Starting the scan…'}
      </p>
    );
  if (step === 'scan' && status === 'done' && found)
    return (
      <p className="tour-detail small" data-testid="tour-found" data-leak={found.leak}>
        {verdictSummary(found)}
      </p>
    );
  if (step === 'diff' && site)
    return (
      <div className="tour-detail" data-testid="tour-site" data-location={`${site.file}:${site.line}`}>
        <code>
          {site.file}:{site.line}
        </code>
        {site.code && <pre className="site-code">{site.code}</pre>}
        {site.heldBy && <p className="small">Held by {site.heldBy}</p>}
      </div>
    );
  if ((step === 'action' || step === 'effect') && results) return <Effect results={results} />;
  return null;
}
