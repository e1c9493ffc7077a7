import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { formatDateTime } from '../../format.ts';
import { originText, parseOrigin } from '../../origin.ts';

/** Says that a session came from elsewhere (a shared file, a recording) and that it can only be read here. */
export function OriginBanner({ session }: { session: Pick<SessionSummaryDto, 'origin'> }) {
  const origin = parseOrigin(session.origin);
  if (!origin) return null;
  return (
    <div className="origin-banner" role="note" data-testid="origin-banner" data-kind={origin.kind}>
      <span className="origin-kind">{origin.kind === 'recording' ? 'Recording' : 'Shared session'}</span>
      <span data-testid="origin-text">{originText(origin, formatDateTime)}</span>
      {origin.kind === 'imported' && origin.relayed && (
        <span className="muted">· it had been imported there from another machine</span>
      )}
      {origin.kind === 'recording' && origin.skipped > 0 && (
        <span className="muted">· {origin.skipped.toLocaleString()} lines skipped</span>
      )}
      <span className="muted">· read-only: it cannot be started, scanned or re-run here</span>
    </div>
  );
}
