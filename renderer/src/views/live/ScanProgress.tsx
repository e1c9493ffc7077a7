import { plural } from '../../format.ts';
import type { ScanRun } from '../../store/scan.ts';
import { progressModel } from './scanProgressModel.ts';

function Endpoint({ method, path }: { method: string; path: string }) {
  return (
    <span className="mono">
      <span className="method">{method}</span> {path}
    </span>
  );
}

/**
 * A scan under way: which endpoint, which round, and why an undecided endpoint is extended. The bar fills with
 * the endpoints measured; what has no known end (an extension until the verdict is decided, a warm-up, the
 * storing of the results) moves in stripes rather than pretending to a share; the diagnosis counts the leaks
 * traced, naming the one under way.
 */
export function ScanProgress({ run }: { run: ScanRun }) {
  const p = run.progress;
  const model = progressModel(p, run.results.length, run.diagnosing);
  const d = run.diagnosing;
  const leaks = run.results.filter((r) => r.verdict === 'leak' && !r.partial).length;
  const next = model.phase === 'warming-up' && p ? (run.endpoints?.[model.index!] ?? null) : null;

  let line;
  if (run.cancelling) line = <span>Cancelling: finishing the measurement in progress…</span>;
  else if (!p)
    line = run.endpoints ? (
      <span>Warming up and measuring the baseline…</span>
    ) : (
      <span>Finding the GET routes without parameters and warming up…</span>
    );
  else if (d)
    line = (
      <span>
        Every endpoint measured · diagnosing leak <strong>{d.index + 1}</strong> of {d.count} ·{' '}
        <Endpoint method={d.method} path={d.path} /> in a traced window of {d.requests} requests…
      </span>
    );
  else if (model.phase === 'finishing')
    line = (
      <span>
        Every endpoint measured:{' '}
        {leaks
          ? `diagnosing ${plural(leaks, 'leak', 'leaks')} in a traced window, then storing the results…`
          : 'storing the results…'}
      </span>
    );
  else if (model.phase === 'warming-up')
    line = (
      <span>
        Endpoint <strong>{model.index! + 1}</strong> of {p.endpoints} · warming up
        {next ? (
          <>
            {' '}
            · <span className="mono">{next}</span>
          </>
        ) : (
          ' the next endpoint'
        )}
        …
      </span>
    );
  else
    line = (
      <span>
        Endpoint <strong>{p.index + 1}</strong> of {p.endpoints} ·{' '}
        {p.extending !== null
          ? `extension ${p.stage}, round ${p.round} of ${p.rounds}`
          : `round ${p.round} of ${p.rounds}`}{' '}
        · <Endpoint method={p.method} path={p.path} />
      </span>
    );

  const valueNow = model.done === null ? undefined : Math.round(model.done * 100);
  return (
    <div
      className="scan-progress"
      data-testid="scan-progress"
      data-index={p ? p.index + 1 : 0}
      data-endpoints={p?.endpoints ?? 0}
      data-phase={model.phase}
      data-stage={p?.stage ?? 0}
    >
      <div className="scan-progress-line" role="status">
        <span className="spinner" aria-hidden="true" />
        {line}
        <span className="spacer" />
        <span className="muted small">{plural(run.results.length, 'endpoint', 'endpoints')} measured</span>
      </div>
      {p?.extending && model.phase === 'extending' && !run.cancelling && (
        <p className="scan-extending small" data-testid="scan-extending">
          Not decided yet, so extending it {p.extending}
        </p>
      )}
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Scan progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={valueNow}
        aria-valuetext={valueNow === undefined ? 'in progress' : undefined}
      >
        {model.done !== null && (
          <div className="progress-fill" style={{ width: `${(model.done * 100).toFixed(1)}%` }} />
        )}
        {model.busy && (
          <div
            className="progress-busy"
            style={{
              left: `${(model.busy.from * 100).toFixed(1)}%`,
              width: `${(model.busy.width * 100).toFixed(1)}%`,
            }}
          />
        )}
      </div>
    </div>
  );
}
