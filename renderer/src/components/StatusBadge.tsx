import type { SessionStatus, SessionSummaryDto } from '../../../preload/contract.ts';
import { exportedWhileRunning } from '../origin.ts';

const LABELS: Record<SessionStatus, string> = {
  starting: 'Starting',
  running: 'Running',
  stopped: 'Stopped',
  crashed: 'Crashed',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

const INTERRUPTED = 'djleak was closed while this session ran: it ends at its last sample';

const EXPORTED_WHILE_RUNNING =
  'This session was still running when it was exported: it ends at the last sample the file holds';

/**
 * A session's status. `origin` (the session's) tells an imported session that was exported while it ran, which
 * the engine stores as 'interrupted', from one whose djleak quit.
 */
export function StatusBadge({
  status,
  origin = null,
}: {
  status: SessionStatus;
  origin?: SessionSummaryDto['origin'];
}) {
  const exported = status === 'interrupted' && exportedWhileRunning(origin);
  return (
    <span
      className={`badge badge-${status}${exported ? ' badge-wraps' : ''}`}
      data-testid="status-badge"
      data-status={status}
      data-exported-while-running={exported || undefined}
      title={exported ? EXPORTED_WHILE_RUNNING : status === 'interrupted' ? INTERRUPTED : undefined}
    >
      {status === 'running' && <span className="pulse" aria-hidden="true" />}
      {exported ? 'Exported while running' : LABELS[status]}
    </span>
  );
}
