import type { ProductionCostDto, ScanResultDto } from '../../../../preload/contract.ts';
import { useScan } from '../../store/scan.ts';
import { decideText, decidingScan, type ScanBlocker } from './decidingScan.ts';
import { costText, stopgapSettings } from '../../leakFigures.ts';
import { ScanChart } from './ScanChart.tsx';

/** What a leak costs a worker in production, and the restart that bounds it: a stop-gap, never the fix. */
function LeakCost({ cost }: { cost: ProductionCostDto }) {
  const settings = stopgapSettings(cost);
  return (
    <div className="scan-cost" data-testid="scan-cost">
      <p className="scan-cost-figure">
        In production it keeps about <strong className="text-grow">{costText(cost)}</strong>.
      </p>
      <div className="stopgap" data-testid="stopgap" role="note" aria-label="Stop-gap, not a fix">
        <p className="stopgap-title">
          <span className="tag">Stop-gap, not a fix</span>
          {settings
            ? ` Until the leak is fixed, restart each worker before it passes ${cost.worker_budget_mb} MB:`
            : ` ${cost.stopgap.charAt(0).toUpperCase()}${cost.stopgap.slice(1)}.`}
        </p>
        {settings && (
          <dl className="stopgap-settings">
            <div>
              <dt>gunicorn</dt>
              <dd>
                <code>{settings.gunicorn}</code>
              </dd>
            </div>
            <div>
              <dt>uWSGI (ini)</dt>
              <dd>
                <code className="pre">{settings.uwsgi}</code>
              </dd>
            </div>
          </dl>
        )}
        <p className="small muted">
          Restarts only cap how large a worker grows: the memory still climbs between restarts, and every
          restart costs a warm-up. They never replace the fix; the Checklist shows where the memory is kept.
        </p>
      </div>
    </div>
  );
}

interface EndpointDetailProps {
  sessionId: number;
  result: ScanResultDto;
  blocker: ScanBlocker | null;
}

/** A row's expanded part: the cost and stop-gap of a leak, how to decide an undecided endpoint, and its chart. */
export function EndpointDetail({ sessionId, result, blocker }: EndpointDetailProps) {
  const previous = useScan((s) => s.scenarios[sessionId] ?? null);
  const plan = decidingScan(result, previous);
  return (
    <div className="scan-detail" data-testid="scan-detail" data-path={result.path}>
      {result.verdict === 'leak' &&
        (result.cost ? (
          <LeakCost cost={result.cost} />
        ) : (
          <p className="muted small">Its cost in production was not computed for this scan.</p>
        ))}
      {result.verdict === 'inconclusive' && (
        <p className="scan-decide" data-testid="scan-decide">
          {result.requests_needed
            ? `Not decided after ${result.sent.toLocaleString('en-US')} requests: about ${result.requests_needed.toLocaleString('en-US')} more would decide it. `
            : `Not decided after ${result.sent.toLocaleString('en-US')} requests. `}
          {decideText(result, plan)}
          {plan && blocker && <span className="muted"> {blocker.full}</span>}
        </p>
      )}
      <ScanChart result={result} />
    </div>
  );
}
