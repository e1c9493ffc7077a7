import { Icon } from '../../components/Icon.tsx';
import { useLibrary } from '../../store/library.ts';
import { useWalkthrough } from '../../store/walkthrough.ts';
import { StepDetail } from './StepDetail.tsx';
import { TOUR_STEPS, TOUR_TEXT } from './tourSteps.ts';

/**
 * The guided tour on the demo: one step at a time, each run for the user with Do it, or done with the page's
 * own buttons (the tour then moves on by itself and says so).
 */
export function WalkthroughPanel() {
  const step = useWalkthrough((s) => s.step);
  const status = useWalkthrough((s) => s.status);
  const error = useWalkthrough((s) => s.error);
  const sessionId = useWalkthrough((s) => s.sessionId);
  const notes = useWalkthrough((s) => s.notes);
  const doIt = useWalkthrough((s) => s.doIt);
  const next = useWalkthrough((s) => s.next);
  const end = useWalkthrough((s) => s.end);
  const restart = useWalkthrough((s) => s.restart);
  const demoGone = useLibrary(
    (s) => s.sessions !== null && sessionId !== null && !s.running.some((r) => r.sessionId === sessionId),
  );
  const index = TOUR_STEPS.indexOf(step);
  const info = TOUR_TEXT[step];
  const needsDemo = step === 'scan' || step === 'action';
  const last = index === TOUR_STEPS.length - 1;
  return (
    <aside
      className="tour"
      aria-labelledby="tour-title"
      data-testid="walkthrough"
      data-step={step}
      data-status={status}
    >
      <header className="tour-head">
        <Icon name="compass" />
        <span className="small muted">
          Guided tour · step {index + 1} of {TOUR_STEPS.length}
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-ghost btn-small" onClick={end}>
          End tour
        </button>
      </header>
      <ol className="tour-dots" aria-hidden="true">
        {TOUR_STEPS.map((s, i) => (
          <li key={s} className={i < index ? 'past' : i === index ? 'now' : undefined} />
        ))}
      </ol>
      {notes.length > 0 && (
        <ul className="tour-done small" role="status" data-testid="tour-done">
          {notes.map((note) => (
            <li key={note}>
              <Icon name="check" />
              {note}
            </li>
          ))}
        </ul>
      )}
      <h2 id="tour-title">{info.title}</h2>
      <p>{info.text}</p>
      <StepDetail />
      {error && (
        <p className="text-danger small" role="alert">
          {error}
        </p>
      )}
      {needsDemo && demoGone && status !== 'done' && (
        <p className="hint small" role="status">
          The demo is not running any more.{' '}
          <button type="button" className="link-button" onClick={restart}>
            Start the tour again
          </button>
        </p>
      )}
      <div className="tour-actions">
        {info.doIt && status !== 'done' ? (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void doIt()}
            disabled={status === 'working'}
            title={info.doIt}
          >
            {status === 'working' && <span className="spinner spinner-small" aria-hidden="true" />}
            {status === 'working' ? 'Working…' : 'Do it'}
          </button>
        ) : (
          <button type="button" className="btn btn-primary" onClick={next}>
            {last ? 'Finish' : 'Next'}
          </button>
        )}
        {info.doIt && status !== 'done' && <span className="muted small">{info.doIt}</span>}
      </div>
    </aside>
  );
}
