import { useEffect, useState } from 'react';
import type { RouteDto } from '../../../../preload/contract.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatClock, formatDelta, formatMs, routeLabel } from '../../format.ts';
import { useLive } from '../../store/live.ts';

const STATUS_FILTERS = [
  { value: '', label: 'Any status' },
  { value: '300', label: '3xx and up' },
  { value: '400', label: '4xx and up' },
  { value: '500', label: '5xx only' },
];

/** A route filter value: '' every route, '\0' no route matched, otherwise the route itself. */
const NO_ROUTE = '\u0000';

function statusClass(status: number): string {
  if (status >= 500) return 'status status-5xx';
  if (status >= 400) return 'status status-4xx';
  if (status >= 300) return 'status status-3xx';
  return 'status status-2xx';
}

export function RequestLog({ routes }: { routes: RouteDto[] }) {
  const requests = useLive((s) => s.requests);
  const filter = useLive((s) => s.filter);
  const setFilter = useLive((s) => s.setFilter);
  const [text, setText] = useState(filter.text);

  // typing refetches once the user pauses, not on every key
  useEffect(() => {
    if (text === filter.text) return;
    const timer = setTimeout(() => setFilter({ text }), 250);
    return () => clearTimeout(timer);
  }, [text, filter.text, setFilter]);

  const routeValue = filter.route === undefined ? '' : filter.route === null ? NO_ROUTE : filter.route;
  const filtered = filter.route !== undefined || filter.minStatus !== undefined || filter.text !== '';

  return (
    <section className="panel" aria-labelledby="requests-title">
      <header className="panel-head">
        <h2 id="requests-title">Requests</h2>
        {requests && (
          <span className="muted small" data-testid="request-count">
            {requests.rows.length < requests.total
              ? `latest ${requests.rows.length} of ${requests.total.toLocaleString()}`
              : `${requests.total.toLocaleString()}`}
            {filtered ? ' matching' : ''}
          </span>
        )}
        <span className="spacer" />
        <div className="filters">
          <select
            className="input"
            aria-label="Filter by route"
            value={routeValue}
            onChange={(e) => {
              const v = e.target.value;
              setFilter({ route: v === '' ? undefined : v === NO_ROUTE ? null : v });
            }}
          >
            <option value="">Every route</option>
            {routes.map((r) => (
              <option key={`${r.method} ${r.route}`} value={r.route ?? NO_ROUTE}>
                {routeLabel(r.route)}
              </option>
            ))}
          </select>
          <select
            className="input"
            aria-label="Minimum status"
            value={filter.minStatus === undefined ? '' : String(filter.minStatus)}
            onChange={(e) => setFilter({ minStatus: e.target.value ? Number(e.target.value) : undefined })}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          <input
            id="request-filter-text"
            type="search"
            className="input"
            placeholder="Path or view contains…  ( / )"
            aria-label="Filter by path or view"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
      </header>
      {requests === null ? (
        <p className="muted">Loading requests…</p>
      ) : requests.rows.length === 0 ? (
        <EmptyState title={filtered ? 'No request matches these filters' : 'No requests recorded yet'}>
          {filtered ? 'Clear a filter to see more.' : 'Requests to the server appear here as they finish.'}
        </EmptyState>
      ) : (
        <div className="table-wrap table-scroll">
          <table className="table table-dense" aria-label="Request log" data-testid="request-log">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Request</th>
                <th scope="col">Route</th>
                <th scope="col" className="num">
                  Status
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col" className="num">
                  RSS Δ
                </th>
                <th scope="col" className="num">
                  PID
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.rows.map((r) => (
                <tr key={r.id}>
                  <td className="mono muted">{formatClock(r.t)}</td>
                  <td className="mono">
                    <span className="method">{r.method}</span> {r.path}
                  </td>
                  <td className="mono muted" title={r.view ?? undefined}>
                    {routeLabel(r.route)}
                  </td>
                  <td className="num">
                    <span className={statusClass(r.status)}>{r.status}</span>
                  </td>
                  <td className="num">{formatMs(r.duration_ms)}</td>
                  <td className="num muted">{formatDelta(r.rss_delta)}</td>
                  <td className="num muted">{r.pid}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
