/**
 * Which checklist fix explains one leaking endpoint, by bytes: each piece of evidence from the gauges read before
 * and after the endpoint's requests estimates how many bytes a request it accounts for (new entries × what one
 * entry costs, new strong receivers × what each keeps, the stacks of new background threads, sessions kept in
 * the process's memory, garbage per request), the estimates add up per item, and the item that explains most
 * of what the endpoint retains gets it. A referrer chain (diagnosis.held_by) and garbage found by the verdict
 * are direct evidence: they count double. Growth the process does not hold (rows in a session table) is a note,
 * never a memory suspect.
 */
import type {
  ChecklistItem,
  DiagnosisDto,
  GaugesDto,
  HeldByDto,
  SuggestedActionDto,
} from '../../preload/contract.ts';

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

export interface Attribution {
  item: ChecklistItem;
  /** The measured growth that ties the endpoint to the item, with the bytes it accounts for. */
  why: string;
  actions: SuggestedActionDto[];
  /** Bytes per request the item's evidence accounts for, at most what the endpoint retains. */
  explained_bytes_per_request: number;
  /** The other items' estimates for this endpoint, largest first. */
  alternatives: { item: ChecklistItem; bytes_per_request: number }[];
}

/** Growth per request at or above this ties an endpoint to a counted gauge (one new thing every other request). */
export const PER_REQUEST = 0.5;
/** Growth in bytes alone (a value that grows, no new entries) counts from this share of what the endpoint retains. */
const BYTES_SHARE = 0.25;
/** Direct evidence (a referrer chain to the root, garbage found by the verdict) weighs this much more. */
const DIRECT = 2;
/** gauges.py's MAX_ROWS: a row missing from a list this long may have been left out, not empty. */
const ROWS = 50;
/** Ties go to the most specific evidence. */
const ORDER: readonly ChecklistItem[] = [
  'garbage-collection',
  'close-db-connections',
  'destroy-session-data',
  'weakref',
  'clear-caches',
];

type Part<K extends keyof GaugesDto> = Exclude<GaugesDto[K], { error: string }>;
type Container = Part<'containers'>[number];
type Lru = Part<'lru_caches'>[number];
type Signal = Part<'signals'>[number];
type Cache = Part<'caches'>[number];

export function part<K extends keyof GaugesDto>(g: GaugesDto, key: K): Part<K> | null {
  const value = g[key];
  return value && typeof value === 'object' && 'error' in value ? null : (value as Part<K>);
}

export const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();
/** "1 entry", "0.5 entries": a count per request with its noun. */
export const per = (n: number, one: string, many: string): string =>
  `${fmt(n)} ${fmt(n) === '1' ? one : many}`;
/** Bytes for a sentence: "64 B", "4.1 KB". */
export const bytesText = (b: number): string =>
  b < 1024 ? `${Math.round(b)} B` : `${(Math.round((b / 1024) * 10) / 10).toFixed(1)} KB`;

type RowKind = 'container' | 'lru' | 'signal';

/** One piece of evidence for an item: bytes per request, and the gauge row it reads (to match held_by). */
interface Candidate {
  item: ChecklistItem;
  bytes: number;
  why: string;
  actions: SuggestedActionDto[];
  row?: { kind: RowKind; name: string };
  direct?: boolean;
}

/** The gauges of the processes read both before and after, paired by pid, and the requests between them. */
interface Window {
  pairs: { before: GaugesDto; after: GaugesDto }[];
  n: number;
}

function window(scan: ScanEvidence): Window | null {
  const { before = [], after = [] } = scan.gauges ?? {};
  const pairs = after.flatMap((a) => {
    const b = before.find((g) => g.pid === a.pid);
    return b ? [{ before: b, after: a }] : [];
  });
  return pairs.length ? { pairs, n: Math.max(1, scan.gauges?.requests ?? scan.sent) } : null;
}

/** Each named row after, with the same row before (null: not there, so empty), per process. */
function rowPairs<T extends { name: string }>(
  w: Window,
  rows: (g: GaugesDto) => readonly T[] | null,
): { before: T | null; after: T }[] {
  const out: { before: T | null; after: T }[] = [];
  for (const { before, after } of w.pairs) {
    const [b, a] = [rows(before), rows(after)];
    if (!b || !a) continue;
    for (const row of a) {
      const old = b.find((r) => r.name === row.name) ?? null;
      if (old || b.length < ROWS) out.push({ before: old, after: row });
    }
  }
  return out;
}

/** Summed by name over the processes: growth in count and in bytes (each divided by the requests). */
function byName(
  rows: { name: string; count: number; bytes: number }[],
): Map<string, { count: number; bytes: number }> {
  const out = new Map<string, { count: number; bytes: number }>();
  for (const r of rows) {
    const old = out.get(r.name) ?? { count: 0, bytes: 0 };
    out.set(r.name, { count: old.count + r.count, bytes: old.bytes + r.bytes });
  }
  return out;
}

/** New entries × what one costs; a container whose entries stay as many but grow: its growth in bytes. */
function containerGrowth(before: Container | null, after: Container): { count: number; bytes: number } {
  if (after.callbacks !== undefined) {
    const count = after.callbacks - (before?.callbacks ?? 0);
    return { count, bytes: Math.max(0, count) * (after.entry_bytes ?? 0) };
  }
  const count = after.len - (before?.len ?? 0);
  const each = after.entry_bytes ?? (after.len ? after.bytes / after.len : 0);
  return { count, bytes: count > 0 ? count * each : Math.max(0, after.bytes - (before?.bytes ?? 0)) };
}

/** Counted growth ties at PER_REQUEST; growth in bytes alone at a share of what the endpoint retains. */
const ties = (g: { count: number; bytes: number }, n: number, retained: number): boolean =>
  g.count / n >= PER_REQUEST || (g.count <= 0 && g.bytes / n >= Math.max(32, BYTES_SHARE * retained));

const each = (g: { count: number; bytes: number }): string =>
  g.count > 0 && g.bytes > 0 ? ` (~${bytesText(g.bytes / g.count)} each)` : '';

function containerCandidates(w: Window, retained: number): Candidate[] {
  const grown = rowPairs(w, (g) => part(g, 'containers'));
  const kind = new Map(grown.map((r) => [r.after.name, r.after]));
  const out: Candidate[] = [];
  const totals = byName(grown.map((r) => ({ name: r.after.name, ...containerGrowth(r.before, r.after) })));
  for (const [name, g] of totals) {
    if (!ties(g, w.n, retained)) continue;
    const row = kind.get(name)!;
    const bytes = g.bytes / w.n;
    const where = row.holder && row.holder !== 'module global' ? ` (${row.holder})` : '';
    if (row.callbacks !== undefined)
      out.push({
        item: 'weakref',
        bytes,
        why: `${name}${where}, a registry of callbacks, holds ${per(g.count / w.n, 'more strong reference', 'more strong references')} per request${each(g)}: bound methods keep their objects alive`,
        actions: [],
        row: { kind: 'container', name },
      });
    else
      out.push({
        item: row.session_keys ? 'destroy-session-data' : 'clear-caches',
        bytes,
        why:
          (g.count > 0
            ? `${name}${where} grows by ${per(g.count / w.n, 'entry', 'entries')} per request${each(g)}`
            : `${name}${where} grows by ${bytesText(bytes)} per request`) +
          (row.session_keys ? ', keyed by session keys and never dropped with the sessions' : ''),
        actions: [{ name: 'container_clear', target: name, label: `Clear ${name}`, irreversible: true }],
        row: { kind: 'container', name },
      });
  }
  return out;
}

function lruCandidates(w: Window): Candidate[] {
  const rows = rowPairs(w, (g) => part(g, 'lru_caches')?.filter((r: Lru) => r.maxsize === null) ?? null);
  const totals = byName(
    rows.map(({ before, after }) => {
      const count = after.currsize - (before?.currsize ?? 0);
      const one = after.entry_bytes ?? (after.bytes && after.currsize ? after.bytes / after.currsize : 0);
      return { name: after.name, count, bytes: Math.max(0, count) * one };
    }),
  );
  return [...totals]
    .filter(([, g]) => g.count / w.n >= PER_REQUEST)
    .map(([name, g]) => ({
      item: 'clear-caches' as const,
      bytes: g.bytes / w.n,
      why: `unbounded lru_cache ${name} grows by ${per(g.count / w.n, 'entry', 'entries')} per request${each(g)}`,
      actions: [{ name: 'lru_clear' as const, target: name, label: `Clear ${name}`, irreversible: true }],
      row: { kind: 'lru' as const, name },
    }));
}

/** Sessions this process keeps in its own memory (a local-memory cache), per process: new ones and bytes. */
function memorySessions(w: Window): { alias: string; count: number; bytes: number } | null {
  const read = w.pairs.flatMap(({ before, after }) => {
    const [b, a] = [part(before, 'sessions')?.in_memory, part(after, 'sessions')?.in_memory];
    return b && a ? [{ alias: a.alias, count: a.stored - b.stored, bytes: a.bytes - b.bytes }] : [];
  });
  if (!read.length) return null;
  return read.reduce((x, y) => ({ alias: x.alias, count: x.count + y.count, bytes: x.bytes + y.bytes }));
}

function cacheCandidates(w: Window, sessions: ReturnType<typeof memorySessions>): Candidate[] {
  const totals = new Map<string, { count: number; bytes: number; row: Cache }>();
  for (const { before, after } of w.pairs) {
    const b = part(before, 'caches');
    for (const row of part(after, 'caches') ?? []) {
      const old = b?.find((r) => r.alias === row.alias);
      if (row.entries === null || !old || old.entries === null) continue;
      const count = row.entries - old.entries;
      const one = row.entry_bytes ?? (row.bytes && row.entries ? row.bytes / row.entries : 0);
      const bytes = count > 0 ? count * one : Math.max(0, (row.bytes ?? 0) - (old.bytes ?? 0));
      const t = totals.get(row.alias) ?? { count: 0, bytes: 0, row };
      totals.set(row.alias, { count: t.count + count, bytes: t.bytes + bytes, row });
    }
  }
  const out: Candidate[] = [];
  for (const [alias, t] of totals) {
    // Sessions stored in this cache are the sessions' evidence, not the cache's.
    const mine = sessions?.alias === alias ? sessions : null;
    const g = {
      count: t.count - Math.max(0, mine?.count ?? 0),
      bytes: t.bytes - Math.max(0, mine?.bytes ?? 0),
    };
    if (g.count / w.n < PER_REQUEST) continue;
    const backend = t.row.backend.split('.').pop();
    const limit = t.row.max_entries === null ? '' : `, MAX_ENTRIES ${t.row.max_entries}`;
    out.push({
      item: 'clear-caches',
      bytes: Math.max(0, g.bytes) / w.n,
      why: `cache '${alias}' (${backend}${limit}) gains ${per(g.count / w.n, 'entry', 'entries')} per request${each(g)}`,
      actions: [{ name: 'cache_clear', alias, label: `Clear cache '${alias}'`, irreversible: true }],
    });
  }
  return out;
}

function signalCandidates(w: Window): Candidate[] {
  const totals = byName(
    rowPairs(w, (g) => part(g, 'signals')).map(
      ({ before, after }: { before: Signal | null; after: Signal }) => {
        const count = after.strong - (before?.strong ?? 0);
        const one = after.strong && after.strong_bytes !== undefined ? after.strong_bytes / after.strong : 0;
        return { name: after.name, count, bytes: Math.max(0, count) * one };
      },
    ),
  );
  return [...totals]
    .filter(([, g]) => g.count / w.n >= PER_REQUEST)
    .map(([name, g]) => ({
      item: 'weakref' as const,
      bytes: g.bytes / w.n,
      why: `${per(g.count / w.n, 'strong receiver', 'strong receivers')} per request on ${name} (connected with weak=False)${each(g)}`,
      actions: [],
      row: { kind: 'signal' as const, name },
    }));
}

function connectionCandidates(w: Window): Candidate[] {
  let count = 0;
  let bytes = 0;
  for (const { before, after } of w.pairs) {
    const [b, a] = [part(before, 'db'), part(after, 'db')];
    if (!b || !a) continue;
    count += a.open_outside_requests - b.open_outside_requests;
    bytes += (a.background_bytes ?? 0) - (b.background_bytes ?? 0);
  }
  if (count / w.n < PER_REQUEST) return [];
  const g = { count, bytes: Math.max(0, bytes) };
  return [
    {
      item: 'close-db-connections',
      bytes: g.bytes / w.n,
      why: `${per(count / w.n, 'database connection', 'database connections')} per request left open by threads that serve no requests${g.bytes ? ` (~${bytesText(g.bytes / count)} each with what its thread keeps)` : ''}`,
      actions: [
        { name: 'close_connections', label: 'Close idle connections', irreversible: false },
        { name: 'reset_queries', label: 'Reset query logs', irreversible: false },
      ],
    },
  ];
}

/** Sessions growth the process does not hold: rows in a table or files (shared storage, read from one process). */
export function storageNotes(scan: ScanEvidence): string[] {
  const w = window(scan);
  const [b, a] = w
    ? [part(w.pairs[0]!.before, 'sessions'), part(w.pairs[0]!.after, 'sessions')]
    : [null, null];
  if (!w || !a?.engine || !b || /\.(cache|signed_cookies)$/.test(a.engine)) return [];
  const files = a.engine.endsWith('.file');
  const where = files ? 'the session folder' : (a.table ?? 'the session table');
  const until = 'storage that grows until clearsessions runs, not process memory';
  const stored =
    typeof a.stored === 'number' && typeof b.stored === 'number' ? (a.stored - b.stored) / w.n : 0;
  const bytes = typeof a.bytes === 'number' && typeof b.bytes === 'number' ? (a.bytes - b.bytes) / w.n : 0;
  const what = files ? per(stored, 'new file', 'new files') : per(stored, 'new row', 'new rows');
  if (stored >= PER_REQUEST)
    return [`${scan.method} ${scan.path}: ${what} per request in ${where}: ${until}`];
  if (bytes >= 100)
    return [
      `${scan.method} ${scan.path}: stored session data grows by ${bytesText(bytes)} per request in ${where}: ${until}`,
    ];
  return [];
}

/** How much of what the endpoint retains the referrer chain's root accounts for when no gauge measured it:
 * the top allocation site's share of the traced growth. */
function heldShare(scan: ScanEvidence): number {
  const sites = scan.diagnosis?.top_sites ?? [];
  const total = sites.reduce((s, t) => s + Math.max(0, t.size_diff), 0);
  const top = Math.max(0, sites[0]?.size_diff ?? 0);
  return total > 0 ? (scan.retained_bytes_per_request * top) / total : scan.retained_bytes_per_request;
}

/** The gauge rows a referrer chain's root can be, by the root's kind. */
const ROOT_ROWS: Record<string, readonly RowKind[]> = {
  'module global': ['container', 'lru'],
  'class attribute': ['container', 'lru'],
  lru_cache: ['lru'],
  'signal receivers': ['signal'],
};

/** Marks the candidates the referrer chain names as direct evidence; a root no gauge measured becomes a
 * candidate of its own (its item's other evidence, if any, already says how much). */
function weighHeldBy(scan: ScanEvidence, held: HeldByDto, candidates: Candidate[]): void {
  const { kind, name } = held.root;
  if (kind === 'unreachable cycle' || kind === 'gc.garbage') {
    const garbage = candidates.find((c) => c.item === 'garbage-collection');
    if (garbage) garbage.direct = true;
    else
      candidates.push({
        item: 'garbage-collection',
        bytes: scan.garbage_bytes_per_request || heldShare(scan),
        why: `held in ${name}`,
        actions: [{ name: 'gc_collect', label: 'Run gc.collect()', irreversible: false }],
        direct: true,
      });
    return;
  }
  if (kind === 'thread' || kind === 'frame local') {
    // What a thread keeps is the connections' evidence when threads leave them open; else no item of its own.
    for (const c of candidates) if (c.item === 'close-db-connections') c.direct = true;
    return;
  }
  const kinds = ROOT_ROWS[kind];
  if (!kinds) return;
  const named = candidates.filter(
    (c) => c.row && kinds.includes(c.row.kind) && (c.row.name === name || c.row.name.startsWith(`${name}.`)),
  );
  for (const c of named) c.direct = true;
  if (named.length) return;
  // A root the gauges list without measured growth: its row still says what it is, and how to clear it.
  const row = (scan.gauges?.after ?? [])
    .flatMap((g) => part(g, 'containers') ?? [])
    .find((c) => c.name === name);
  const item: ChecklistItem =
    kind === 'signal receivers' || row?.callbacks !== undefined
      ? 'weakref'
      : row?.session_keys
        ? 'destroy-session-data'
        : 'clear-caches';
  const actions: SuggestedActionDto[] =
    kind === 'lru_cache'
      ? [{ name: 'lru_clear', target: name, label: `Clear ${name}`, irreversible: true }]
      : row && item !== 'weakref'
        ? [{ name: 'container_clear', target: name, label: `Clear ${name}`, irreversible: true }]
        : [];
  // What no gauge measured accounts for the rest only: a chain found from one traced object can end at a root
  // that holds a copy of it by chance (slow_leaks' session data ended at encodings._cache once), and a measured
  // explanation of the bytes is worth more than a doubled guess. The items' estimates overlap (the same bytes seen
  // by two gauges: a cache's entries and the sessions stored in it), so the largest stands for what is explained.
  const explained = new Map<ChecklistItem, number>();
  for (const c of candidates) explained.set(c.item, (explained.get(c.item) ?? 0) + c.bytes);
  const rest = Math.max(0, heldShare(scan) - Math.max(0, ...explained.values()));
  candidates.push({
    item,
    bytes: explained.has(item) ? 0 : rest,
    why: kind === 'signal receivers' ? `held by the receivers of ${name}` : `kept in ${kind} ${name}`,
    actions,
    direct: true,
  });
}

/** Every piece of evidence for the endpoint, with the bytes per request each accounts for. */
export function candidates(scan: ScanEvidence): Candidate[] {
  const out: Candidate[] = [];
  if (scan.cause === 'garbage')
    out.push({
      item: 'garbage-collection',
      bytes: Math.max(scan.garbage_bytes_per_request, scan.retained_bytes_per_request),
      why: `${fmt(scan.garbage_bytes_per_request)} bytes per request that only a full gc.collect() frees`,
      actions: [{ name: 'gc_collect', label: 'Run gc.collect()', irreversible: false }],
      direct: true,
    });
  const w = window(scan);
  if (w) {
    const sessions = memorySessions(w);
    out.push(...connectionCandidates(w));
    if (sessions && (sessions.count / w.n >= PER_REQUEST || sessions.bytes / w.n >= 100))
      out.push({
        item: 'destroy-session-data',
        bytes: Math.max(0, sessions.bytes) / w.n,
        why:
          sessions.count / w.n >= PER_REQUEST
            ? `${per(sessions.count / w.n, 'new session', 'new sessions')} per request kept in this process's memory (cache '${sessions.alias}'), never destroyed${each(sessions)}`
            : `session data kept in this process's memory (cache '${sessions.alias}') grows by ${bytesText(sessions.bytes / w.n)} per request`,
        actions: [{ name: 'clear_expired_sessions', label: 'Clear expired sessions', irreversible: true }],
      });
    out.push(...signalCandidates(w));
    out.push(...containerCandidates(w, scan.retained_bytes_per_request));
    out.push(...lruCandidates(w));
    out.push(...cacheCandidates(w, sessions));
  }
  const held = scan.diagnosis?.held_by;
  if (held) weighHeldBy(scan, held, out);
  return out;
}

/** Which fix explains one leaking endpoint (null: no evidence ties it to any). */
export function attribute(scan: ScanEvidence): Attribution | null {
  const found = candidates(scan);
  const items = ORDER.map((item) => {
    const mine = found.filter((c) => c.item === item).sort((a, b) => b.bytes - a.bytes);
    const bytes = mine.reduce((s, c) => s + c.bytes, 0);
    const direct = mine.some((c) => c.direct);
    return { item, mine, bytes, direct, score: bytes * (direct ? DIRECT : 1) };
  }).filter((x) => x.mine.length > 0);
  if (!items.length) return null;
  // The largest score; at equal scores direct evidence, then the first in ORDER.
  const best = items.reduce((a, b) =>
    b.score > a.score || (b.score === a.score && b.direct && !a.direct) ? b : a,
  );
  const top = best.mine.find((c) => c.direct) ?? best.mine[0]!;
  const rest = best.mine.length - 1;
  const actions: SuggestedActionDto[] = [];
  for (const c of [top, ...best.mine.filter((c) => c !== top)])
    for (const a of c.actions)
      if (!actions.some((b) => b.name === a.name && b.target === a.target && b.alias === a.alias))
        actions.push(a);
  return {
    item: best.item,
    why: rest > 0 ? `${top.why}; and ${rest} more` : top.why,
    actions,
    explained_bytes_per_request: Math.round(Math.min(best.bytes, scan.retained_bytes_per_request)),
    alternatives: items
      .filter((x) => x !== best && x.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes)
      .map((x) => ({ item: x.item, bytes_per_request: Math.round(x.bytes) })),
  };
}
