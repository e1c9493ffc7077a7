/**
 * The checklist's detectors: from what the probe measured in the user's own process (scan verdicts, their
 * diagnosis, gauges at the start and end of each endpoint's rounds, the latest gauges) to one finding per
 * documented fix. A leaking endpoint goes to the one fix whose evidence accounts for most of the bytes it
 * retains (`attribution.ts`), and its row says how many bytes a request that is and what is left unexplained.
 */
import type {
  ChecklistItem,
  FindingDto,
  FindingEndpointDto,
  GaugesDto,
  SuggestedActionDto,
} from '../../preload/contract.ts';
import { attribute, part, storageNotes, type ScanEvidence } from './attribution.ts';

export { attribute, type ScanEvidence, type ScanGaugesEvidence } from './attribution.ts';

export const CHECKLIST_ITEMS: readonly ChecklistItem[] = [
  'clear-caches',
  'close-db-connections',
  'destroy-session-data',
  'garbage-collection',
  'weakref',
];

export interface DetectorInput {
  scans: readonly ScanEvidence[];
  /** The newest gauges of each serving process. */
  gauges: readonly GaugesDto[];
}

export interface Detection {
  findings: FindingDto[];
  unexplained: { method: string; path: string; retained_bytes_per_request: number }[];
  /** Growth the process does not hold (rows in the session table, per scanned endpoint): said, never suspect. */
  notes: string[];
}

/** The same action on the same thing (clearing one lru_cache is not clearing another). */
const sameAction = (a: SuggestedActionDto, b: SuggestedActionDto): boolean =>
  a.name === b.name && a.target === b.target && a.alias === b.alias;

/** Session-wide figures that are suspect on their own, whatever the scans said. */
const MANY_BACKGROUND_CONNECTIONS = 10;
const MANY_EXPIRED_SESSIONS = 1000;
const MANY_STRONG_RECEIVERS = 100;

/** A figure summed over the processes (null when no process measured it). */
function total(set: readonly GaugesDto[], read: (g: GaugesDto) => number | null | undefined): number | null {
  let sum: number | null = null;
  for (const g of set) {
    const v = read(g);
    if (typeof v === 'number') sum = (sum ?? 0) + v;
  }
  return sum;
}

/** Per named row (signal), the figure summed over processes. */
function byName<T extends { name: string }>(
  set: readonly GaugesDto[],
  rows: (g: GaugesDto) => readonly T[] | null,
  read: (row: T) => number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of set) for (const r of rows(g) ?? []) out.set(r.name, (out.get(r.name) ?? 0) + read(r));
  return out;
}

const containers = (g: GaugesDto) => part(g, 'containers');
const signals = (g: GaugesDto) => part(g, 'signals');
const lrus = (g: GaugesDto) => part(g, 'lru_caches');

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
      const registries = byName(
        gauges,
        (g) => containers(g)?.filter((c) => c.callbacks !== undefined) ?? null,
        (r) => r.callbacks ?? 0,
      );
      const top = [...strong, ...registries].sort((a, b) => b[1] - a[1])[0];
      return top && top[1] >= MANY_STRONG_RECEIVERS
        ? {
            summary: strong.has(top[0])
              ? `${top[0]} holds ${top[1]} receivers strongly (weak=False)`
              : `${top[0]} holds ${top[1]} callbacks strongly`,
            actions: [],
          }
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
  'clear-caches': 'caches and long-lived containers',
  'close-db-connections': 'database connections',
  'destroy-session-data': 'session data',
  'garbage-collection': 'garbage collection',
  weakref: 'strong references in registries and signals',
};

function evidenceOf(item: ChecklistItem, gauges: readonly GaugesDto[]): Record<string, unknown> {
  const first = gauges[0];
  const rows = first ? (containers(first) ?? []) : [];
  switch (item) {
    case 'clear-caches':
      return {
        caches: first ? part(first, 'caches') : null,
        containers: rows.filter((c) => c.callbacks === undefined && !c.session_keys).slice(0, 5),
        lru_caches: first ? (lrus(first) ?? []).slice(0, 5) : [],
      };
    case 'close-db-connections':
      return { db: first ? part(first, 'db') : null, threads: first ? part(first, 'threads') : null };
    case 'destroy-session-data':
      return {
        sessions: first ? part(first, 'sessions') : null,
        containers: rows.filter((c) => c.session_keys).slice(0, 5),
      };
    case 'garbage-collection':
      return { gc: first ? part(first, 'gc') : null };
    case 'weakref':
      return {
        signals: first ? (signals(first) ?? []).slice(0, 5) : [],
        containers: rows.filter((c) => c.callbacks !== undefined).slice(0, 5),
      };
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
  const notes = [...new Set(input.scans.flatMap(storageNotes))];
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
      explained_bytes_per_request: found.explained_bytes_per_request,
      unexplained_bytes_per_request: Math.max(
        0,
        scan.retained_bytes_per_request - found.explained_bytes_per_request,
      ),
      alternatives: found.alternatives,
      why: found.why,
      top_site: scan.diagnosis?.top_sites[0] ?? null,
      held_by: scan.diagnosis?.held_by ?? null,
    });
    for (const a of found.actions) if (!entry.actions.some((b) => sameAction(a, b))) entry.actions.push(a);
    byItem.set(found.item, entry);
  }
  const measured = input.scans.length > 0 || input.gauges.length > 0;
  const findings = CHECKLIST_ITEMS.map((item): FindingDto => {
    const attributed = byItem.get(item);
    const wide = sessionWide(item, input.gauges);
    const evidence = evidenceOf(item, input.gauges);
    const said = item === 'destroy-session-data' && notes.length ? { notes } : {};
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
          ...(wide?.actions ?? []).filter((a) => !attributed.actions.some((b) => sameAction(a, b))),
        ],
        ...said,
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
        ...said,
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
      ...said,
    };
  });
  return { findings, unexplained, notes };
}
