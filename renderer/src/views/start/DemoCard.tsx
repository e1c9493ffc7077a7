import { ImportButton } from '../sharing/ImportButton.tsx';
import { useStart } from '../../store/start.ts';
import { useWalkthrough } from '../../store/walkthrough.ts';

export function DemoCard() {
  const starting = useStart((s) => s.starting);
  const startDemo = useStart((s) => s.startDemo);
  const touring = useWalkthrough((s) => s.active);
  const beginTour = useWalkthrough((s) => s.begin);
  return (
    <section className="panel demo-card" aria-labelledby="demo-title">
      <div>
        <h2 id="demo-title">Try the demo</h2>
        <p className="muted">
          A small Django shop with five planted leaks (a cache, database connections, sessions, reference
          cycles and a signal registry) and a few harmless endpoints to compare with. The first run sets up
          its virtualenv, which can take a minute.
        </p>
      </div>
      <div className="demo-actions">
        <button
          type="button"
          className="btn btn-primary btn-large"
          onClick={() => void startDemo()}
          disabled={starting !== null}
          data-testid="start-demo"
        >
          {starting === 'leaky_shop' ? 'Starting the demo…' : 'Try the demo'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={beginTour}
          disabled={touring}
          title="Starts the demo, scans it, opens a leak's diff and its fix, and applies a fix action, step by step"
        >
          {touring ? 'Guided tour under way' : 'Take the guided tour'}
        </button>
        <ImportButton label="Open session file…" />
      </div>
    </section>
  );
}
