import type { ScanResultDto } from '../../../../preload/contract.ts';
import { useScan } from '../../store/scan.ts';
import { decideText, decidingScan, type ScanBlocker } from './decidingScan.ts';

interface DecideButtonProps {
  sessionId: number;
  result: ScanResultDto;
  /** Why it cannot run now, said beside the disabled button (null: it can). */
  blocker: ScanBlocker | null;
}

/**
 * "Scan again with up to N requests" for an undecided endpoint: a scan of that endpoint alone on the running
 * session, from a new baseline (what it was sent before does not count), allowed
 * to extend as far as the requests sent so far and the ones its verdict says are missing.
 */
export function DecideButton({ sessionId, result, blocker }: DecideButtonProps) {
  const previous = useScan((s) => s.scenarios[sessionId] ?? null);
  const start = useScan((s) => s.start);
  const plan = decidingScan(result, previous);
  if (!plan) return null;
  return (
    <span className="decide">
      <button
        type="button"
        className="btn btn-small"
        disabled={blocker !== null}
        title={blocker?.full ?? decideText(result, plan)!}
        onClick={(e) => {
          e.stopPropagation(); // the row's own click opens its detail
          void start(sessionId, plan.scenario);
        }}
      >
        Scan again with up to {plan.maxRequests.toLocaleString('en-US')} requests
      </button>
      {blocker && (
        <span className="muted small" data-testid="decide-blocker">
          {blocker.short}
        </span>
      )}
    </span>
  );
}
