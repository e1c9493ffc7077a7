import { useEffect } from 'react';
import { NoSessionState } from '../../components/NoSessionState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { SessionTitle } from '../../components/SessionTitle.tsx';
import { runningInfo, useLibrary } from '../../store/library.ts';
import { useNav } from '../../store/nav.ts';
import { useReferrers } from '../../store/referrers.ts';
import { useSnapshots } from '../../store/snapshots.ts';
import { OriginBanner } from '../sharing/OriginBanner.tsx';
import { CapturePanel } from './CapturePanel.tsx';
import { ComparePanel } from './ComparePanel.tsx';

/**
 * Memory snapshots of one session: take them while it runs (opening a tracing window on purpose), diff two
 * of them down to the line that allocated what grew, and ask who holds it.
 */
export function SnapshotsView() {
  const sessionId = useNav((s) => s.sessionId);
  const openSession = useNav((s) => s.openSession);
  const session = useLibrary((s) => s.sessions?.find((x) => x.id === sessionId));
  const running = useLibrary((s) => runningInfo(s.running, sessionId) !== undefined);
  const load = useSnapshots((s) => s.load);
  const loadError = useSnapshots((s) => (s.sessionId === sessionId ? s.loadError : null));
  const actionError = useSnapshots((s) => s.actionError);
  const dismissError = useSnapshots((s) => s.dismissError);

  useEffect(() => {
    if (sessionId === null) return;
    void useLibrary.getState().refresh();
    void load(sessionId);
    if (useReferrers.getState().search?.sessionId !== sessionId) useReferrers.getState().clear();
  }, [sessionId, load]);

  if (sessionId === null)
    return (
      <NoSessionState testId="snapshots-view" title="No session selected">
        Snapshots belong to a session: start an investigation (or the demo), or open a recorded session from
        the library, then come back here.
      </NoSessionState>
    );
  return (
    <div className="view" data-testid="snapshots-view" data-session={sessionId} data-running={running}>
      <header className="view-head">
        <div className="live-title">
          <SessionTitle
            title="Snapshots"
            sessionId={sessionId}
            session={session}
            running={running}
            readOnlyWhy="Snapshots can only be taken while the session runs"
          />
          <span className="spacer" />
          <button type="button" className="btn" onClick={() => openSession(sessionId)}>
            {running ? 'Back to Live' : 'Session overview'}
          </button>
        </div>
        {session && <OriginBanner session={session} />}
        <p className="muted">
          What grew between two snapshots, attributed to the line of your project that allocated it, and what
          keeps it alive.
        </p>
      </header>
      {loadError && <ErrorPanel title="Cannot read the snapshots" message={loadError} />}
      {actionError && (
        <ErrorPanel title={actionError.title} message={actionError.message} onDismiss={dismissError} />
      )}
      {running && <CapturePanel sessionId={sessionId} />}
      <ComparePanel sessionId={sessionId} running={running} />
    </div>
  );
}
