import { useEffect, useRef } from 'react';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatClock } from '../../format.ts';
import { useLive } from '../../store/live.ts';

/** The target's stdout/stderr and the engine's own notes, following the end unless the user scrolled up. */
export function OutputPanel() {
  const logs = useLive((s) => s.logs);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [logs]);

  return (
    <section className="panel" aria-labelledby="output-title">
      <header className="panel-head">
        <h2 id="output-title">Output</h2>
        <span className="muted small">stdout, stderr and probe messages</span>
      </header>
      {logs.length === 0 ? (
        <EmptyState title="Nothing printed yet">
          What the server writes to stdout and stderr shows here.
        </EmptyState>
      ) : (
        <div
          ref={box}
          className="console"
          role="log"
          aria-label="Server output"
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {logs.map((l) => (
            <div key={l.id} className={`log-line log-${l.level} log-src-${l.source}`}>
              <span className="log-time">{formatClock(l.t)}</span>
              <span className="log-src">{l.source}</span>
              <span className="log-msg">{l.message}</span>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
