import { useMemo } from 'react';
import type { ChecklistDto, ScanResultDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { formatKB } from '../../format.ts';
import { useChecklist } from '../../store/checklist.ts';
import { useScan } from '../../store/scan.ts';
import { endpointKey, latestPerEndpoint, verdictSummary, verdictCounts } from '../../verdicts.ts';
import { FIX_GUIDES } from './fixGuide.ts';
import { ScanStatus } from './ScanStatus.tsx';

interface IdentifyStepProps {
  sessionId: number;
  running: boolean;
  data: ChecklistDto | null;
  stored: readonly ScanResultDto[] | null;
}

/** Which fix explains a leaking endpoint, from the findings. */
function ExplainedBy({ data, result }: { data: ChecklistDto | null; result: ScanResultDto }) {
  const setStep = useChecklist((s) => s.setStep);
  const focusItem = useChecklist((s) => s.focusItem);
  const finding = data?.findings.find((f) => f.endpoints.some((e) => endpointKey(e) === endpointKey(result)));
  if (!finding) return <span className="muted small">no fix explains it yet</span>;
  return (
    <button
      type="button"
      className="link-button small"
      onClick={() => {
        setStep('fix');
        focusItem(finding.item);
      }}
    >
      {FIX_GUIDES[finding.item].title}
    </button>
  );
}

/** Step 1: the scan's verdicts, leaks first, each with the fix that explains it. */
export function IdentifyStep({ sessionId, running, data, stored }: IdentifyStepProps) {
  const run = useScan((s) => s.runs[sessionId]);
  const start = useScan((s) => s.start);
  const rows = useMemo(() => latestPerEndpoint(run ? run.results : (stored ?? [])), [run, stored]);
  const leaks = rows.filter((r) => r.verdict === 'leak');
  const others = rows.filter((r) => r.verdict !== 'leak');
  return (
    <section className="checklist-step" aria-label="Identify" data-testid="identify-step">
      <ScanStatus sessionId={sessionId} />
      {rows.length === 0 && !run ? (
        running ? (
          <EmptyState title="This session has no scan yet">
            <p>A scan measures each endpoint on its own and tells which ones keep memory per request.</p>
            <div className="empty-actions">
              <button type="button" className="btn btn-primary" onClick={() => void start(sessionId)}>
                Scan for leaks
              </button>
            </div>
          </EmptyState>
        ) : (
          <EmptyState title="No scan was run in this session">
            Scans drive a running server: start the project again to scan it.
          </EmptyState>
        )
      ) : (
        <>
          {rows.length > 0 && (
            <p className="scan-summary" data-testid="identify-summary">
              {verdictSummary(verdictCounts(rows))}
              {run && <span className="muted small"> so far</span>}
            </p>
          )}
          {leaks.length > 0 && (
            <div className="table-wrap">
              <table className="table" aria-label="Leaking endpoints">
                <thead>
                  <tr>
                    <th scope="col">Verdict</th>
                    <th scope="col">Endpoint</th>
                    <th scope="col" className="num">
                      Retained / request
                    </th>
                    <th scope="col">Fix</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {leaks.map((r) => (
                    <tr key={endpointKey(r)} data-testid="identify-leak" data-path={r.path}>
                      <td>
                        <VerdictBadge verdict={r.verdict} partial={r.partial} />
                      </td>
                      <td className="mono nowrap">
                        <span className="method">{r.method}</span> {r.path}
                      </td>
                      <td className="num text-grow">{formatKB(r.retained_bytes_per_request)}</td>
                      <td className="nowrap">{run ? '…' : <ExplainedBy data={data} result={r} />}</td>
                      <td className="small">{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {others.length > 0 && (
            <p className="small muted" data-testid="identify-others">
              Not leaking:{' '}
              {others.map((r, i) => (
                <span key={endpointKey(r)}>
                  {i > 0 && ', '}
                  <span className="mono">{r.path}</span> ({r.verdict})
                </span>
              ))}
            </p>
          )}
          {data && data.unexplained.length > 0 && !run && (
            <div className="unexplained" data-testid="unexplained">
              <h4>Leaks no fix explains</h4>
              <p className="small muted">
                The figures djleak reads do not point at any of the five fixes: open their diagnosis to see
                what grew and who holds it.
              </p>
              <ul>
                {data.unexplained.map((u) => (
                  <li key={endpointKey(u)} className="mono small" data-path={u.path}>
                    {u.method} {u.path} · {formatKB(u.retained_bytes_per_request)} per request
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}
