import { useMemo } from 'react';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { plural } from '../../format.ts';
import { MOD } from '../../shortcuts.ts';
import { useLive } from '../../store/live.ts';
import { useScan, type ScanEnd } from '../../store/scan.ts';
import { endpointKey, latestPerEndpoint, verdictCounts, type VerdictCounts } from '../../verdicts.ts';
import { scanBlocker } from './decidingScan.ts';
import { EndpointTable } from './EndpointTable.tsx';
import { ScanProgress } from './ScanProgress.tsx';
import { SkippedRoutes } from './SkippedRoutes.tsx';

/** What a discovered scan does to the app: 50 warm-up requests, 5 rounds of 20 per route, then extensions. */
export const SCAN_EXPLANATION =
  'Drives each GET route without parameters (and each detail view, with the key of an existing row) in rounds ' +
  'and measures memory after a full collection between ' +
  'rounds; your app receives ~150 requests per route (50 of them warm-up), and a route not decided by then ' +
  'more, up to 2,000 in all.';

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
  const start = useScan((s) => s.start);
  const login = useScan((s) => s.logins[sessionId] ?? '');
  const setLogin = useScan((s) => s.setLogin);
  const cancel = useScan((s) => s.cancel);
  const dismissEnd = useScan((s) => s.dismissEnd);
  const stopping = useLive((s) => s.stopping);
  const skipped = useLive((s) => (s.detail?.session.id === sessionId ? s.detail.skipped : null));

  // each endpoint's latest stored result; while a scan of every endpoint runs, only its own results (routes not
  // known yet), and while a scan of some endpoints runs, theirs replace the stored ones as they come
  const rows = useMemo(
    () =>
      latestPerEndpoint(
        run ? (run.endpoints ? [...(stored ?? []), ...run.results] : run.results) : (stored ?? []),
      ),
    [run, stored],
  );
  const fromRun = useMemo(() => new Set(run?.results ?? []), [run]);
  const counts = useMemo(() => verdictCounts(rows), [rows]);
  const measuring =
    run?.progress && run.results.length <= run.progress.index ? endpointKey(run.progress) : null;
  const blocker = scanBlocker(running, run !== undefined, stopping);
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
            <>
              <label
                className="scan-login small"
                title="Pages behind a login answer a redirect without a user: scan them as an existing user of the project (no password needed)"
              >
                Log in as
                <input
                  type="text"
                  className="input mono"
                  placeholder="username (optional)"
                  autoComplete="off"
                  spellCheck={false}
                  value={login}
                  onChange={(e) => setLogin(sessionId, e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && !stopping) void start(sessionId);
                  }}
                />
              </label>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => void start(sessionId)}
                disabled={stopping}
                title={`Scan for leaks (${MOD}+Shift+L)`}
              >
                Scan for leaks
              </button>
            </>
          )
        )}
      </header>
      {running && <p className="muted small scan-explain">{SCAN_EXPLANATION}</p>}
      {run && <ScanProgress run={run} />}
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
        <EndpointTable
          sessionId={sessionId}
          rows={rows}
          fromRun={fromRun}
          measuring={measuring}
          blocker={blocker}
        />
      )}
      {skipped && <SkippedRoutes key={sessionId} sessionId={sessionId} skipped={skipped} blocker={blocker} />}
    </section>
  );
}
