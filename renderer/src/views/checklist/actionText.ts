import type { ActionName, ActionResultDto, SuggestedActionDto } from '../../../../preload/contract.ts';
import { formatBytes, formatCount } from '../../format.ts';

/** What an action does in the running app, in one sentence (button title, confirmation). */
export function actionDescription(action: Pick<SuggestedActionDto, 'name' | 'alias' | 'target'>): string {
  const name: ActionName = action.name;
  switch (name) {
    case 'gc_collect':
      return 'Runs a full gc.collect() in each serving process and measures what it frees.';
    case 'cache_clear':
      return `Empties Django's cache ${action.alias ?? ''} (caches[alias].clear()): every entry in it is dropped.`;
    case 'lru_clear':
      return `Calls ${action.target ?? 'the function'}.cache_clear(): every memoised result is dropped.`;
    case 'container_clear':
      return `Empties the module-level container ${action.target ?? ''} in each serving process: whatever it holds is dropped.`;
    case 'close_connections':
      return "Runs Django's close_old_connections() and reports the connections other threads hold (only their own thread can close them).";
    case 'clear_expired_sessions':
      return "Runs the session engine's clear_expired() (what manage.py clearsessions does): expired sessions are deleted.";
    case 'reset_queries':
      return "Empties every connection's query log (what django.db.reset_queries() does for one thread).";
    default: {
      const never: never = name;
      return String(never);
    }
  }
}

export interface EffectRow {
  label: string;
  before: string | null;
  after: string | null;
  /** A change worth its own column (bytes freed…), or null. */
  change: string | null;
}

type Effect = Record<string, unknown>;
const num = (e: Effect, key: string): number | null => (typeof e[key] === 'number' ? e[key] : null);

/** before → after pairs the probe reports as `<name>_before` / `<name>_after`, with how to show them. */
const PAIRS: { key: string; label: string; bytes?: boolean }[] = [
  { key: 'entries', label: 'Entries' },
  { key: 'bytes', label: 'Size', bytes: true },
  { key: 'open', label: 'Open connections' },
  { key: 'stored', label: 'Stored sessions' },
  { key: 'expired', label: 'Expired sessions' },
  { key: 'queries', label: 'Logged queries' },
];

/** An action's `effect` as rows for a small table: paired figures first, then single ones. */
export function effectRows(effect: Effect | null): EffectRow[] {
  if (!effect) return [];
  const rows: EffectRow[] = [];
  for (const { key, label, bytes } of PAIRS) {
    const a = num(effect, `${key}_before`);
    const b = num(effect, `${key}_after`);
    if (a === null && b === null) continue;
    const show = (v: number | null): string | null =>
      v === null ? null : bytes ? formatBytes(v) : formatCount(v);
    const change =
      a !== null && b !== null && a !== b ? (bytes ? formatBytes(b - a, true) : signed(b - a)) : null;
    rows.push({ label, before: show(a), after: show(b), change });
  }
  const collected = num(effect, 'collected');
  if (collected !== null)
    rows.push({
      label: 'Unreachable objects freed',
      before: null,
      after: formatCount(collected),
      change: null,
    });
  const garbage = num(effect, 'garbage_bytes');
  if (garbage !== null)
    rows.push({ label: 'Garbage freed', before: null, after: formatBytes(garbage), change: null });
  const others = num(effect, 'held_by_other_threads');
  if (others !== null) {
    const byThread = effect.by_thread_name;
    const names =
      byThread && typeof byThread === 'object'
        ? Object.entries(byThread as Record<string, unknown>)
            .map(([t, n]) => `${String(n)}× ${t}`)
            .join(', ')
        : '';
    rows.push({
      label: 'Held by other threads',
      before: null,
      after: formatCount(others) + (names ? ` (${names})` : ''),
      change: null,
    });
  }
  return rows;
}

function signed(n: number): string {
  return `${n > 0 ? '+' : '−'}${formatCount(Math.abs(n))}`;
}

/** Summed over the processes one run touched: for the card's headline and the tests' data attributes. */
export function effectTotals(results: readonly ActionResultDto[]): {
  entriesBefore: number | null;
  entriesAfter: number | null;
  bytesFreed: number | null;
} {
  const sum = (key: string): number | null => {
    let total: number | null = null;
    for (const r of results) {
      const v = r.effect ? num(r.effect, key) : null;
      if (v !== null) total = (total ?? 0) + v;
    }
    return total;
  };
  const bytesBefore = sum('bytes_before');
  const bytesAfter = sum('bytes_after');
  return {
    entriesBefore: sum('entries_before'),
    entriesAfter: sum('entries_after'),
    bytesFreed: bytesBefore !== null && bytesAfter !== null ? bytesBefore - bytesAfter : sum('garbage_bytes'),
  };
}

/**
 * The actions stored with a session, one row per serving process, grouped into runs: the rows of one
 * actions.run call share the action and arguments and start within a second of each other.
 */
export function groupRuns(actions: readonly ActionResultDto[]): ActionResultDto[][] {
  const runs: ActionResultDto[][] = [];
  for (const a of actions) {
    const last = runs[runs.length - 1];
    const head = last?.[0];
    if (
      head &&
      head.name === a.name &&
      head.item === a.item &&
      JSON.stringify(head.args) === JSON.stringify(a.args) &&
      Math.abs(a.t - head.t) < 1 &&
      !last.some((r) => r.pid === a.pid)
    )
      last.push(a);
    else runs.push([a]);
  }
  return runs;
}
