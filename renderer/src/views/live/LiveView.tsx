import { useEffect } from 'react';
import { STDERR_HEADING } from '../../../../preload/contract.ts';
import { NoSessionState } from '../../components/NoSessionState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { runningInfo, useLibrary } from '../../store/library.ts';
import { useLive } from '../../store/live.ts';
import { useNav } from '../../store/nav.ts';
import { useScan } from '../../store/scan.ts';
import { EndpointsPanel } from './EndpointsPanel.tsx';
import { LiveHeader } from './LiveHeader.tsx';
import { OutputPanel } from './OutputPanel.tsx';
import { RequestLog } from './RequestLog.tsx';
import { RouteTable } from './RouteTable.tsx';
import { Timeline } from './Timeline.tsx';

const FAILURE_TITLES: Record<string, string> = {
  failed: 'The server did not start',
  crashed: 'The server ended unexpectedly',
};

export function LiveView() {
  const sessionId = useNav((s) => s.sessionId);
  const load = useLive((s) => s.load);
  const loadScans = useScan((s) => s.load);
  const detail = useLive((s) => (s.sessionId === sessionId ? s.detail : null));
  const loadError = useLive((s) => (s.sessionId === sessionId ? s.loadError : null));
  const stopError = useLive((s) => s.stopError);
  const running = useLibrary((s) => runningInfo(s.running, sessionId));

  useEffect(() => {
    if (sessionId !== null) void Promise.all([load(sessionId), loadScans(sessionId)]);
  }, [sessionId, load, loadScans]);

  if (sessionId === null)
    return (
      <NoSessionState testId="live-view" title="No session open">
        Start an investigation, or reopen a recorded session from the library.
      </NoSessionState>
    );
  if (!detail)
    return (
      <div className="view" data-testid="live-view">
        {loadError ? (
          <ErrorPanel title={`Cannot open session ${sessionId}`} message={loadError} />
        ) : (
          <p className="muted">Loading session {sessionId}…</p>
        )}
      </div>
    );

  const { session } = detail;
  const isRunning = running !== undefined && session.status !== 'stopped';
  // what went wrong (a headline and its notes), then what the target printed last
  const lines = (session.error ?? '').split('\n');
  const cut = lines.indexOf(STDERR_HEADING);
  const [said, printed] =
    cut < 0 ? [lines.slice(0, 1), lines.slice(1)] : [lines.slice(0, cut), lines.slice(cut + 1)];
  return (
    <div className="view" data-testid="live-view" data-session={session.id} data-running={isRunning}>
      <LiveHeader session={session} running={isRunning ? running : undefined} />
      {session.error && FAILURE_TITLES[session.status] && (
        <ErrorPanel
          title={FAILURE_TITLES[session.status]!}
          message={said.join('\n')}
          detail={printed}
          code={session.exit_code === null ? undefined : `exit ${session.exit_code}`}
        />
      )}
      {stopError && <ErrorPanel title="Could not stop the session" message={stopError} />}
      <EndpointsPanel sessionId={session.id} running={isRunning} />
      <Timeline sessionId={session.id} />
      <div className="columns columns-wide-left">
        <RouteTable routes={detail.routes} running={isRunning} />
        <OutputPanel />
      </div>
      <RequestLog routes={detail.routes} />
    </div>
  );
}
