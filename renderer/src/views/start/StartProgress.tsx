import { useEffect, useRef } from 'react';
import { useStart } from '../../store/start.ts';

/** While investigation.start is pending: the examples' setup and launch lines as they arrive. */
export function StartProgress() {
  const starting = useStart((s) => s.starting);
  const progress = useStart((s) => s.progress);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    pre.current?.scrollTo({ top: pre.current.scrollHeight });
  }, [progress]);
  if (!starting) return null;
  return (
    <section className="panel progress-panel" role="status" aria-live="polite" aria-label="Start-up progress">
      <header className="panel-head">
        <span className="spinner" aria-hidden="true" />
        <h2>
          {starting === 'project'
            ? 'Starting your project'
            : starting === 'leaky_shop'
              ? 'Starting the demo'
              : `Starting the ${starting} example`}
        </h2>
        <span className="muted small">waiting for Django to answer with the probe connected</span>
      </header>
      <pre ref={pre} className="console console-short" data-testid="start-progress">
        {progress.length ? progress.join('\n') : 'Preparing…'}
      </pre>
    </section>
  );
}
