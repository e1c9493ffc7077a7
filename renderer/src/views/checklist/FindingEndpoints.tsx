import type { FindingEndpointDto, ScanResultDto } from '../../../../preload/contract.ts';
import { formatKB } from '../../format.ts';
import { endpointKey } from '../../verdicts.ts';
import { EndpointLinks } from './EndpointLinks.tsx';
import { HeldBy, SourceSite } from './SourceSite.tsx';

interface FindingEndpointsProps {
  sessionId: number;
  endpoints: readonly FindingEndpointDto[];
  /** The session's scan results, for the links to each endpoint's diagnosis. */
  scans: readonly ScanResultDto[];
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
            {e.top_site && <SourceSite site={e.top_site} />}
            {e.held_by && <HeldBy heldBy={e.held_by} />}
            <EndpointLinks sessionId={sessionId} result={scans.find((r) => endpointKey(r) === key)} />
          </li>
        );
      })}
    </ul>
  );
}
