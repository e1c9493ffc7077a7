import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { formatDateTime } from '../../format.ts';
import { originText, parseOrigin } from '../../origin.ts';

/** "imported" or "recording" next to a session's name in the list, the banner's sentence as its tooltip. */
export function OriginTag({ origin }: { origin: SessionSummaryDto['origin'] }) {
  const parsed = parseOrigin(origin);
  if (!parsed) return null;
  return (
    <span className="tag origin-tag" title={originText(parsed, formatDateTime)} data-testid="origin-tag">
      {parsed.kind === 'recording' ? 'recording' : 'imported'}
    </span>
  );
}
