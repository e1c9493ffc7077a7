/**
 * The one contract between the renderer and the engine: every call with its argument and result types,
 * and every pushed event. Types and names only: the renderer imports it with `import type`, main/api/
 * implements it, preload/index.ts exposes it over IPC, main/web/ over a WebSocket.
 */

export type SessionStatus = 'starting' | 'running' | 'stopped' | 'crashed' | 'failed' | 'interrupted';
export type ServerKind = 'runserver' | 'gunicorn';

/** In a failed session's `error`: the line between what went wrong (its first line the headline) and the last
 * lines the target printed. */
export const STDERR_HEADING = 'last lines from the target:';

export interface SessionSummaryDto {
  id: number;
  name: string;
  project: string;
  python: string | null;
  python_version: string | null;
  django: string | null;
  server: ServerKind;
  status: SessionStatus;
  error: string | null;
  exit_code: number | null;
  started_at: number;
  ended_at: number | null;
  processes: number;
  requests: number;
  peak_rss: number | null;
  /** The session this one re-runs (verifying a fix), if any. */
  follows: number | null;
  /** Imported sessions: where they came from (JSON: file, imported_at, original_id, exported_from). */
  origin: string | null;
}

export interface ProcessDto {
  id: number;
  pid: number;
  ppid: number;
  role: 'main' | 'master' | 'worker';
  started_at: number;
  ended_at: number | null;
  samples: number;
  rss_first: number | null;
  rss_last: number | null;
  rss_peak: number | null;
}

export interface RouteDto {
  method: string;
  route: string | null;
  requests: number;
  errors: number;
  mean_duration_ms: number;
  rss_delta_total: number;
}

export interface EventDto {
  id: number;
  pid: number | null;
  t: number;
  source: string;
  level: string;
  message: string;
}

export interface RequestDto {
  id: number;
  pid: number;
  t: number;
  method: string;
  route: string | null;
  view: string | null;
  path: string;
  status: number;
  duration_ms: number;
  rss_delta: number;
}

/** A series as parallel arrays (times in epoch seconds), already downsampled by the engine. */
export interface SeriesDto {
  t: number[];
  v: number[];
}

export interface TimelineDto {
  /** The whole session's sample span, for the overview and for resetting zoom. */
  span: { from: number; to: number } | null;
  window: { from: number; to: number } | null;
  /** `heap`: the heap in use (pymalloc + malloc); empty where the probe could not read it. */
  processes: { pid: number; role: string; rss: SeriesDto; gc: SeriesDto; heap: SeriesDto; samples: number }[];
  requestsPerSecond: SeriesDto;
}

export interface InterpreterDto {
  python: string;
  source: string;
  pythonVersion: string | null;
  django: string | null;
  gunicorn: string | null;
  error: string | null;
}

export interface ProjectInfoDto {
  dir: string;
  managePy: string | null;
  settings: string | null;
  interpreters: InterpreterDto[];
}

export interface RunningDto {
  sessionId: number;
  port: number;
  url: string;
}

export interface SystemInfoDto {
  version: string;
  dataHome: string;
  libraryFile: string;
  demoProject: string;
  platform: string;
  examples: ExampleDto[];
}

/** The bundled example projects (main/launcher/examples.ts); `leaky_shop` is the demo. */
export type ExampleName = 'leaky_shop' | 'slow_leaks' | 'lending_library';

export interface ExampleDto {
  name: ExampleName;
  title: string;
  /** One line, lower case, to follow the title. */
  description: string;
  /** The example's folder (a session's `project`). */
  project: string;
  /** What `demo: true` starts. */
  default: boolean;
}

export type VerdictDto = 'leak' | 'ok' | 'inconclusive';

export interface ScanFiguresDto {
  rss: number;
  blocks: number;
  gcObjects: number;
  traced?: number | null;
  heap?: number | null;
}

/** One point of a scan: memory figures after `requests` requests to the endpoint (summed over processes). */
export interface ScanPointDto {
  requests: number;
  /** `traced`: tracemalloc's traced bytes when every process was tracing (the verdict then uses them);
   * `heap`: the heap in use (pymalloc + malloc) when every process could read it (else the verdict uses it
   * over RSS). Both absent in older sessions. */
  pre: ScanFiguresDto | null;
  post: ScanFiguresDto;
  collected: number;
  garbageBytes: number;
  gcEnabled: boolean;
  appFullCollections: number;
  /** The baseline only: the same measurement repeated without traffic (the process's noise). */
  idle?: ScanFiguresDto[];
  /** 0 for the first rounds, one more for each extension of an undecided endpoint. */
  stage?: number;
}

/** A leaking endpoint's allocation site, attributed to its innermost frame inside the project. */
export interface TopSiteDto {
  /** Relative to the project. */
  file: string;
  line: number;
  size_diff: number;
  count_diff: number;
  /** The source line, or null when the file no longer has it. */
  code: string | null;
  /** Innermost first; library frames kept (project files relative, others absolute). */
  traceback: { file: string; line: number }[];
}

/** The shortest referrer chain from a root to the leaked objects. */
export interface HeldByDto {
  type: string;
  root: { kind: string; name: string };
  chain: string;
  partial: boolean;
}

/** What the traced window after a scan found for one leaking endpoint. */
export interface DiagnosisDto {
  top_sites: TopSiteDto[];
  top_types: TypeGrowthDto[];
  held_by: HeldByDto | null;
  /** The snapshots taken before and after the traced requests (ids for snapshots.diff). */
  snapshots: [number, number] | null;
  /** The referrer search that named held_by, every chain it found (older sessions: absent). */
  referrers?: ReferrersDto | null;
}

/** What a leak costs in production, and the restart that bounds it per worker until it is fixed. */
export interface ProductionCostDto {
  /** Memory kept per 100,000 requests, at the estimated bytes per request. */
  mb_per_100k_requests: number;
  /** The memory budget per worker the stop-gap keeps to. */
  worker_budget_mb: number;
  /** gunicorn --max-requests / --max-requests-jitter that keep a worker within the budget (null: the worker is
   * over it already). */
  max_requests: number | null;
  max_requests_jitter: number | null;
  /** The stop-gap in words, with the gunicorn and uWSGI settings. */
  stopgap: string;
}

export interface ScanResultDto {
  method: string;
  path: string;
  route: string | null;
  sent: number;
  errors: number;
  statuses: Record<string, number>;
  verdict: VerdictDto;
  /** What made it a leak: memory that stays after a full collection, or garbage only a forced one frees. */
  cause: 'growth' | 'garbage' | null;
  confidence: number;
  retained_bytes_per_request: number;
  /** The 95 % interval of the bytes retained per request (null: too few points, or a scan made before it). */
  retained_range: [number, number] | null;
  /** pymalloc blocks retained per request after a full collection (the integer figure beside the bytes). */
  blocks_per_request: number;
  /** Inconclusive: about how many more requests would decide it. */
  requests_needed: number | null;
  /** Leaks: what it costs in production and the stop-gap (absent where not computed). */
  cost?: ProductionCostDto | null;
  garbage_bytes_per_request: number;
  objects_per_request: number;
  reason: string;
  /** The figure the verdict compared: tracemalloc's traced bytes (while tracing), the heap in use, or RSS
   * (a probe that cannot read the heap). */
  metric: 'traced' | 'heap' | 'rss';
  points: ScanPointDto[];
  partial: boolean;
  started_at: number;
  ended_at: number;
  /** Leaking endpoints only, when the scan diagnosed them. */
  diagnosis?: DiagnosisDto | null;
  /** Every serving process's gauges at the start and the end of the endpoint's rounds (a recording: its
   * first and last gauges, with the endpoint's `requests` between them). */
  gauges?: { before: GaugesDto[]; after: GaugesDto[]; requests?: number } | null;
}

/** One process's gauges (the probe's `gauges` command, assets/probe/PROTOCOL.md); a part that failed is `{error}`. */
export interface GaugesDto {
  pid: number;
  t: number;
  gc:
    | {
        enabled: boolean;
        threshold: number[];
        count: number[];
        stats: { collections: number; collected: number; uncollectable: number }[];
        garbage: number;
        frozen: number;
      }
    | { error: string };
  caches:
    | {
        alias: string;
        backend: string;
        entries: number | null;
        bytes: number | null;
        /** What one of the newest entries costs (pickled value, key, expiry, table share). */
        entry_bytes?: number | null;
        max_entries: number | null;
        cull_frequency: number | null;
        default_timeout: number | null;
      }[]
    | { error: string };
  db:
    | {
        wrappers: number;
        open: number;
        open_by_alias: Record<string, number>;
        open_outside_requests: number;
        open_by_thread_name: Record<string, number>;
        oldest_open_s: number | null;
        queries_logged: number;
        debug: boolean;
        /** What the connections held outside requests and their threads' stacks keep (approximate). */
        background_bytes?: number;
      }
    | { error: string };
  sessions:
    | {
        engine: string | null;
        stored?: number | null;
        bytes?: number | null;
        expired?: number | null;
        /** The session table (database engines). */
        table?: string | null;
        /** Sessions this process keeps in its own memory (cache engines on a local-memory cache). */
        in_memory?: { alias: string; stored: number; bytes: number } | null;
      }
    | { error: string };
  containers: ContainerGaugeDto[] | { error: string };
  lru_caches:
    | {
        name: string;
        maxsize: number | null;
        currsize: number;
        hits: number;
        misses: number;
        bytes?: number | null;
        entry_bytes?: number | null;
      }[]
    | { error: string };
  /** `strong_bytes`: what the strong receivers keep (a bound method: its object), approximate. */
  signals: { name: string; receivers: number; strong: number; strong_bytes?: number }[] | { error: string };
  threads: { count: number; by_name: Record<string, number> } | { error: string };
  elapsed_ms: number;
}

/** A long-lived container of the project (gauges): `module.name`, `module.Class.attr`, `module.instance.attr`. */
export interface ContainerGaugeDto {
  name: string;
  type: string;
  /** Where it lives (older probes: module globals only, no holder). */
  holder?: 'module global' | 'class attribute' | 'instance attribute';
  len: number;
  bytes: number;
  /** What one more entry costs (a registry: what one of its callbacks keeps), approximate. */
  entry_bytes?: number;
  /** A registry of callbacks: how many it holds strongly. */
  callbacks?: number;
  /** Keyed by Django session keys: per-session data kept in the process. */
  session_keys?: boolean;
}

export type ChecklistItem =
  'clear-caches' | 'close-db-connections' | 'destroy-session-data' | 'garbage-collection' | 'weakref';

/** The fix actions the probe runs (assets/probe/PROTOCOL.md, `action`). */
export const ACTION_NAMES = [
  'gc_collect',
  'cache_clear',
  'lru_clear',
  'container_clear',
  'close_connections',
  'clear_expired_sessions',
  'reset_queries',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** An action the evidence suggests, ready to run (`actions.run`). */
export interface SuggestedActionDto {
  name: ActionName;
  alias?: string;
  target?: string;
  label: string;
  /** Drops data the app may still want (cache entries, session rows): the app asks first. */
  irreversible: boolean;
}

/** One endpoint's part in a finding: what it leaks and the measurements that tie it to this fix. */
export interface FindingEndpointDto {
  method: string;
  path: string;
  retained_bytes_per_request: number;
  /** What this item's evidence accounts for, per request (at most what it retains), and the rest. */
  explained_bytes_per_request: number;
  unexplained_bytes_per_request: number;
  /** The other items' estimates for this endpoint, largest first. */
  alternatives: { item: ChecklistItem; bytes_per_request: number }[];
  /** The measured growth per request that ties it to this item (e.g. "0.98 connections held by background threads"). */
  why: string;
  top_site: TopSiteDto | null;
  held_by: HeldByDto | null;
}

export interface FindingDto {
  item: ChecklistItem;
  status: 'suspect' | 'clear' | 'not-measured';
  severity: 'high' | 'medium' | 'low' | null;
  summary: string;
  endpoints: FindingEndpointDto[];
  /** Figures from the session's latest gauges and the scan that back the summary. */
  evidence: Record<string, unknown>;
  actions: SuggestedActionDto[];
  /** Growth that is not the process's memory (rows in the session table), said so it is not taken for a leak. */
  notes?: string[];
}

/** A fix action run in the target: memory before and after, and what it changed. */
export interface ActionResultDto {
  id: number;
  pid: number;
  t: number;
  item: ChecklistItem | null;
  name: ActionName;
  args: Record<string, unknown>;
  ok: boolean;
  error: string | null;
  /** `heap`: the heap in use (pymalloc + malloc); absent from older probes, null where unreadable. */
  before: ActionFiguresDto | null;
  after: ActionFiguresDto | null;
  effect: Record<string, unknown> | null;
  message: string | null;
}

export interface ActionFiguresDto {
  rss: number | null;
  heap?: number | null;
  blocks: number;
  gc_objects: number;
}

export interface ChecklistDto {
  findings: FindingDto[];
  /** Items the user ticked as fixed. */
  done: ChecklistItem[];
  actions: ActionResultDto[];
  /** Leaking endpoints no checklist item explains. */
  unexplained: { method: string; path: string; retained_bytes_per_request: number }[];
  /** When the latest gauges were read (null: never). */
  gauges_at: number | null;
}

export type ScanFigures = Pick<ScanResultDto, 'verdict' | 'retained_bytes_per_request' | 'confidence'>;

/** Two sessions side by side (before and after a fix): per endpoint and per checklist item. */
export interface CompareDto {
  before: SessionSummaryDto;
  after: SessionSummaryDto;
  endpoints: {
    method: string;
    path: string;
    before: ScanFigures | null;
    after: ScanFigures | null;
    change: 'fixed' | 'still-leaking' | 'new-leak' | 'no-leak' | 'not-compared';
  }[];
  checklist: {
    item: ChecklistItem;
    before: FindingDto['status'];
    after: FindingDto['status'];
    change: 'fixed' | 'still-suspect' | 'new' | 'no-finding' | 'not-compared';
  }[];
}

/** A scan's endpoints, as in a scenario file; without it the engine discovers the parameter-free GET routes. */
export interface ScanRequestDto {
  endpoints: { method?: string; path: string; requests?: number }[];
  rounds?: number;
  warmup?: number;
  cookies?: 'fresh' | 'keep';
  /** An existing user every request is logged in as (the probe makes the session in the app). */
  login?: string;
  /** Headers every request sends (a token-authenticated API). */
  headers?: Record<string, string>;
  /** Bytes per request below which an endpoint shown to retain less is ok (engine default 64). */
  min_leak?: number;
  /** Requests per endpoint at the most, extensions of an undecided one included (engine default 2,000). */
  max_requests?: number;
  /** Seconds per endpoint at the most (engine default 120). */
  max_seconds?: number;
}

export interface SnapshotDto {
  id: number;
  pid: number;
  label: string;
  t: number;
  frames: number;
  traced_bytes: number;
  rows_total: number;
  rows: number;
  truncated: boolean;
  /** Requests the session had served when the snapshot was taken (for per-request figures). */
  requests: number;
}

/** A traceback frame as stored (file as tracemalloc gave it). */
export interface Frame {
  file: string;
  line: number;
}

/** A snapshot's row: a traceback (site id) and the live blocks allocated there. */
export interface SiteRow {
  site: number;
  size: number;
  count: number;
}

/** A census's row: live objects of one type. */
export interface CensusRow {
  type: string;
  count: number;
  size: number;
}

export interface FrameDto {
  file: string;
  line: number;
  /** Path relative to the project when inside it. */
  rel: string | null;
  /** The source line, when the file still exists. */
  code: string | null;
}

export interface DiffRowDto {
  key: string;
  file: string;
  rel: string | null;
  line: number | null;
  code: string | null;
  size_diff: number;
  count_diff: number;
  size_after: number;
  count_after: number;
  size_per_request: number | null;
  traceback: FrameDto[];
  attributed: number;
}

export interface TypeGrowthDto {
  type: string;
  count_diff: number;
  size_diff: number;
  count_after: number;
}

export interface ReferrerStepDto {
  type: string;
  label: string;
}

export interface ReferrerChainDto {
  /** `thread`: for frame locals, the thread whose frame it is; `exhausted`: an unknown root after a complete search. */
  root: { kind: string; name: string; thread?: string; exhausted?: boolean };
  /** From the root down to the sample object. */
  steps: ReferrerStepDto[];
  depth: number;
  partial: boolean;
}

export interface ReferrersDto {
  type: string;
  instances: number;
  tracked: boolean;
  chains: ReferrerChainDto[];
  /** Some chain was cut by the time budget, the depth limit or the breadth limit. */
  partial: boolean;
  /** With a site: how many instances were checked for it. */
  site_checked?: number;
  elapsed_ms?: number;
}

/** A route discovery could not scan: its pattern and why (a path parameter it found no example for). */
export interface SkippedRouteDto {
  route: string;
  reason: string;
}

export interface SessionDetailDto {
  session: SessionSummaryDto;
  processes: ProcessDto[];
  routes: RouteDto[];
  /** The routes the session's last discovery scan could not fill, with why. */
  skipped: SkippedRouteDto[];
}

export interface StartInvestigationArgs {
  /** The demo: the same as `example: 'leaky_shop'` (kept for older callers and stored sessions). */
  demo?: boolean;
  /** A bundled example project, in its managed virtualenv. */
  example?: ExampleName;
  project?: string;
  python?: string;
  settings?: string;
  server?: ServerKind;
  workers?: number;
  port?: number;
  name?: string;
  /**
   * Environment variables of the target, over the engine's own (the app's Environment field, `--env`,
   * `--env-file`). Stored with the session; an export keeps the names and redacts the values.
   */
  env?: Record<string, string>;
}

/** Every call: channel name → (argument) → result. */
export interface ApiContract {
  'sessions.list': (args: Record<string, never>) => SessionSummaryDto[];
  'sessions.get': (args: { id: number }) => SessionDetailDto;
  'sessions.rename': (args: { id: number; name: string }) => { ok: true };
  'sessions.delete': (args: { id: number }) => { ok: true };
  'sessions.events': (args: { id: number; limit?: number }) => EventDto[];
  'sessions.timeline': (args: { id: number; from?: number; to?: number; buckets?: number }) => TimelineDto;
  'sessions.requests': (args: {
    id: number;
    route?: string | null;
    method?: string;
    minStatus?: number;
    text?: string;
    limit?: number;
    offset?: number;
  }) => { total: number; rows: RequestDto[] };
  'investigation.start': (args: StartInvestigationArgs) => { sessionId: number; port: number };
  'investigation.stop': (args: { sessionId: number }) => { status: SessionStatus };
  'investigation.running': (args: Record<string, never>) => RunningDto[];
  /** `login`: an existing user every request is logged in as (over the scenario's own). */
  'scan.start': (args: { sessionId: number; scenario?: ScanRequestDto; login?: string }) => { ok: true };
  'scan.cancel': (args: { sessionId: number }) => { ok: true };
  'sessions.scans': (args: { id: number }) => ScanResultDto[];
  /**
   * A shared session file (.djleak): one session in its own SQLite file, written consistently while the library
   * is in use; without `file`, into the data folder's exports/ (browser mode then offers it for download at
   * GET /files/export?id=N). `redact` (default on): paths outside the project shortened, query strings and NAME=value
   * values dropped. `digest`: rows and a content hash per table, for the receiver to compare.
   */
  'sessions.export': (args: { id: number; file?: string; redact?: boolean }) => {
    file: string;
    bytes: number;
    redacted: boolean;
    digest: Record<string, { rows: number; sha256: string }>;
  };
  /** Checks a .djleak file (or a probe recording, .ndjson) and copies it in as a new session; the source is never modified. */
  'sessions.import': (args: { file: string }) => { sessionId: number; name: string };
  /** Verify a fix: a new session started like this one (stopped first if running), scanned the same way. */
  'scan.rerun': (args: { sessionId: number }) => { sessionId: number };
  'sessions.compare': (args: { before: number; after: number }) => CompareDto;
  'trace.start': (args: { sessionId: number; frames?: number }) => { ok: true };
  'trace.stop': (args: { sessionId: number }) => { ok: true };
  /** Whether any serving process is tracing (tracemalloc), with what it traces and costs now. */
  'trace.status': (args: { sessionId: number }) => {
    tracing: boolean;
    frames: number | null;
    traced_bytes: number;
    overhead_bytes: number;
  };
  /** `maxRows`: the memory budget, in tracebacks kept (largest first); more makes the snapshot truncated. */
  'snapshots.take': (args: { sessionId: number; label?: string; maxRows?: number }) => {
    snapshots: SnapshotDto[];
    startedTracing: boolean;
    note: string | null;
  };
  'snapshots.list': (args: { id: number }) => SnapshotDto[];
  'snapshots.diff': (args: {
    before: number;
    after: number;
    groupBy?: 'site' | 'line' | 'file';
    scope?: 'project' | 'all';
    pathContains?: string;
    limit?: number;
  }) => { rows: DiffRowDto[]; types: TypeGrowthDto[]; requests: number };
  /**
   * Who holds instances of `type` (module.QualName, or a builtin such as str): chains up to a root. With `site`
   * (needs tracing), only instances allocated there. `budgetMs` bounds the search: a cut chain is partial.
   */
  'referrers.find': (args: {
    sessionId: number;
    type: string;
    site?: { file: string; line: number };
    samples?: number;
    budgetMs?: number;
  }) => ReferrersDto;
  /** Findings per fix item (computed from the session's scans and gauges), ticks and actions run. */
  'checklist.get': (args: { sessionId: number; refresh?: boolean }) => ChecklistDto;
  'checklist.tick': (args: { sessionId: number; item: ChecklistItem; done: boolean }) => { ok: true };
  /** Runs one fix action in every serving process; irreversible ones need `confirm: true`. */
  'actions.run': (args: {
    sessionId: number;
    name: ActionName;
    item?: ChecklistItem;
    alias?: string;
    target?: string;
    confirm?: boolean;
  }) => ActionResultDto[];
  /** Opens a file of the session's project in the user's editor (DJLEAK_EDITOR, else VS Code, else the OS). */
  'source.open': (args: { sessionId: number; file: string; line: number }) => { ok: true; command: string };
  'project.inspect': (args: { project: string; python?: string }) => ProjectInfoDto;
  'system.info': (args: Record<string, never>) => SystemInfoDto;
}

export type ApiChannel = keyof ApiContract;

/** Where a scan is: endpoint `index` (0-based) of `endpoints`, round `round` of `rounds`. */
export interface ScanProgressDto {
  index: number;
  endpoints: number;
  round: number;
  rounds: number;
  /** 0 for the endpoint's first rounds, one more for each extension of an undecided endpoint. */
  stage: number;
  /** An extension: how far it goes and what is not decided yet. */
  extending: string | null;
}

/** Why a call failed: `bad-input` (the arguments, or a state that forbids it), `not-found`, `unknown-call`,
 * `launch-failed` (the target did not start), `internal` (a bug). */
export type ApiErrorCode = 'bad-input' | 'not-found' | 'unknown-call' | 'launch-failed' | 'internal';

/** A failed call as every face carries it (Electron IPC, the WebSocket, the files routes): `code` for programs,
 * `message` for people, `detail` (the target's last lines) if any, `field` the start form's input it is about,
 * `session` the session a failed start was stored as. */
export interface ApiErrorDto {
  code: ApiErrorCode;
  message: string;
  detail: string[];
  field?: string;
  session?: number;
}
export type ApiArgs<C extends ApiChannel> = Parameters<ApiContract[C]>[0];
export type ApiResult<C extends ApiChannel> = ReturnType<ApiContract[C]>;

/** Events the engine pushes to every face. */
export type EngineEvent =
  | { kind: 'status'; sessionId: number; status: SessionStatus; error?: string }
  | { kind: 'process'; sessionId: number; pid: number; role: string }
  | { kind: 'setup'; message: string }
  /** New rows of a running session are in the library (at most a few times a second): refetch what is shown. */
  | { kind: 'tick'; sessionId: number }
  | {
      kind: 'log';
      sessionId: number;
      source: string;
      level: string;
      message: string;
      pid: number | null;
      t: number;
    }
  | ({ kind: 'scan-progress'; sessionId: number; method: string; path: string } & ScanProgressDto)
  | { kind: 'scan-result'; sessionId: number; result: ScanResultDto }
  /** Every endpoint measured: a traced window on leak `index` (0-based) of `count`, of `requests` requests. */
  | {
      kind: 'scan-diagnosing';
      sessionId: number;
      method: string;
      path: string;
      index: number;
      count: number;
      requests: number;
    }
  /** The OS asked the app to open a file (double-click, file association): imported as this session. */
  | { kind: 'opened'; sessionId: number; file: string }
  | { kind: 'open-failed'; file: string; message: string }
  /** A session file being read or written: `phase` (reading, samples, snapshots…), `done` of `total`. */
  | { kind: 'file-progress'; file: string; phase: string; done: number; total: number }
  | {
      kind: 'scan-done';
      sessionId: number;
      results: number;
      interrupted: boolean;
      cancelled: boolean;
      error: string | null;
    };

export const API_CHANNELS: readonly ApiChannel[] = [
  'sessions.list',
  'sessions.get',
  'sessions.rename',
  'sessions.delete',
  'sessions.events',
  'sessions.timeline',
  'sessions.requests',
  'investigation.start',
  'investigation.stop',
  'investigation.running',
  'scan.start',
  'scan.cancel',
  'sessions.scans',
  'scan.rerun',
  'sessions.compare',
  'sessions.export',
  'sessions.import',
  'trace.start',
  'trace.stop',
  'trace.status',
  'snapshots.take',
  'snapshots.list',
  'snapshots.diff',
  'referrers.find',
  'source.open',
  'checklist.get',
  'checklist.tick',
  'actions.run',
  'project.inspect',
  'system.info',
];

/** What preload exposes on `window.djleak`. */
export interface DjleakBridge {
  call<C extends ApiChannel>(channel: C, args: ApiArgs<C>): Promise<ApiResult<C>>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Electron only: the path of a file dropped or picked in the page (browser mode uploads it instead). */
  pathForFile?(file: File): string;
}
