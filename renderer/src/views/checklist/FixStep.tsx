import type { ChecklistDto, ScanResultDto } from '../../../../preload/contract.ts';
import { FixCard } from './FixCard.tsx';

interface FixStepProps {
  sessionId: number;
  data: ChecklistDto;
  running: boolean;
  scans: readonly ScanResultDto[];
}

/** The five fixes, suspects first in the checklist's own order. */
export function FixStep({ sessionId, data, running, scans }: FixStepProps) {
  const suspects = data.findings.filter((f) => f.status === 'suspect');
  const ticked = suspects.filter((f) => data.done.includes(f.item)).length;
  const ordered = [...suspects, ...data.findings.filter((f) => f.status !== 'suspect')];
  return (
    <section className="checklist-step" aria-label="Fix" data-testid="fix-step">
      <p className="muted">
        {suspects.length === 0
          ? 'No fix is suspect in this session.'
          : `${ticked} of ${suspects.length} suspect ${suspects.length === 1 ? 'fix' : 'fixes'} ticked as fixed.`}{' '}
        Each card shows this session’s evidence, why it matters and the change in Django code.
      </p>
      {ordered.map((f) => (
        <FixCard
          key={f.item}
          sessionId={sessionId}
          finding={f}
          done={data.done.includes(f.item)}
          running={running}
          gaugesAt={data.gauges_at}
          scans={scans}
        />
      ))}
    </section>
  );
}
