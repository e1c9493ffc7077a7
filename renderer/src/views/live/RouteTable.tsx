import type { RouteDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatDelta, formatMs, routeLabel } from '../../format.ts';
import { useMemo } from 'react';
import { useLive } from '../../store/live.ts';
import { useScan } from '../../store/scan.ts';

const byGrowth = (a: RouteDto, b: RouteDto): number =>
  b.rss_delta_total - a.rss_delta_total || b.requests - a.requests;

/**
 * Per-route totals, the routes that grew memory most first; a row filters the request log. RSS moves with
 * everything a process does (allocator pools, caches warming up), so its growth is marked only on routes a
 * scan found leaking.
 */
export function RouteTable({ routes, running }: { routes: RouteDto[]; running: boolean }) {
  const filterRoute = useLive((s) => s.filter.route);
  const setFilter = useLive((s) => s.setFilter);
  const stored = useScan((s) => s.stored);
  const leaking = useMemo(
    () => new Set((stored ?? []).filter((x) => x.verdict === 'leak').map((x) => `${x.method} ${x.route}`)),
    [stored],
  );
  return (
    <section className="panel" aria-labelledby="routes-title">
      <header className="panel-head">
        <h2 id="routes-title">Routes</h2>
        <span className="muted small">sorted by memory growth</span>
      </header>
      {routes.length === 0 ? (
        <EmptyState title="No requests yet">
          {running
            ? 'Open the server URL above and use your app, or drive it with a load tool: each request shows up here.'
            : 'This session recorded no requests.'}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Routes" data-testid="route-table">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  5xx
                </th>
                <th scope="col" className="num">
                  Mean time
                </th>
                <th
                  scope="col"
                  className="num"
                  title="How much RSS moved during this route's requests, added up: marked where a scan found the route leaking"
                >
                  RSS Δ total
                </th>
                <th scope="col" className="num">
                  per request
                </th>
              </tr>
            </thead>
            <tbody>
              {[...routes].sort(byGrowth).map((r) => {
                const selected = filterRoute === r.route;
                return (
                  <tr
                    key={`${r.method} ${r.route}`}
                    className={selected ? 'selected' : undefined}
                    data-route={r.route ?? ''}
                    data-requests={r.requests}
                  >
                    <td>
                      <button
                        type="button"
                        className="link-button mono"
                        title={
                          selected ? 'Show every route in the request log' : 'Show only this route below'
                        }
                        aria-pressed={selected}
                        onClick={() => setFilter({ route: selected ? undefined : r.route })}
                      >
                        <span className="method">{r.method}</span> {routeLabel(r.route)}
                      </button>
                    </td>
                    <td className="num">{r.requests.toLocaleString()}</td>
                    <td className={`num ${r.errors ? 'text-danger' : 'muted'}`}>{r.errors}</td>
                    <td className="num">{formatMs(r.mean_duration_ms)}</td>
                    <td
                      className={`num ${leaking.has(`${r.method} ${r.route}`) ? 'text-grow' : ''}`}
                      data-testid="rss-delta"
                      data-leak={leaking.has(`${r.method} ${r.route}`)}
                    >
                      {formatDelta(r.rss_delta_total)}
                    </td>
                    <td className="num muted">{formatDelta(r.rss_delta_total / Math.max(1, r.requests))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
