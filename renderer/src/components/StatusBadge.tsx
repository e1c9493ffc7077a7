import type { SessionStatus } from '../../../preload/contract.ts';

const LABELS: Record<SessionStatus, string> = {
  starting: 'Starting',
  running: 'Running',
  stopped: 'Stopped',
  crashed: 'Crashed',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === 'running' && <span className="pulse" aria-hidden="true" />}
      {LABELS[status]}
    </span>
  );
}
