import { useState } from 'react';
import { MOD } from '../../shortcuts.ts';
import { useSnapshots } from '../../store/snapshots.ts';
import { TracingControl } from './TracingControl.tsx';

function TakeSnapshotForm() {
  const take = useSnapshots((s) => s.take);
  const taking = useSnapshots((s) => s.taking);
  const [label, setLabel] = useState('');
  return (
    <form
      className="take-form"
      onSubmit={(e) => {
        e.preventDefault();
        void take(label).then(() => setLabel(''));
      }}
    >
      <div className="field">
        <label htmlFor="snapshot-label">Label (optional)</label>
        <div className="take-row">
          <input
            id="snapshot-label"
            className="input"
            value={label}
            maxLength={64}
            placeholder="e.g. after 40 price lists"
            onChange={(e) => setLabel(e.target.value)}
          />
          <button
            type="submit"
            className="btn btn-primary"
            disabled={taking}
            title={`Take a memory snapshot (${MOD}+Shift+S)`}
          >
            {taking ? 'Taking snapshot…' : 'Take snapshot'}
          </button>
        </div>
      </div>
      <p className="hint small">
        With tracing off, taking a snapshot starts it: that moment is stored as the baseline, and the next
        snapshot shows what grew since.
      </p>
    </form>
  );
}

function SnapshotNote() {
  const note = useSnapshots((s) => s.note);
  const dismiss = useSnapshots((s) => s.dismissNote);
  if (!note) return null;
  return (
    <div className="scan-note" role="status" data-testid="snapshot-note">
      <span>{note.charAt(0).toUpperCase() + note.slice(1)}</span>
      <span className="spacer" />
      <button type="button" className="btn btn-ghost btn-small" onClick={dismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

/** A running session's capture controls: the costly tracing window and taking snapshots. */
export function CapturePanel({ sessionId }: { sessionId: number }) {
  return (
    <section className="panel" aria-labelledby="capture-title" data-testid="capture">
      <header className="panel-head">
        <h2 id="capture-title">Capture</h2>
        <span className="muted small">tracemalloc snapshots of the running server</span>
      </header>
      <div className="capture-row">
        <TracingControl sessionId={sessionId} />
        <TakeSnapshotForm />
      </div>
      <SnapshotNote />
    </section>
  );
}
