import { useEffect, useRef, type ReactNode } from 'react';

interface ErrorPanelProps {
  title: string;
  message: string;
  /** The engine's extra lines, typically the last lines the target wrote to stderr. */
  detail?: string[];
  code?: string;
  onDismiss?: () => void;
  children?: ReactNode;
}

/**
 * A message's first line is what went wrong (for a failed start: the root exception); the engine's further
 * lines follow it apart: a `hint: …` line says what to do, the others what happened next.
 */
function MessageNotes({ lines }: { lines: string[] }) {
  if (lines.length === 0) return null;
  return (
    <ul className="error-notes" data-testid="error-notes">
      {lines.map((line, i) =>
        line.startsWith('hint: ') ? (
          <li key={i} className="error-hint" data-testid="error-hint">
            <strong>What to do:</strong> {line.slice('hint: '.length)}
          </li>
        ) : (
          <li key={i}>{line}</li>
        ),
      )}
    </ul>
  );
}

export function ErrorPanel({ title, message, detail = [], code, onDismiss, children }: ErrorPanelProps) {
  const pre = useRef<HTMLPreElement>(null);
  const text = detail.join('\n');
  const [headline, ...notes] = message.split('\n');
  // a traceback ends with the line that matters
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <section className="error-panel" role="alert" aria-label={title} data-testid="error-panel">
      <header className="error-head">
        <span className="error-icon" aria-hidden="true">
          !
        </span>
        <h2>{title}</h2>
        {code && <code className="error-code">{code}</code>}
        <span className="spacer" />
        {onDismiss && (
          <button type="button" className="btn btn-ghost btn-small" onClick={onDismiss} aria-label="Dismiss">
            ✕
          </button>
        )}
      </header>
      <p className="error-message" data-testid="error-message">
        {headline}
      </p>
      <MessageNotes lines={notes} />
      {detail.length > 0 && (
        <figure className="error-detail">
          <figcaption className="small muted">Last lines from the process (stderr)</figcaption>
          <pre ref={pre} data-testid="error-detail" tabIndex={0}>
            {text}
          </pre>
        </figure>
      )}
      {children}
    </section>
  );
}
