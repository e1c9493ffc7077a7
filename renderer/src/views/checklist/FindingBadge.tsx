import type { FindingDto } from '../../../../preload/contract.ts';

const LABELS: Record<FindingDto['status'], string> = {
  suspect: 'suspect',
  clear: 'clear',
  'not-measured': 'not measured',
};

/** A finding's status, and how much memory is at stake when it is suspect. */
export function FindingBadge({ status, severity }: Pick<FindingDto, 'status' | 'severity'>) {
  return (
    <span className="finding-badges">
      <span className={`badge finding-${status}`} data-testid="finding-status" data-status={status}>
        {LABELS[status]}
      </span>
      {severity && (
        <span className={`tag severity-${severity}`} title="By the memory kept per request">
          {severity} severity
        </span>
      )}
    </span>
  );
}
