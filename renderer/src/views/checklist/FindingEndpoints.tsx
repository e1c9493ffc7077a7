import type { FindingEndpointDto, ScanResultDto } from '../../../../preload/contract.ts';
import { formatBytes, formatKB, formatPercent } from '../../format.ts';
import { endpointKey } from '../../verdicts.ts';
import { EndpointLinks } from './EndpointLinks.tsx';
import { FIX_GUIDES } from './fixGuide.ts';
import { HeldBy, SourceSite } from './SourceSite.tsx';

interface FindingEndpointsProps {
  sessionId: number;
  endpoints: readonly FindingEndpointDto[];
  /** The session's scan results, for the links to each endpoint's diagnosis. */
  scans: readonly ScanResultDto[];
}

/** How much of what the endpoint keeps this fix's evidence accounts for, and what the other fixes' would. */
function Explained({ e }: { e: FindingEndpointDto }) {
  const share =
    e.retained_bytes_per_request > 0 ? e.explained_bytes_per_request / e.retained_bytes_per_request : 0;
  return (
    <p className="small finding-explained" data-testid="finding-explained">
      Explains {formatBytes(e.explained_bytes_per_request)} of {formatBytes(e.retained_bytes_per_request)} per
      request ({formatPercent(share)})
      {e.unexplained_bytes_per_request > 0 && (
        <> · {formatBytes(e.unexplained_bytes_per_request)} unexplained</>
      )}
      {e.alternatives.length > 0 && (
        <span className="muted">
          {' '}
          · also measured:{' '}
          {e.alternatives
            .map((a) => `${FIX_GUIDES[a.item].title.toLowerCase()} ${formatBytes(a.bytes_per_request)}`)
            .join(', ')}
        </span>
      )}
    </p>
  );
}

/** The leaking endpoints a fix explains: what each keeps per request, why it is this fix, where and who. */
export function FindingEndpoints({ sessionId, endpoints, scans }: FindingEndpointsProps) {
  return (
    <ul className="finding-endpoints" aria-label="Leaking endpoints">
      {endpoints.map((e) => {
        const key = endpointKey(e);
        return (
          <li key={key} className="finding-endpoint" data-testid="finding-endpoint" data-path={e.path}>
            <div className="finding-endpoint-head">
              <span className="mono">
                <span className="method">{e.method}</span> {e.path}
              </span>
              <span className="text-grow">{formatKB(e.retained_bytes_per_request)} kept per request</span>
            </div>
            <p className="small">{e.why}</p>
            <Explained e={e} />
            {e.top_site && <SourceSite site={e.top_site} />}
            {e.held_by && <HeldBy heldBy={e.held_by} />}
            <EndpointLinks sessionId={sessionId} result={scans.find((r) => endpointKey(r) === key)} />
          </li>
        );
      })}
    </ul>
  );
}
