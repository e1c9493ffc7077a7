import type { SessionRow } from '../store/library.ts';
import type { ProcessSummary, RouteSummary } from '../store/queries.ts';
import type { EndpointResult } from '../scenario/driver.ts';

export const REPORT_SCHEMA = 'djleak-report/1';

export interface ReportProcess {
  pid: number;
  ppid: number;
  role: string;
  samples: number;
  sample_interval_ms: number | null;
  max_gap_ms: number | null;
  rss_first: number | null;
  rss_last: number | null;
  rss_peak: number | null;
}

export interface ReportEndpoint {
  method: string;
  route: string | null;
  path: string;
  paths: string[];
  requests: number;
  sent: number | null;
  errors: number;
  mean_duration_ms: number;
  rss_delta_total: number;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  session: {
    id: number;
    name: string;
    status: string;
    project: string;
    python: string | null;
    python_version: string | null;
    django: string | null;
    server: string;
    started_at: number;
    ended_at: number | null;
    duration_s: number | null;
    error: string | null;
  };
  processes: ReportProcess[];
  endpoints: ReportEndpoint[];
}

/** Per-process sample spacing: the mean and the worst gap, from the sample times. */
export function sampleSpacing(times: readonly number[]): {
  mean_ms: number | null;
  max_gap_ms: number | null;
} {
  if (times.length < 2) return { mean_ms: null, max_gap_ms: null };
  let maxGap = 0;
  for (let i = 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i]! - times[i - 1]!);
  const mean = (times[times.length - 1]! - times[0]!) / (times.length - 1);
  return { mean_ms: Math.round(mean * 1000 * 10) / 10, max_gap_ms: Math.round(maxGap * 1000 * 10) / 10 };
}

/** Pure: builds the JSON report from what the store returns and what the scenario sent. */
export function buildReport(
  session: SessionRow,
  processes: readonly ProcessSummary[],
  sampleTimes: ReadonlyMap<number, readonly number[]>,
  routes: readonly RouteSummary[],
  sent: readonly EndpointResult[] | null,
): Report {
  const sentByPath = new Map<string, number>();
  for (const r of sent ?? [])
    sentByPath.set(`${r.method} ${r.path}`, (sentByPath.get(`${r.method} ${r.path}`) ?? 0) + r.sent);
  return {
    schema: REPORT_SCHEMA,
    session: {
      id: session.id,
      name: session.name,
      status: session.status,
      project: session.project,
      python: session.python,
      python_version: session.python_version,
      django: session.django,
      server: session.server,
      started_at: session.started_at,
      ended_at: session.ended_at,
      duration_s:
        session.ended_at === null ? null : Math.round((session.ended_at - session.started_at) * 100) / 100,
      error: session.error,
    },
    processes: processes.map((p) => {
      const spacing = sampleSpacing(sampleTimes.get(p.id) ?? []);
      return {
        pid: p.pid,
        ppid: p.ppid,
        role: p.role,
        samples: p.samples,
        sample_interval_ms: spacing.mean_ms,
        max_gap_ms: spacing.max_gap_ms,
        rss_first: p.rss_first,
        rss_last: p.rss_last,
        rss_peak: p.rss_peak,
      };
    }),
    endpoints: routes.map((r) => {
      const paths = JSON.parse(r.paths) as string[];
      const sentHere =
        sent === null ? null : paths.reduce((n, p) => n + (sentByPath.get(`${r.method} ${p}`) ?? 0), 0);
      return {
        method: r.method,
        route: r.route,
        path: paths[0] ?? '',
        paths,
        requests: r.requests,
        sent: sentHere,
        errors: r.errors,
        mean_duration_ms: Math.round(r.mean_duration_ms * 100) / 100,
        rss_delta_total: r.rss_delta_total,
      };
    }),
  };
}

/** Django routes have no leading slash, and the root route is empty: show it as `/`. */
const routeLabel = (e: ReportEndpoint): string =>
  e.route === null ? `${e.path} (no route)` : e.route || '/';

const mb = (n: number | null): string => (n === null ? '—' : `${(n / 1048576).toFixed(1)} MB`);

/** The readable summary the CLI prints. */
export function formatReport(report: Report): string {
  const s = report.session;
  const lines = [
    `session ${s.id} "${s.name}": ${s.status}${s.duration_s !== null ? ` after ${s.duration_s} s` : ''}`,
    `  project ${s.project}`,
    `  Python ${s.python_version ?? '?'} (${s.python ?? '?'}), Django ${s.django ?? '?'}, ${s.server}`,
  ];
  if (s.error) lines.push(`  error: ${s.error.split('\n').join('\n         ')}`);
  lines.push('', 'processes:');
  for (const p of report.processes) {
    lines.push(
      `  pid ${p.pid} ${p.role.padEnd(6)} ${String(p.samples).padStart(6)} samples` +
        (p.sample_interval_ms !== null ? ` every ${p.sample_interval_ms} ms` : '') +
        `  RSS ${mb(p.rss_first)} → ${mb(p.rss_last)} (peak ${mb(p.rss_peak)})`,
    );
  }
  if (report.endpoints.length) {
    lines.push('', 'endpoints:');
    for (const e of report.endpoints) {
      lines.push(
        `  ${e.method.padEnd(6)} ${routeLabel(e).padEnd(32)} ${String(e.requests).padStart(6)} req` +
          `  ${e.mean_duration_ms.toFixed(1).padStart(7)} ms avg  RSS Δ ${mb(e.rss_delta_total)}` +
          (e.errors ? `  ${e.errors} errors` : ''),
      );
    }
  }
  return lines.join('\n');
}
