import { useId, useState } from 'react';
import { BUILTIN_GUESSES, useReferrers } from '../../store/referrers.ts';
import { useSnapshots } from '../../store/snapshots.ts';

interface WhoHoldsFormProps {
  sessionId: number;
  /** The row's location, for the panel's title. */
  what: string;
  site: { file: string; line: number };
}

/** Frames per traceback when the form starts tracing (the Tracing window's default). */
const FRAMES = 10;

/**
 * Without tracing no object carries the line it was allocated at (a scan's diagnosis stops tracing when it is
 * done): say so, point at what the scan stored, and offer to start tracing rather than fail.
 */
function NotTracing() {
  const picked = useSnapshots((s) => s.diagnosis !== null);
  const busy = useSnapshots((s) => s.tracingBusy);
  const start = useSnapshots((s) => s.startTracing);
  return (
    <div className="who-holds" data-testid="who-holds-not-tracing">
      <p className="hint small">
        Who holds it? follows the objects allocated at this line, and only tracemalloc records where an object
        was allocated: tracing is off now (a scan&apos;s diagnosis stops it when it is done).{' '}
        {picked ? 'What the scan found holding them while it traced is under Who holds it? below. ' : ''}
        To ask the server now, start tracing, send the endpoint a few requests, then ask.
      </p>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => void start(FRAMES)}>
        Start tracing (slows requests)
      </button>
    </div>
  );
}

/**
 * Asks the running server who holds the objects allocated at a diff row's line: of the type the user names,
 * or else the builtins tried one by one until a chain reaches a named root.
 */
export function WhoHoldsForm({ sessionId, what, site }: WhoHoldsFormProps) {
  const find = useReferrers((s) => s.find);
  const searching = useReferrers((s) => s.search?.searching ?? false);
  const tracingOff = useSnapshots((s) => s.tracing[sessionId]?.on === false);
  const [type, setType] = useState('');
  const inputId = useId();
  if (tracingOff) return <NotTracing />;
  return (
    <form
      className="who-holds"
      onSubmit={(e) => {
        e.preventDefault();
        void find(sessionId, { what, type: type.trim() || null, site });
      }}
    >
      <label htmlFor={inputId} className="small">
        Type of the objects
      </label>
      <input
        id={inputId}
        className="input mono"
        value={type}
        placeholder={`guess: ${BUILTIN_GUESSES.join(', ')}`}
        onChange={(e) => setType(e.target.value)}
      />
      <button type="submit" className="btn btn-small" disabled={searching}>
        Who holds it?
      </button>
    </form>
  );
}
