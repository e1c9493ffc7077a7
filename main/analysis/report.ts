import type {
  DiagnosisDto,
  FindingDto,
  FindingEndpointDto,
  ProcessDto,
  ProductionCostDto,
  RouteDto,
  ScanResultDto,
  SessionSummaryDto,
  SkippedRouteDto,
  StartInvestigationArgs,
} from '../../preload/contract.ts';
import { DEFAULT_WORKER_BUDGET_MB, withCost, workerBaseRss } from './cost.ts';
import { DEFAULT_MIN_LEAK, overallVerdict, type MemoryMetric, type Verdict } from './verdict.ts';

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
  /** The scan's responses, counted per HTTP status (a redirect or 404 on every one: the view never ran). */
  statuses?: Record<string, number>;
  /** The leak scan's figures, when the endpoint was scanned. */
  retained_bytes_per_request?: number;
  /** The 95 % interval of the bytes retained per request (null: too few points to bound it). */
  retained_range?: [number, number] | null;
  /** pymalloc blocks retained per request, beside the bytes. */
  blocks_per_request?: number;
  /** Inconclusive: about how many more requests would decide it, and the command that runs them. */
  requests_needed?: number | null;
  rerun?: string | null;
  /** Leaks: MB per 100,000 requests and the stop-gap until it is fixed. */
  cost?: ProductionCostDto | null;
  /** The figure the verdict compared: traced, heap or rss. */
  metric?: MemoryMetric;
  verdict?: Verdict;
  confidence?: number;
  reason?: string;
  partial?: boolean;
  /** For leaking endpoints: where the memory is allocated (project lines first) and what keeps it alive. */
  top_sites?: DiagnosisDto['top_sites'];
  top_types?: DiagnosisDto['top_types'];
  held_by?: DiagnosisDto['held_by'];
}

export type SkippedRoute = SkippedRouteDto;

/** The session a report is about, as the library keeps it. */
export interface ReportSession extends Pick<
  SessionSummaryDto,
  | 'id'
  | 'name'
  | 'status'
  | 'project'
  | 'python'
  | 'python_version'
  | 'django'
  | 'server'
  | 'started_at'
  | 'ended_at'
  | 'error'
> {
  /** How it was started (JSON StartInvestigationArgs), for the command that re-runs it. */
  options: string | null;
  /** The last scan's scenario (JSON). */
  scenario: string | null;
}

/** A route the probe recorded requests for, with the paths it was requested at (JSON array). */
export type ReportRoute = RouteDto & { paths: string };

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
  /** leak / inconclusive / ok over the scanned endpoints; null when nothing was scanned. */
  verdict: Verdict | null;
  skipped: SkippedRoute[];
  /** One per checklist fix: suspect / clear / not-measured, with the endpoints and figures behind it. */
  findings: ReportFinding[];
  /** Leaking endpoints no fix's evidence explains. */
  unexplained: { method: string; path: string; retained_bytes_per_request: number }[];
}

export interface ReportFinding {
  item: FindingDto['item'];
  status: FindingDto['status'];
  severity: FindingDto['severity'];
  summary: string;
  /** Per endpoint: what it retains, the part this fix's evidence explains, the rest, and the other fixes'
   * estimates. */
  endpoints: Pick<
    FindingEndpointDto,
    | 'method'
    | 'path'
    | 'retained_bytes_per_request'
    | 'explained_bytes_per_request'
    | 'unexplained_bytes_per_request'
    | 'alternatives'
    | 'why'
  >[];
  evidence: Record<string, unknown>;
  /** Growth that is not the process's memory (rows in a session table). */
  notes: string[];
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

/** Pure: builds the JSON report from what the store returns, with each scanned endpoint's verdict. */
export function buildReport(
  session: ReportSession,
  processes: readonly ProcessDto[],
  sampleTimes: ReadonlyMap<number, readonly number[]>,
  routes: readonly ReportRoute[],
  scans: readonly ScanResultDto[],
  skipped: readonly SkippedRoute[] = [],
  findings: readonly FindingDto[] = [],
  workerBudgetMb = DEFAULT_WORKER_BUDGET_MB,
): Report {
  const costed = withCost(scans, workerBaseRss(processes), workerBudgetMb);
  const unmatched = new Set(costed);
  const scanFields = (scan: (typeof costed)[number] | undefined): Partial<ReportEndpoint> =>
    scan
      ? {
          sent: scan.sent,
          statuses: scan.statuses,
          retained_bytes_per_request: scan.retained_bytes_per_request,
          retained_range: scan.retained_range,
          blocks_per_request: scan.blocks_per_request,
          requests_needed: scan.requests_needed,
          rerun: scan.requests_needed ? rerunCommand(session, scan.sent + scan.requests_needed) : null,
          cost: scan.cost,
          metric: scan.metric,
          verdict: scan.verdict,
          confidence: scan.confidence,
          reason: scan.reason,
          partial: scan.partial,
          ...(scan.diagnosis
            ? {
                top_sites: scan.diagnosis.top_sites,
                top_types: scan.diagnosis.top_types,
                held_by: scan.diagnosis.held_by,
              }
            : {}),
        }
      : {};
  const endpoints: ReportEndpoint[] = routes.map((r) => {
    const paths = JSON.parse(r.paths) as string[];
    const scan = costed.find((x) => x.method === r.method && paths.includes(x.path));
    if (scan) unmatched.delete(scan);
    return {
      method: r.method,
      route: r.route,
      path: scan?.path ?? paths[0] ?? '',
      paths,
      requests: r.requests,
      sent: null,
      errors: r.errors,
      mean_duration_ms: Math.round(r.mean_duration_ms * 100) / 100,
      rss_delta_total: r.rss_delta_total,
      ...scanFields(scan),
    };
  });
  // Scanned endpoints the probe recorded no request for (the server never answered them).
  for (const scan of unmatched) {
    endpoints.push({
      method: scan.method,
      route: scan.route,
      path: scan.path,
      paths: [scan.path],
      requests: 0,
      sent: null,
      errors: scan.errors,
      mean_duration_ms: 0,
      rss_delta_total: 0,
      ...scanFields(scan),
    });
  }
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
    endpoints,
    verdict: overallVerdict(scans.map((x) => x.verdict)),
    skipped: [...skipped],
    findings: findings.map((f) => ({
      item: f.item,
      status: f.status,
      severity: f.severity,
      summary: f.summary,
      endpoints: f.endpoints.map((e) => ({
        method: e.method,
        path: e.path,
        retained_bytes_per_request: e.retained_bytes_per_request,
        explained_bytes_per_request: e.explained_bytes_per_request,
        unexplained_bytes_per_request: e.unexplained_bytes_per_request,
        alternatives: e.alternatives,
        why: e.why,
      })),
      evidence: {
        ...f.evidence,
        ...(f.endpoints.length
          ? { endpoints: f.endpoints.map((e) => ({ top_site: e.top_site, held_by: e.held_by })) }
          : {}),
      },
      notes: f.notes ?? [],
    })),
    unexplained: scans
      .filter(
        (x) =>
          x.verdict === 'leak' &&
          !findings.some(
            (f) =>
              f.status === 'suspect' && f.endpoints.some((e) => e.method === x.method && e.path === x.path),
          ),
      )
      .map((x) => ({
        method: x.method,
        path: x.path,
        retained_bytes_per_request: x.retained_bytes_per_request,
      })),
  };
}

/** The command that scans the project again with a budget of `maxRequests` per endpoint. */
export function rerunCommand(
  session: Pick<ReportSession, 'project' | 'options' | 'scenario'>,
  maxRequests: number,
): string {
  const quote = (v: string): string => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  let options: Pick<
    StartInvestigationArgs,
    'demo' | 'example' | 'python' | 'settings' | 'server' | 'workers'
  > = {};
  let minLeak: number | null = null;
  try {
    options = session.options ? (JSON.parse(session.options) as typeof options) : {};
    const scenario = session.scenario ? (JSON.parse(session.scenario) as { min_leak?: unknown }) : {};
    if (typeof scenario.min_leak === 'number' && scenario.min_leak !== DEFAULT_MIN_LEAK)
      minLeak = scenario.min_leak;
  } catch {
    // Columns another version wrote: the project alone still runs.
  }
  const example = options.example ?? (options.demo ? 'leaky_shop' : null);
  const parts = [
    example === 'leaky_shop'
      ? '--demo'
      : example
        ? `--example ${example}`
        : `--project ${quote(session.project)}`,
  ];
  if (options.python) parts.push(`--python ${quote(options.python)}`);
  if (options.settings) parts.push(`--settings ${quote(options.settings)}`);
  if (options.server && options.server !== 'runserver') {
    parts.push(`--server ${options.server}`);
    if (options.workers) parts.push(`--workers ${options.workers}`);
  }
  parts.push('--scan');
  if (minLeak !== null) parts.push(`--min-leak ${minLeak}`);
  parts.push(`--max-requests ${Math.ceil(maxRequests / 100) * 100}`);
  return `djleak run ${parts.join(' ')}`;
}
