import { useMemo } from 'react';
import type { ScanResultDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { formatKB, formatPercent, routeLabel } from '../../format.ts';
import { MOD } from '../../shortcuts.ts';
import { useLive } from '../../store/live.ts';
import { useScan, type ScanEnd, type ScanRun } from '../../store/scan.ts';
import { endpointKey, latestPerEndpoint, verdictCounts, type VerdictCounts } from '../../verdicts.ts';
import { OpenDiagnosisButton } from '../snapshots/OpenDiagnosisButton.tsx';
import { ScanChart } from './ScanChart.tsx';

/** What a discovered scan does to the app: 10 warm-up requests, then 5 rounds of 20 per route. */
export const SCAN_EXPLANATION =
  'Drives each GET route without parameters in rounds and measures memory after a full collection between ' +
  'rounds; your app receives ~150 requests per route (50 of them warm-up).';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function statusesTitle(r: ScanResultDto): string {
  const codes = Object.entries(r.statuses).map(([code, n]) => `${code} × ${n}`);
  const failed =
    r.errors - Object.entries(r.statuses).reduce((n, [c, k]) => n + (Number(c) >= 500 ? k : 0), 0);
  if (failed > 0) codes.push(`failed × ${failed}`);
  return codes.length ? `Responses: ${codes.join(', ')}` : 'No response';
}

function Summary({ counts, soFar }: { counts: VerdictCounts; soFar: boolean }) {
  return (
    <p
      className="scan-summary"
      data-testid="scan-summary"
      data-leak={counts.leak}
      data-ok={counts.ok}
      data-inconclusive={counts.inconclusive}
    >
      <span className={counts.leak ? 'summary-leak' : undefined}>
        {counts.leak === 1 ? '1 endpoint leaks' : `${counts.leak} endpoints leak`}
      </span>
      <span className="summary-sep"> · </span>
      <span className={counts.ok ? 'summary-ok' : undefined}>{counts.ok} ok</span>
      <span className="summary-sep"> · </span>
      <span className={counts.inconclusive ? 'summary-inconclusive' : undefined}>
        {counts.inconclusive} inconclusive
      </span>
      {soFar && <span className="muted small"> so far</span>}
    </p>
  );
}

function Progress({ run }: { run: ScanRun }) {
  const p = run.progress;
  // after the last endpoint's rounds the engine may still be at work (storing, diagnosing the leaks)
  const measured = p !== null && run.results.length >= p.endpoints;
  const share = measured ? 1 : p ? (p.index + (p.round - 1) / p.rounds) / p.endpoints : 0;
  return (
    <div
      className="scan-progress"
      data-testid="scan-progress"
      data-index={p ? p.index + 1 : 0}
      data-endpoints={p?.endpoints ?? 0}
    >
      <div className="scan-progress-line" role="status">
        <span className="spinner" aria-hidden="true" />
        {run.cancelling ? (
          <span>Cancelling: finishing the measurement in progress…</span>
        ) : measured ? (
          <span>Every endpoint measured: finishing the scan…</span>
        ) : p ? (
          <span>
            Endpoint <strong>{p.index + 1}</strong> of {p.endpoints} · round {p.round} of {p.rounds} ·{' '}
            <span className="mono">
              <span className="method">{p.method}</span> {p.path}
            </span>
          </span>
        ) : (
          <span>Finding the GET routes without parameters and warming up…</span>
        )}
        <span className="spacer" />
        <span className="muted small">{plural(run.results.length, 'endpoint', 'endpoints')} measured</span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Scan progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
      >
        <div className="progress-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}

/** How a finished scan ended, when it did not simply finish: cut short by the user or by the server. */
function EndNote({ end, onDismiss }: { end: ScanEnd; onDismiss: () => void }) {
  let text: string | null = null;
  if (end.cancelled)
    text =
      end.results === 0
        ? 'Scan cancelled before any endpoint was measured.'
        : `Scan cancelled after ${plural(end.results, 'endpoint', 'endpoints')}` +
          (end.partial ? ': the one in progress is marked partial.' : '.');
  else if (end.interrupted)
    text =
      'The server stopped during the scan: the results so far are kept' +
      (end.partial ? ', the last one marked partial.' : '.');
  if (!text) return null;
  return (
    <div className="scan-note" data-testid="scan-note" data-cancelled={end.cancelled}>
      <span>{text}</span>
      <span className="spacer" />
      <button type="button" className="btn btn-ghost btn-small" onClick={onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

interface EndpointsPanelProps {
  sessionId: number;
  running: boolean;
}

/**
 * Leak scans: the action on a running session, its progress, and one verdict per endpoint (leaks first)
 * with a chart of the selected endpoint's memory round by round. Finished sessions show what was stored.
 */
export function EndpointsPanel({ sessionId, running }: EndpointsPanelProps) {
  const run = useScan((s) => s.runs[sessionId]);
  const stored = useScan((s) => (s.sessionId === sessionId ? s.stored : null));
  const loadError = useScan((s) => (s.sessionId === sessionId ? s.loadError : null));
  const startError = useScan((s) => (s.sessionId === sessionId ? s.startError : null));
  const end = useScan((s) => s.ends[sessionId]);
  const selected = useScan((s) => s.selected);
  const start = useScan((s) => s.start);
  const cancel = useScan((s) => s.cancel);
  const select = useScan((s) => s.select);
  const dismissEnd = useScan((s) => s.dismissEnd);
  const stopping = useLive((s) => s.stopping);

  // while a scan runs, its own results (routes not known yet); afterwards each endpoint's latest stored one
  const rows = useMemo(() => latestPerEndpoint(run ? run.results : (stored ?? [])), [run, stored]);
  const counts = useMemo(() => verdictCounts(rows), [rows]);
  const chosen = rows.find((r) => endpointKey(r) === selected);
  const state = run ? 'scanning' : stored === null ? 'loading' : rows.length ? 'done' : 'empty';

  return (
    <section
      className="panel scan-panel"
      aria-labelledby="endpoints-title"
      data-testid="endpoints"
      data-state={state}
    >
      <header className="panel-head">
        <h2 id="endpoints-title">Endpoints</h2>
        <span className="muted small">leak scan verdicts, leaks first</span>
        <span className="spacer" />
        {run ? (
          <button
            type="button"
            className="btn"
            onClick={() => void cancel(sessionId)}
            disabled={run.cancelling}
          >
            {run.cancelling ? 'Cancelling…' : 'Cancel scan'}
          </button>
        ) : (
          running && (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => void start(sessionId)}
              disabled={stopping}
              title={`Scan for leaks (${MOD}+Shift+L)`}
            >
              Scan for leaks
            </button>
          )
        )}
      </header>
      {running && <p className="muted small scan-explain">{SCAN_EXPLANATION}</p>}
      {run && <Progress run={run} />}
      {startError && <ErrorPanel title="Could not start the scan" message={startError} />}
      {end?.error && (
        <ErrorPanel
          title={end.results ? 'The scan stopped' : 'The scan did not run'}
          message={end.error}
          onDismiss={() => dismissEnd(sessionId)}
        />
      )}
      {end && !end.error && <EndNote end={end} onDismiss={() => dismissEnd(sessionId)} />}
      {loadError && <ErrorPanel title="Cannot read the scan results" message={loadError} />}
      {rows.length > 0 && <Summary counts={counts} soFar={run !== undefined} />}
      {state === 'loading' ? (
        <p className="muted">Loading scan results…</p>
      ) : rows.length === 0 ? (
        run ? (
          <p className="muted small">Each endpoint&apos;s verdict shows here as soon as it is measured.</p>
        ) : running ? (
          <EmptyState title="Run a scan to get a verdict per endpoint">
            Scan for leaks above: each endpoint gets a verdict (leak, ok or inconclusive) with the memory it
            keeps per request.
          </EmptyState>
        ) : (
          <EmptyState title="No scan was run in this session">
            Scans drive a running server: start the project again to scan it.
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table className="table scan-table" aria-label="Endpoints" data-testid="endpoint-table">
              <thead>
                <tr>
                  <th scope="col">Verdict</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Route</th>
                  <th scope="col" className="num" title="Memory kept after a full collection, per request">
                    Retained / request
                  </th>
                  <th scope="col" className="num">
                    Confidence
                  </th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num" title="5xx responses and failed requests">
                    5xx
                  </th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const key = endpointKey(r);
                  const isSelected = key === selected;
                  return (
                    <tr
                      key={key}
                      className={`scan-row ${isSelected ? 'selected' : ''}`}
                      data-path={r.path}
                      data-verdict={r.verdict}
                      data-partial={r.partial}
                      onClick={() => select(isSelected ? null : key)}
                    >
                      <td>
                        <VerdictBadge verdict={r.verdict} partial={r.partial} />
                      </td>
                      <td className="nowrap">
                        <button
                          type="button"
                          className="link-button mono"
                          aria-pressed={isSelected}
                          title={isSelected ? 'Hide the chart' : 'Chart this endpoint round by round'}
                        >
                          <span className="method">{r.method}</span> {r.path}
                        </button>
                      </td>
                      <td className="mono muted nowrap">
                        {run ? <span title="Known once the scan ends">…</span> : routeLabel(r.route)}
                      </td>
                      <td className={`num ${r.verdict === 'leak' ? 'text-grow' : ''}`}>
                        {formatKB(r.retained_bytes_per_request)}
                      </td>
                      <td className="num">{formatPercent(r.confidence)}</td>
                      <td className="num">{r.sent.toLocaleString()}</td>
                      <td className={`num ${r.errors ? 'text-danger' : 'muted'}`} title={statusesTitle(r)}>
                        {r.errors}
                      </td>
                      <td className="scan-reason small">
                        {r.reason}
                        {r.diagnosis?.snapshots && <OpenDiagnosisButton sessionId={sessionId} result={r} />}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {chosen ? (
            <ScanChart result={chosen} />
          ) : (
            <p className="hint small">Select an endpoint to chart its memory round by round.</p>
          )}
        </>
      )}
    </section>
  );
}
