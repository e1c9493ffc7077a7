import { useEffect, useRef } from 'react';
import type { FindingDto, ScanResultDto } from '../../../../preload/contract.ts';
import { useChecklist } from '../../store/checklist.ts';
import { CodeExample } from './CodeExample.tsx';
import { FigureTable } from './FigureTable.tsx';
import { FindingBadge } from './FindingBadge.tsx';
import { FindingEndpoints } from './FindingEndpoints.tsx';
import { FixActions } from './FixActions.tsx';
import { FixedCheckbox } from './FixedCheckbox.tsx';
import { FIX_GUIDES } from './fixGuide.ts';

interface FixCardProps {
  sessionId: number;
  finding: FindingDto;
  done: boolean;
  running: boolean;
  gaugesAt: number | null;
  scans: readonly ScanResultDto[];
}

/** One fix: this session's evidence for it, why it matters, the code change, an action, a Fixed tick. */
export function FixCard({ sessionId, finding, done, running, gaugesAt, scans }: FixCardProps) {
  const { item, status } = finding;
  const guide = FIX_GUIDES[item];
  const focused = useChecklist((s) => s.focus === item);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!focused) return;
    ref.current?.scrollIntoView({ block: 'start' });
    useChecklist.getState().focusItem(null);
  }, [focused]);
  const titleId = `fix-${item}-title`;
  return (
    <article
      ref={ref}
      className={`panel fix-card fix-${status} ${done ? 'fix-ticked' : ''}`}
      aria-labelledby={titleId}
      data-testid="fix-card"
      data-item={item}
      data-status={status}
      data-done={done}
    >
      <header className="fix-head">
        <h3 id={titleId}>{guide.title}</h3>
        <FindingBadge status={status} severity={finding.severity} />
        <span className="spacer" />
        <FixedCheckbox item={item} done={done} />
      </header>
      <p className="fix-line muted">{guide.fix}</p>
      <p className="fix-summary">{finding.summary}</p>
      {finding.notes && finding.notes.length > 0 && (
        <ul className="fix-notes small muted" aria-label="Notes" data-testid="fix-notes">
          {finding.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {finding.endpoints.length > 0 && (
        <FindingEndpoints sessionId={sessionId} endpoints={finding.endpoints} scans={scans} />
      )}
      <FigureTable item={item} evidence={finding.evidence} gaugesAt={gaugesAt} />
      <section className="fix-why">
        <h4>Why it matters</h4>
        <p>{guide.why}</p>
      </section>
      <CodeExample guide={guide} open={status === 'suspect'} />
      <FixActions item={item} finding={finding} running={running} />
    </article>
  );
}
