import type { VerdictDto } from '../../../preload/contract.ts';

const LABELS: Record<VerdictDto, string> = { leak: 'leak', ok: 'ok', inconclusive: 'inconclusive' };

/** A scan's verdict for one endpoint; `partial` when the scan was cut short while measuring it. */
export function VerdictBadge({ verdict, partial = false }: { verdict: VerdictDto; partial?: boolean }) {
  return (
    <span className="verdict" data-testid="verdict" data-verdict={verdict}>
      <span className={`badge verdict-${verdict}`}>{LABELS[verdict]}</span>
      {partial && (
        <span className="tag tag-partial" title="The scan was cut short while measuring this endpoint">
          partial
        </span>
      )}
    </span>
  );
}
