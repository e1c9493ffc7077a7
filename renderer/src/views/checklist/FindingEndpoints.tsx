import type { FindingEndpointDto, ProductionCostDto, ScanResultDto } from '../../../../preload/contract.ts';
import { formatBytes, formatKB, formatPercent } from '../../format.ts';
import { costText, stopgapSettings } from '../../leakFigures.ts';
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

/** What the leak costs a worker in production, and the restart that bounds it until the fix is in. */
function Cost({ cost }: { cost: ProductionCostDto }) {
  const settings = stopgapSettings(cost);
  return (
    <p className="small finding-cost" data-testid="finding-cost">
      Costs about <strong>{costText(cost)}</strong> per worker.{' '}
      <span className="muted">
        Stop-gap until it is fixed, never the fix:{' '}
        {settings ? (
          <>
            <code>{settings.gunicorn}</code> (uWSGI <code>reload-on-rss = {cost.worker_budget_mb}</code>)
          </>
        ) : (
          cost.stopgap
        )}
      </span>
    </p>
  );
}

/** The leaking endpoints a fix explains: what each keeps per request, why it is this fix, where and who. */
export function FindingEndpoints({ sessionId, endpoints, scans }: FindingEndpointsProps) {
  return (
    <ul className="finding-endpoints" aria-label="Leaking endpoints">
      {endpoints.map((e) => {
        const key = endpointKey(e);
        const scan = scans.find((r) => endpointKey(r) === key);
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
            {scan?.cost && <Cost cost={scan.cost} />}
            {e.top_site && <SourceSite site={e.top_site} />}
            {e.held_by && <HeldBy heldBy={e.held_by} />}
            <EndpointLinks sessionId={sessionId} result={scan} />
          </li>
        );
      })}
    </ul>
  );
}
