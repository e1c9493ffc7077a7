import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useScan } from '../../store/scan.ts';

/** A scan under way in this session, or how the last one went wrong. */
export function ScanStatus({ sessionId }: { sessionId: number }) {
  const run = useScan((s) => s.runs[sessionId]);
  const end = useScan((s) => s.ends[sessionId]);
  const startError = useScan((s) => (s.sessionId === sessionId ? s.startError : null));
  const dismissEnd = useScan((s) => s.dismissEnd);
  const p = run?.progress;
  return (
    <>
      {run && (
        <p className="scan-progress-line checklist-scan" role="status" data-testid="checklist-scan">
          <span className="spinner" aria-hidden="true" />
          {p && run.results.length < p.endpoints ? (
            <span>
              Scanning endpoint <strong>{p.index + 1}</strong> of {p.endpoints} ·{' '}
              <span className="mono">
                <span className="method">{p.method}</span> {p.path}
              </span>{' '}
              · round {p.round} of {p.rounds}
            </span>
          ) : p ? (
            <span>Every endpoint measured: diagnosing the leaks…</span>
          ) : (
            <span>Starting the scan…</span>
          )}
        </p>
      )}
      {startError && <ErrorPanel title="Could not start the scan" message={startError} />}
      {end?.error && (
        <ErrorPanel title="The scan stopped" message={end.error} onDismiss={() => dismissEnd(sessionId)} />
      )}
    </>
  );
}
