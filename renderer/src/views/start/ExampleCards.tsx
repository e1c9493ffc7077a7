import { useEffect } from 'react';
import { useStart } from '../../store/start.ts';

/** The bundled examples other than the demo (which has its own card and tour), each started like the demo. */
export function ExampleCards() {
  const examples = useStart((s) => s.examples);
  const starting = useStart((s) => s.starting);
  const loadExamples = useStart((s) => s.loadExamples);
  const startExample = useStart((s) => s.startExample);
  useEffect(() => void loadExamples(), [loadExamples]);
  const others = examples.filter((e) => !e.default);
  if (!others.length) return null;
  return (
    <section className="panel" aria-labelledby="examples-title">
      <header className="panel-head">
        <h2 id="examples-title">More examples</h2>
        <span className="muted small">bundled projects, run in the demo’s virtualenv</span>
      </header>
      <ul className="example-list">
        {others.map((e) => (
          <li key={e.name} className="example-item" data-example={e.name}>
            <div className="example-text">
              <span className="example-title">{e.title}</span> <code className="small muted">{e.name}</code>
              <p className="muted">{e.description}</p>
            </div>
            <button
              type="button"
              className="btn"
              onClick={() => void startExample(e.name)}
              disabled={starting !== null}
              data-testid={`start-example-${e.name}`}
              aria-label={`Start the ${e.title} example`}
            >
              {starting === e.name ? 'Starting…' : 'Start'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
