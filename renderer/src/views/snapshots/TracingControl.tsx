import { useState } from 'react';
import { useSnapshots } from '../../store/snapshots.ts';

const DEFAULT_FRAMES = 10;

/**
 * Tracing is a window the user opens on purpose: tracemalloc records every allocation, which makes requests
 * several times slower, so it is labelled as such and never turned on behind the user's back.
 */
export function TracingControl({ sessionId }: { sessionId: number }) {
  const tracing = useSnapshots((s) => s.tracing[sessionId]);
  const busy = useSnapshots((s) => s.tracingBusy);
  const start = useSnapshots((s) => s.startTracing);
  const stop = useSnapshots((s) => s.stopTracing);
  const [frames, setFrames] = useState(DEFAULT_FRAMES);
  const state = tracing === undefined ? 'unknown' : tracing.on ? 'on' : 'off';
  const validFrames = Number.isInteger(frames) && frames >= 1 && frames <= 100;

  return (
    <div className={`tracing tracing-${state}`} data-testid="tracing" data-state={state}>
      <div className="tracing-head">
        <strong>Tracing window</strong>
        <span className="tag tag-cost">costly: requests run ~5–8× slower</span>
      </div>
      <p className="small muted">
        tracemalloc records every allocation with its traceback while tracing is on. Open the window around
        the requests you want to examine, then close it.
      </p>
      <p className="small" role="status">
        {state === 'on' ? (
          <>
            <span className="tracing-dot" aria-hidden="true" /> Tracing is on
            {tracing?.frames ? ` (${tracing.frames} frames per traceback)` : ''}: your app is slower until you
            stop it.
          </>
        ) : state === 'off' ? (
          'Tracing is off: requests run at full speed.'
        ) : (
          'Tracing state unknown here (a scan, another window or the first snapshot may have changed it).'
        )}
      </p>
      <div className="tracing-actions">
        {state !== 'on' && (
          <>
            <label htmlFor="trace-frames" className="small">
              Frames
            </label>
            <input
              id="trace-frames"
              className="input input-narrow"
              type="number"
              min={1}
              max={100}
              value={Number.isFinite(frames) ? frames : ''}
              onChange={(e) => setFrames(e.target.valueAsNumber)}
            />
            <button
              type="button"
              className="btn"
              disabled={busy || !validFrames}
              onClick={() => void start(frames)}
            >
              Start tracing (slows requests)
            </button>
          </>
        )}
        {state !== 'off' && (
          <button type="button" className="btn" disabled={busy} onClick={() => void stop()}>
            Stop tracing
          </button>
        )}
      </div>
    </div>
  );
}
