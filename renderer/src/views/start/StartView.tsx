import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useNav } from '../../store/nav.ts';
import { useStart } from '../../store/start.ts';
import { ImportStatus } from '../sharing/ImportStatus.tsx';
import { DemoCard } from './DemoCard.tsx';
import { ExampleCards } from './ExampleCards.tsx';
import { NewInvestigationForm } from './NewInvestigationForm.tsx';
import { RecentSessions } from './RecentSessions.tsx';
import { StartProgress } from './StartProgress.tsx';

export function StartView() {
  const failure = useStart((s) => s.failure);
  const dismiss = useStart((s) => s.dismissFailure);
  const openSession = useNav((s) => s.openSession);
  return (
    <div className="view" data-testid="start-view">
      <header className="view-head">
        <div>
          <h1>New investigation</h1>
          <p className="muted">
            djleak runs your Django project with a small probe injected, and records memory per process and
            per request. Nothing to install in your project; no file of yours is edited.
          </p>
        </div>
      </header>
      {failure && (
        <ErrorPanel
          title={`Could not start ${failure.what}`}
          message={failure.message}
          detail={failure.detail}
          code={failure.code}
          onDismiss={dismiss}
        >
          {failure.session !== null && (
            <div className="form-actions">
              <button type="button" className="btn btn-small" onClick={() => openSession(failure.session!)}>
                Open the full output
              </button>
            </div>
          )}
        </ErrorPanel>
      )}
      <StartProgress />
      <ImportStatus />
      <DemoCard />
      <ExampleCards />
      <div className="columns">
        <NewInvestigationForm />
        <RecentSessions />
      </div>
    </div>
  );
}
