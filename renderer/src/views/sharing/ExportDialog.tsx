import { useEffect, useRef, useState } from 'react';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useModalFocus } from '../../focus.ts';
import { formatBytes, formatCount } from '../../format.ts';
import type { ExportOutcome } from '../../files.ts';
import { useSharing } from '../../store/sharing.ts';

/** What redaction changes in the file (main/store/redact.ts), in the user's terms. */
const REDACTIONS = [
  'Paths outside the project are shortened: the interpreter, the virtualenv’s packages and the standard library keep only their tail, other files only their name.',
  'Query strings are dropped from request paths.',
  'NAME=value words in command lines and output lose their value (tokens, passwords, database URLs).',
];

function Outcome({ outcome }: { outcome: ExportOutcome }) {
  if (outcome.kind === 'downloaded')
    return (
      <p className="export-done" role="status" data-testid="export-done" data-kind="downloaded">
        Downloaded <strong className="mono">{outcome.fileName}</strong> ({formatBytes(outcome.bytes)}): your
        browser saved it where it saves downloads.
      </p>
    );
  return (
    <div className="export-done" role="status" data-testid="export-done" data-kind="written">
      <p>Written ({formatBytes(outcome.bytes)}):</p>
      <code className="export-path" data-testid="export-path">
        {outcome.file}
      </code>
      <p className="muted small">
        {formatCount(outcome.rows)} rows in {outcome.tables} tables; the receiver’s djleak checks them when it
        imports the file.
      </p>
    </div>
  );
}

/** Export… : one session into a .djleak file to hand to someone else, redacted unless asked otherwise. */
export function ExportDialog() {
  const session = useSharing((s) => s.exporting);
  const { busy, outcome, error } = useSharing((s) => s.exportState);
  const runExport = useSharing((s) => s.runExport);
  const close = useSharing((s) => s.closeExport);
  const [redact, setRedact] = useState(true);
  const dialog = useRef<HTMLDialogElement>(null);
  useModalFocus(dialog, session !== null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (session && !d.open) {
      setRedact(true);
      d.showModal();
    }
    if (!session && d.open) d.close();
  }, [session]);

  return (
    <dialog
      ref={dialog}
      className="dialog export-dialog"
      aria-labelledby="export-title"
      data-testid="export-dialog"
      data-state={busy ? 'busy' : outcome ? 'done' : error ? 'error' : 'idle'}
      onCancel={(e) => {
        // Escape while the file is being written would hide its outcome: wait for it
        if (busy) e.preventDefault();
      }}
      onClose={close}
    >
      {session && (
        <>
          <h2 id="export-title">Export “{session.name}”</h2>
          <p className="small">
            One file (<code>.djleak</code>) with this session’s samples, requests, output, scans and
            snapshots. Whoever receives it opens it with <em>Import…</em> in their Sessions view, read-only.
          </p>
          {session.status === 'running' && (
            <p className="hint small">
              This session is still running: the file holds what was recorded so far.
            </p>
          )}
          <label className="export-redact">
            <input
              type="checkbox"
              checked={redact}
              disabled={busy}
              onChange={(e) => setRedact(e.target.checked)}
            />
            Redact before sharing
          </label>
          <ul className={`redactions small${redact ? '' : ' off'}`} aria-label="What redaction does">
            {REDACTIONS.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <p className="muted small">
            {redact
              ? 'Your project’s own paths stay: they are what the diagnosis points at.'
              : 'Without redaction the file holds full paths, query strings and command-line values as recorded.'}
          </p>
          {busy && (
            <p className="export-busy small" role="status">
              <span className="spinner spinner-small" aria-hidden="true" /> Writing the session file…
            </p>
          )}
          {outcome && <Outcome outcome={outcome} />}
          {error && <ErrorPanel title="Could not export the session" message={error} />}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={close} disabled={busy}>
              {outcome ? 'Close' : 'Cancel'}
            </button>
            {!outcome && (
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy}
                onClick={() => void runExport(redact)}
              >
                {error ? 'Try again' : 'Export'}
              </button>
            )}
          </div>
        </>
      )}
    </dialog>
  );
}
