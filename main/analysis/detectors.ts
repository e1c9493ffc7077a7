/**
 * The checklist's detectors: from what the probe measured in the user's own process (scan verdicts, their
 * diagnosis, gauges at the start and end of each endpoint's rounds, the latest gauges) to one finding per
 * documented fix. A leaking endpoint is explained by exactly one fix: the most specific evidence wins
 * (a garbage-only leak, then connections held by background threads, stored sessions, strong signal
 * receivers, and last a growing cache or module-level container), so a checklist item never claims an
 * endpoint another explains better.
 */
import type {
  ChecklistItem,
  DiagnosisDto,
  FindingDto,
  FindingEndpointDto,
  GaugesDto,
  SuggestedActionDto,
} from '../../preload/contract.ts';

export const CHECKLIST_ITEMS: readonly ChecklistItem[] = [
  'clear-caches',
  'close-db-connections',
  'destroy-session-data',
  'garbage-collection',
  'weakref',
];

export interface ScanEvidence {
  method: string;
  path: string;
  verdict: 'leak' | 'ok' | 'inconclusive';
  cause: 'growth' | 'garbage' | null;
  retained_bytes_per_request: number;
  garbage_bytes_per_request: number;
  sent: number;
  diagnosis?: DiagnosisDto | null;
  gauges?: ScanGaugesEvidence | null;
}

/** Gauges before and after the endpoint's requests; `requests`: how many came between them, when not `sent`
 * (a recording's gauges are read on its schedule, not around the endpoint's rounds). */
export interface ScanGaugesEvidence {
  before: GaugesDto[];
  after: GaugesDto[];
  requests?: number;
}

export interface DetectorInput {
  scans: readonly ScanEvidence[];
  /** The newest gauges of each serving process. */
  gauges: readonly GaugesDto[];
}

export interface Detection {
  findings: FindingDto[];
  unexplained: { method: string; path: string; retained_bytes_per_request: number }[];
}

/** Growth per request at or above this ties an endpoint to a gauge (one new thing every other request). */
const PER_REQUEST = 0.5;
/** Session-wide figures that are suspect on their own, whatever the scans said. */
const MANY_BACKGROUND_CONNECTIONS = 10;
const MANY_EXPIRED_SESSIONS = 1000;
const MANY_STRONG_RECEIVERS = 100;

type Part<K extends keyof GaugesDto> = Exclude<GaugesDto[K], { error: string }>;

function part<K extends keyof GaugesDto>(g: GaugesDto, key: K): Part<K> | null {
  const value = g[key];
  return value && typeof value === 'object' && 'error' in value ? null : (value as Part<K>);
}

/** A figure summed over the processes (null when no process measured it). */
function total(set: readonly GaugesDto[], read: (g: GaugesDto) => number | null | undefined): number | null {
  let sum: number | null = null;
  for (const g of set) {
    const v = read(g);
    if (typeof v === 'number') sum = (sum ?? 0) + v;
  }
  return sum;
}

/** Per named row (container, signal, lru_cache), the figure summed over processes. */
function byName<T extends { name: string }>(
  set: readonly GaugesDto[],
  rows: (g: GaugesDto) => readonly T[] | null,
  read: (row: T) => number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of set) for (const r of rows(g) ?? []) out.set(r.name, (out.get(r.name) ?? 0) + read(r));
  return out;
}

function growth(before: Map<string, number>, after: Map<string, number>): [string, number] | null {
  let best: [string, number] | null = null;
  for (const [name, v] of after) {
    const d = v - (before.get(name) ?? 0);
    if (d > 0 && (!best || d > best[1])) best = [name, d];
  }
  return best;
}

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();
/** "1 entry", "0.5 entries": a count per request with its noun. */
const per = (n: number, one: string, many: string): string => `${fmt(n)} ${fmt(n) === '1' ? one : many}`;

interface Attribution {
  item: ChecklistItem;
  why: string;
  actions: SuggestedActionDto[];
}

const containers = (g: GaugesDto) => part(g, 'containers');
const signals = (g: GaugesDto) => part(g, 'signals');
const lrus = (g: GaugesDto) => part(g, 'lru_caches');

/** Which fix explains one leaking endpoint, and the measured growth that says so. */
export function attribute(scan: ScanEvidence): Attribution | null {
  const held = scan.diagnosis?.held_by ?? null;
  if (scan.cause === 'garbage' || held?.root.kind === 'unreachable cycle')
    return {
      item: 'garbage-collection',
      why: `${fmt(scan.garbage_bytes_per_request)} bytes per request that only a full gc.collect() frees`,
      actions: [{ name: 'gc_collect', label: 'Run gc.collect()', irreversible: false }],
    };
  const before = scan.gauges?.before ?? [];
  const after = scan.gauges?.after ?? [];
  const n = Math.max(1, scan.gauges?.requests ?? scan.sent);
  const measured = before.length > 0 && after.length > 0;
  const delta = (read: (g: GaugesDto) => number | null | undefined): number | null => {
    const a = total(before, read);
    const b = total(after, read);
    return a === null || b === null ? null : (b - a) / n;
  };
  if (measured) {
    const conns = delta((g) => part(g, 'db')?.open_outside_requests);
    if (conns !== null && conns >= PER_REQUEST)
      return {
        item: 'close-db-connections',
        why: `${per(conns, 'database connection', 'database connections')} per request left open by threads that serve no requests`,
        actions: [
          { name: 'close_connections', label: 'Close idle connections', irreversible: false },
          { name: 'reset_queries', label: 'Reset query logs', irreversible: false },
        ],
      };
    // Sessions live in one store shared by every process: read from one process, not summed.
    const one = (set: readonly GaugesDto[], key: 'stored' | 'bytes'): number | null => {
      const s = set.length ? part(set[0]!, 'sessions') : null;
      const v = s?.[key];
      return typeof v === 'number' ? v : null;
    };
    const perRequest = (key: 'stored' | 'bytes'): number | null => {
      const [a, b] = [one(before, key), one(after, key)];
      return a === null || b === null ? null : (b - a) / n;
    };
    const storedPerRequest = perRequest('stored');
    const bytesPerRequest = perRequest('bytes');
    if ((storedPerRequest ?? 0) >= PER_REQUEST || (bytesPerRequest ?? 0) >= 100)
      return {
        item: 'destroy-session-data',
        why:
          (storedPerRequest ?? 0) >= PER_REQUEST
            ? `${per(storedPerRequest!, 'new stored session', 'new stored sessions')} per request, never destroyed`
            : `stored session data grows by ${fmt(bytesPerRequest!)} bytes per request`,
        actions: [{ name: 'clear_expired_sessions', label: 'Clear expired sessions', irreversible: true }],
      };
  }
  const receivers = measured
    ? growth(
        byName(before, signals, (r) => r.strong),
        byName(after, signals, (r) => r.strong),
      )
    : null;
  if (held?.root.kind === 'signal receivers' || (receivers && receivers[1] / n >= PER_REQUEST)) {
    const name = held?.root.kind === 'signal receivers' ? held.root.name : receivers![0];
    return {
      item: 'weakref',
      why: receivers
        ? `${per(receivers[1] / n, 'strong receiver', 'strong receivers')} per request on ${receivers[0]} (connected with weak=False)`
        : `held by the receivers of ${name}`,
      actions: [],
    };
  }
  const container = measured
    ? growth(
        byName(before, containers, (r) => r.len),
        byName(after, containers, (r) => r.len),
      )
    : null;
  const lru = measured
    ? growth(
        byName(
          before,
          (g) => lrus(g)?.filter((r) => r.maxsize === null) ?? null,
          (r) => r.currsize,
        ),
        byName(
          after,
          (g) => lrus(g)?.filter((r) => r.maxsize === null) ?? null,
          (r) => r.currsize,
        ),
      )
    : null;
  const cacheKinds = ['module global', 'class attribute', 'lru_cache'];
  if (held && cacheKinds.includes(held.root.kind)) {
    const isContainer = measured && after.some((g) => containers(g)?.some((c) => c.name === held.root.name));
    const actions: SuggestedActionDto[] =
      held.root.kind === 'lru_cache'
        ? [
            {
              name: 'lru_clear',
              target: held.root.name,
              label: `Clear ${held.root.name}`,
              irreversible: true,
            },
          ]
        : isContainer
          ? [
              {
                name: 'container_clear',
                target: held.root.name,
                label: `Clear ${held.root.name}`,
                irreversible: true,
              },
            ]
          : [];
    return { item: 'clear-caches', why: `kept in ${held.root.kind} ${held.root.name}`, actions };
  }
  if (container && container[1] / n >= PER_REQUEST)
    return {
      item: 'clear-caches',
      why: `${container[0]} grows by ${per(container[1] / n, 'entry', 'entries')} per request`,
      actions: [
        { name: 'container_clear', target: container[0], label: `Clear ${container[0]}`, irreversible: true },
      ],
    };
  if (lru && lru[1] / n >= PER_REQUEST)
    return {
      item: 'clear-caches',
      why: `unbounded lru_cache ${lru[0]} grows by ${per(lru[1] / n, 'entry', 'entries')} per request`,
      actions: [{ name: 'lru_clear', target: lru[0], label: `Clear ${lru[0]}`, irreversible: true }],
    };
  return null;
}

/** What the latest gauges say about each item on their own (null: nothing suspect there). */
function sessionWide(
  item: ChecklistItem,
  gauges: readonly GaugesDto[],
): { summary: string; actions: SuggestedActionDto[] } | null {
  switch (item) {
    case 'close-db-connections': {
      const n = total(gauges, (g) => part(g, 'db')?.open_outside_requests) ?? 0;
      return n >= MANY_BACKGROUND_CONNECTIONS
        ? {
            summary: `${n} database connections are held by threads that serve no requests`,
            actions: [{ name: 'close_connections', label: 'Close idle connections', irreversible: false }],
          }
        : null;
    }
    case 'destroy-session-data': {
      const s = gauges.length ? part(gauges[0]!, 'sessions') : null;
      const expired = typeof s?.expired === 'number' ? s.expired : 0;
      return expired >= MANY_EXPIRED_SESSIONS
        ? {
            summary: `${expired} expired sessions wait for clearsessions`,
            actions: [
              { name: 'clear_expired_sessions', label: 'Clear expired sessions', irreversible: true },
            ],
          }
        : null;
    }
    case 'garbage-collection': {
      const uncollectable = total(gauges, (g) => part(g, 'gc')?.garbage) ?? 0;
      return uncollectable > 0
        ? {
            summary: `${uncollectable} objects sit in gc.garbage (uncollectable, or DEBUG_SAVEALL)`,
            actions: [],
          }
        : null;
    }
    case 'weakref': {
      const strong = byName(gauges, signals, (r) => r.strong);
      const top = [...strong].sort((a, b) => b[1] - a[1])[0];
      return top && top[1] >= MANY_STRONG_RECEIVERS
        ? { summary: `${top[0]} holds ${top[1]} receivers strongly (weak=False)`, actions: [] }
        : null;
    }
    case 'clear-caches': {
      const unbounded = gauges
        .flatMap((g) => lrus(g) ?? [])
        .filter((r) => r.maxsize === null && r.currsize >= 10_000);
      return unbounded[0]
        ? {
            summary: `lru_cache ${unbounded[0].name} has no maxsize and holds ${unbounded[0].currsize} entries`,
            actions: [
              {
                name: 'lru_clear',
                target: unbounded[0].name,
                label: `Clear ${unbounded[0].name}`,
                irreversible: true,
              },
            ],
          }
        : null;
    }
    default: {
      const never: never = item;
      throw new Error(`unknown checklist item ${String(never)}`);
    }
  }
}

const LABELS: Record<ChecklistItem, string> = {
  'clear-caches': 'caches and module-level containers',
  'close-db-connections': 'database connections',
  'destroy-session-data': 'session data',
  'garbage-collection': 'garbage collection',
  weakref: 'strong references in registries and signals',
};

function evidenceOf(item: ChecklistItem, gauges: readonly GaugesDto[]): Record<string, unknown> {
  const first = gauges[0];
  switch (item) {
    case 'clear-caches':
      return {
        caches: first ? part(first, 'caches') : null,
        containers: first ? (containers(first) ?? []).slice(0, 5) : [],
        lru_caches: first ? (lrus(first) ?? []).slice(0, 5) : [],
      };
    case 'close-db-connections':
      return { db: first ? part(first, 'db') : null, threads: first ? part(first, 'threads') : null };
    case 'destroy-session-data':
      return { sessions: first ? part(first, 'sessions') : null };
    case 'garbage-collection':
      return { gc: first ? part(first, 'gc') : null };
    case 'weakref':
      return { signals: first ? (signals(first) ?? []).slice(0, 5) : [] };
    default: {
      const never: never = item;
      throw new Error(`unknown checklist item ${String(never)}`);
    }
  }
}

function severity(bytesPerRequest: number): 'high' | 'medium' | 'low' {
  return bytesPerRequest >= 10_240 ? 'high' : bytesPerRequest >= 1024 ? 'medium' : 'low';
}

export function detect(input: DetectorInput): Detection {
  const byItem = new Map<ChecklistItem, { endpoints: FindingEndpointDto[]; actions: SuggestedActionDto[] }>();
  const unexplained: Detection['unexplained'] = [];
  for (const scan of input.scans) {
    if (scan.verdict !== 'leak') continue;
    const found = attribute(scan);
    if (!found) {
      unexplained.push({
        method: scan.method,
        path: scan.path,
        retained_bytes_per_request: scan.retained_bytes_per_request,
      });
      continue;
    }
    const entry = byItem.get(found.item) ?? { endpoints: [], actions: [] };
    entry.endpoints.push({
      method: scan.method,
      path: scan.path,
      retained_bytes_per_request: scan.retained_bytes_per_request,
      why: found.why,
      top_site: scan.diagnosis?.top_sites[0] ?? null,
      held_by: scan.diagnosis?.held_by ?? null,
    });
    for (const a of found.actions)
      if (!entry.actions.some((b) => b.name === a.name && b.target === a.target && b.alias === a.alias))
        entry.actions.push(a);
    byItem.set(found.item, entry);
  }
  const measured = input.scans.length > 0 || input.gauges.length > 0;
  const findings = CHECKLIST_ITEMS.map((item): FindingDto => {
    const attributed = byItem.get(item);
    const wide = sessionWide(item, input.gauges);
    const evidence = evidenceOf(item, input.gauges);
    if (attributed) {
      const worst = Math.max(...attributed.endpoints.map((e) => e.retained_bytes_per_request));
      const list = attributed.endpoints.map((e) => `${e.method} ${e.path}`).join(', ');
      return {
        item,
        status: 'suspect',
        severity: severity(worst),
        summary: `${list}: ${attributed.endpoints[0]!.why}${wide ? `; ${wide.summary}` : ''}`,
        endpoints: attributed.endpoints,
        evidence,
        actions: [
          ...attributed.actions,
          ...(wide?.actions ?? []).filter((a) => !attributed.actions.some((b) => b.name === a.name)),
        ],
      };
    }
    if (wide)
      return {
        item,
        status: 'suspect',
        severity: 'medium',
        summary: wide.summary,
        endpoints: [],
        evidence,
        actions: wide.actions,
      };
    return {
      item,
      status: measured ? 'clear' : 'not-measured',
      severity: null,
      summary: measured
        ? `no leaking endpoint points at ${LABELS[item]}, and the process's figures look normal`
        : 'not measured yet: scan the endpoints (or read the gauges) first',
      endpoints: [],
      evidence,
      actions: [],
    };
  });
  return { findings, unexplained };
}
