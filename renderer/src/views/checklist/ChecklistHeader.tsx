import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { Icon } from '../../components/Icon.tsx';
import { SessionTitle } from '../../components/SessionTitle.tsx';
import { useChecklist } from '../../store/checklist.ts';
import { useNav } from '../../store/nav.ts';
import { useWalkthrough } from '../../store/walkthrough.ts';
import { OriginBanner } from '../sharing/OriginBanner.tsx';
import { RerunButton } from './RerunButton.tsx';

interface ChecklistHeaderProps {
  sessionId: number;
  session: SessionSummaryDto | undefined;
  running: boolean;
  scanning: boolean;
  scanned: boolean;
}

export function ChecklistHeader({ sessionId, session, running, scanning, scanned }: ChecklistHeaderProps) {
  const openSession = useNav((s) => s.openSession);
  const load = useChecklist((s) => s.load);
  const refreshing = useChecklist((s) => s.refreshing);
  const refreshError = useChecklist((s) => s.refreshError);
  const rerunError = useChecklist((s) => s.rerun.error);
  const touring = useWalkthrough((s) => s.active);
  const begin = useWalkthrough((s) => s.begin);
  const rerunBlocked = scanning
    ? 'Wait for the scan to finish (or cancel it) first'
    : !scanned
      ? 'Scan this session first: a re-run repeats its scan'
      : null;
  return (
    <header className="view-head">
      <div className="live-title">
        <SessionTitle
          title="Checklist"
          sessionId={sessionId}
          session={session}
          running={running}
          readOnlyWhy="Actions run in the live app: this session has ended"
          nameTestId="checklist-session"
        />
        <span className="spacer" />
        {running && (
          <button
            type="button"
            className="btn"
            disabled={refreshing}
            onClick={() => void load(sessionId, true)}
            title="Read the figures in the running app again"
          >
            {refreshing ? 'Refreshing…' : 'Refresh figures'}
          </button>
        )}
        {/* an imported session has no launch options of this machine: nothing to re-run */}
        {session && !session.origin && <RerunButton running={running} disabledReason={rerunBlocked} />}
        {!touring && (
          <button type="button" className="btn" onClick={begin} title="A guided tour on the bundled demo">
            <Icon name="compass" /> Guided tour
          </button>
        )}
        <button type="button" className="btn" onClick={() => openSession(sessionId)}>
          {running ? 'Back to Live' : 'Session overview'}
        </button>
      </div>
      {session && <OriginBanner session={session} />}
      <p className="muted">
        Identify what leaks, diagnose where it comes from and why, then fix it: each fix shows the evidence
        from this session, why it matters, the change in Django code and an action whose effect is measured.
      </p>
      {refreshError && (
        <p className="hint small" role="status">
          Showing the figures read last: {refreshError}
        </p>
      )}
      {rerunError && <ErrorPanel title="Could not re-run the scan" message={rerunError} />}
    </header>
  );
}
