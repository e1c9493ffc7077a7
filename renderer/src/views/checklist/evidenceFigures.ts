import type { ChecklistItem, GaugesDto } from '../../../../preload/contract.ts';
import { formatBytes, formatCount } from '../../format.ts';

/** One line of a Fix card's figures: what was measured, and its value. */
export interface FigureRow {
  label: string;
  value: string;
  /** The label names a thing in the code (module.name): shown in monospace. */
  code?: boolean;
}

type Part<K extends keyof GaugesDto> = Exclude<GaugesDto[K], { error: string }>;

/**
 * The engine builds `evidence` from the gauges' parts (a part that failed is left out as null), so each key
 * holds that part's type; anything else (an older engine) reads as absent.
 */
function read<K extends keyof GaugesDto>(evidence: Record<string, unknown>, key: string): Part<K> | null {
  const v = evidence[key];
  return v && typeof v === 'object' && !('error' in v) ? (v as Part<K>) : null;
}

const n = (v: number | null | undefined): string => (typeof v === 'number' ? formatCount(v) : '—');
const listOf = (record: Record<string, number>): string =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(' · ') || 'none';

/** The containers the evidence lists: where each lives, its size, and what one more entry (or callback) costs. */
function containerRows(evidence: Record<string, unknown>): FigureRow[] {
  return (read<'containers'>(evidence, 'containers') ?? []).map((c) => {
    const where = c.holder && c.holder !== 'module global' ? `, ${c.holder}` : '';
    const each = c.entry_bytes === undefined ? null : `~${formatBytes(c.entry_bytes)} each`;
    const count =
      c.callbacks === undefined ? `${n(c.len)} entries` : `${n(c.callbacks)} callbacks held strongly`;
    return {
      label: `${c.name} (${c.type}${where})`,
      value: [count, formatBytes(c.bytes), each].filter(Boolean).join(' · '),
      code: true,
    };
  });
}

function cacheRows(evidence: Record<string, unknown>): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const c of read<'caches'>(evidence, 'caches') ?? []) {
    const backend = c.backend.split('.').pop() ?? c.backend;
    const parts = [
      c.entries === null ? 'entries not countable' : `${n(c.entries)} entries`,
      c.bytes === null ? null : formatBytes(c.bytes),
      typeof c.entry_bytes === 'number' && c.entries ? `~${formatBytes(c.entry_bytes)} each` : null,
      c.max_entries === null ? null : `max ${n(c.max_entries)}`,
      c.default_timeout === null ? 'no timeout' : `timeout ${c.default_timeout} s`,
    ];
    rows.push({ label: `cache '${c.alias}' (${backend})`, value: parts.filter(Boolean).join(' · ') });
  }
  rows.push(...containerRows(evidence));
  for (const l of read<'lru_caches'>(evidence, 'lru_caches') ?? [])
    rows.push({
      label: `${l.name} (lru_cache)`,
      value:
        `${n(l.currsize)} ${l.maxsize === null ? 'entries, no maxsize' : `of maxsize ${n(l.maxsize)}`}` +
        ` · ${n(l.hits)} hits / ${n(l.misses)} misses`,
      code: true,
    });
  return rows;
}

function dbRows(evidence: Record<string, unknown>): FigureRow[] {
  const db = read<'db'>(evidence, 'db');
  const threads = read<'threads'>(evidence, 'threads');
  const rows: FigureRow[] = [];
  if (db) {
    rows.push({ label: 'Open connections', value: `${n(db.open)} (${listOf(db.open_by_alias)})` });
    rows.push({ label: 'Held by threads that serve no requests', value: n(db.open_outside_requests) });
    rows.push({ label: 'Open, by thread name', value: listOf(db.open_by_thread_name) });
    if (db.oldest_open_s !== null)
      rows.push({ label: 'Oldest open for', value: `${Math.round(db.oldest_open_s)} s` });
    rows.push({
      label: 'Queries logged',
      value: `${n(db.queries_logged)}${db.debug ? ' (DEBUG is on: every query is kept)' : ''}`,
    });
  }
  if (threads) rows.push({ label: 'Threads', value: `${n(threads.count)} (${listOf(threads.by_name)})` });
  return rows;
}

function sessionRows(evidence: Record<string, unknown>): FigureRow[] {
  const s = read<'sessions'>(evidence, 'sessions');
  if (!s) return [];
  const rows: FigureRow[] = [{ label: 'Session engine', value: s.engine ?? 'none' }];
  if (s.in_memory)
    rows.push({
      label: "Kept in this process's memory",
      value: `${n(s.in_memory.stored)} sessions · ${formatBytes(s.in_memory.bytes)} (cache '${s.in_memory.alias}')`,
    });
  if (s.stored !== undefined)
    rows.push({ label: s.table ? `Stored sessions (${s.table})` : 'Stored sessions', value: n(s.stored) });
  if (typeof s.bytes === 'number') rows.push({ label: 'Stored session data', value: formatBytes(s.bytes) });
  if (s.expired !== undefined)
    rows.push({ label: 'Expired, waiting for clearsessions', value: n(s.expired) });
  return [...rows, ...containerRows(evidence)];
}

function gcRows(evidence: Record<string, unknown>): FigureRow[] {
  const gc = read<'gc'>(evidence, 'gc');
  if (!gc) return [];
  return [
    { label: 'Automatic collection', value: gc.enabled ? 'on' : 'off (gc.disable())' },
    { label: 'Thresholds (gen 0, 1, 2)', value: gc.threshold.join(', ') },
    { label: 'Allocations counted since last collection', value: gc.count.map(n).join(', ') },
    { label: 'Collections run (gen 0, 1, 2)', value: gc.stats.map((s) => n(s.collections)).join(', ') },
    { label: 'Objects in gc.garbage', value: n(gc.garbage) },
    { label: 'Frozen (gc.freeze())', value: n(gc.frozen) },
  ];
}

function signalRows(evidence: Record<string, unknown>): FigureRow[] {
  const signals = (read<'signals'>(evidence, 'signals') ?? []).map((s) => ({
    label: s.name,
    value:
      `${n(s.receivers)} receivers, ${n(s.strong)} held strongly` +
      (s.strong && s.strong_bytes ? ` (keeping ~${formatBytes(s.strong_bytes)})` : ''),
    code: true,
  }));
  return [...signals, ...containerRows(evidence)];
}

/** The item's figures from the session's latest gauges, as label/value rows. */
export function figureRows(item: ChecklistItem, evidence: Record<string, unknown>): FigureRow[] {
  switch (item) {
    case 'clear-caches':
      return cacheRows(evidence);
    case 'close-db-connections':
      return dbRows(evidence);
    case 'destroy-session-data':
      return sessionRows(evidence);
    case 'garbage-collection':
      return gcRows(evidence);
    case 'weakref':
      return signalRows(evidence);
    default: {
      const never: never = item;
      throw new Error(`unknown checklist item ${String(never)}`);
    }
  }
}
