import { useId, useState } from 'react';
import type { SkippedRouteDto } from '../../../../preload/contract.ts';
import { plural } from '../../format.ts';
import { useScan } from '../../store/scan.ts';
import type { ScanBlocker } from './decidingScan.ts';
import { examplePathProblem, exampleStart, scenarioFile } from './skippedRoutes.ts';

function SkippedRow({ route, onAdd }: { route: SkippedRouteDto; onAdd: (path: string) => void }) {
  const [path, setPath] = useState(() => exampleStart(route.route));
  const [tried, setTried] = useState(false);
  const problem = examplePathProblem(path);
  const hintId = useId();
  const add = () => {
    setTried(true);
    if (problem) return;
    onAdd(path);
    setTried(false);
  };
  return (
    <tr data-route={route.route}>
      <td className="mono">{route.route}</td>
      <td className="small">{route.reason}</td>
      <td>
        <span className="skipped-add">
          <input
            type="text"
            className="input mono"
            aria-label={`Example path for ${route.route}`}
            aria-invalid={tried && problem !== null}
            aria-describedby={tried && problem ? hintId : undefined}
            spellCheck={false}
            value={path}
            onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') add();
            }}
          />
          <button type="button" className="btn btn-small" onClick={add}>
            Add to the scan
          </button>
        </span>
        {tried && problem && (
          <span id={hintId} className="hint small text-danger skipped-problem" role="alert">
            The path {problem}.
          </span>
        )}
      </td>
    </tr>
  );
}

/**
 * The routes discovery could not fill, beside the results: each with why, and a field to give it an example
 * path; the paths added make a scan of their own (and the scenario file that runs it from the CLI).
 */
export function SkippedRoutes({
  sessionId,
  skipped,
  blocker,
}: {
  sessionId: number;
  skipped: readonly SkippedRouteDto[];
  /** Why a scan cannot start now (null: it can). */
  blocker: ScanBlocker | null;
}) {
  const start = useScan((s) => s.start);
  const [paths, setPaths] = useState<string[]>([]);
  if (skipped.length === 0) return null;
  return (
    <details className="skipped-routes" data-testid="skipped-routes" open={paths.length > 0 || undefined}>
      <summary>
        Not scanned: {plural(skipped.length, 'route', 'routes')} with path parameters discovery could not fill
      </summary>
      <p className="muted small">
        Give a route an example path (a key that exists in your database) and add it: the paths added are
        scanned like the others.
      </p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col">Why it was not scanned</th>
              <th scope="col">Example path</th>
            </tr>
          </thead>
          <tbody>
            {skipped.map((r) => (
              <SkippedRow
                key={r.route}
                route={r}
                onAdd={(path) => setPaths((list) => (list.includes(path) ? list : [...list, path]))}
              />
            ))}
          </tbody>
        </table>
      </div>
      {paths.length > 0 && (
        <div className="skipped-scenario" data-testid="skipped-scenario">
          <ul className="skipped-paths">
            {paths.map((p) => (
              <li key={p}>
                <span className="mono">GET {p}</span>{' '}
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-label={`Remove ${p}`}
                  onClick={() => setPaths((list) => list.filter((x) => x !== p))}
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="btn btn-primary"
            disabled={blocker !== null}
            title={blocker?.full}
            onClick={() => void start(sessionId, { endpoints: paths.map((path) => ({ path })) })}
          >
            Scan {plural(paths.length, 'path', 'paths')}
          </button>
          {blocker && <span className="muted small"> {blocker.short}</span>}
          <details className="small">
            <summary>As a scenario file (djleak run --scenario FILE)</summary>
            <pre className="mono" data-testid="scenario-file">
              {scenarioFile(paths)}
            </pre>
          </details>
        </div>
      )}
    </details>
  );
}
