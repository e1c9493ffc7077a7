/** The user's trace window and snapshots in a live session: tracemalloc in every serving process. */
import type { ApiResult } from '../../preload/contract.ts';
import type { Investigation } from '../investigation.ts';
import { requestCount } from '../store/queries.ts';
import { listSnapshots } from '../store/snapshots.ts';

export async function startTracing(live: Investigation, frames: number): Promise<void> {
  await Promise.all(live.servers().map((c) => c.command('trace_start', { frames })));
}

export async function stopTracing(live: Investigation): Promise<void> {
  await Promise.all(live.servers().map((c) => c.command('trace_stop', {})));
}

/** Tracing in any process; its frames; traced bytes and tracemalloc's own overhead summed over processes. */
export async function tracingStatus(live: Investigation): Promise<ApiResult<'trace.status'>> {
  const replies = await Promise.all(live.servers().map((c) => c.command('trace_status', {})));
  return {
    tracing: replies.some((r) => r.tracing),
    frames: replies.find((r) => r.tracing)?.frames ?? null,
    traced_bytes: replies.reduce((n, r) => n + r.traced_bytes, 0),
    overhead_bytes: replies.reduce((n, r) => n + r.overhead_bytes, 0),
  };
}

/** A snapshot and a census of every serving process, stored under `label` (default: the time of day). */
export async function takeSnapshot(
  live: Investigation,
  label: string | undefined,
  maxRows: number | undefined,
): Promise<ApiResult<'snapshots.take'>> {
  const { db } = live.library;
  const sessionId = live.sessionId;
  const name = label ?? `snapshot ${new Date().toISOString().slice(11, 19)}`;
  let taken = await live.snapshot(name, requestCount(db, sessionId), maxRows);
  const startedTracing = taken.some((t) => t.startedTracing);
  // Tracing starts now: this moment is the baseline, stored so the next snapshot has a "before".
  const stored = startedTracing ? (label ?? 'baseline') : name;
  if (startedTracing) taken = await live.snapshot(stored, requestCount(db, sessionId), maxRows);
  await live.census(stored);
  const ids = new Set(taken.map((t) => t.snapshotId).filter((x): x is number => x !== null));
  const truncated = taken.some((t) => t.truncated);
  return {
    snapshots: listSnapshots(db, sessionId).filter((s) => ids.has(s.id)),
    startedTracing,
    note: startedTracing
      ? 'tracing was off, so it started now and this snapshot is the baseline: send the requests that matter, then take another snapshot.'
      : truncated
        ? `the snapshot was larger than the memory budget: only the ${taken
            .filter((t) => t.truncated)
            .map((t) => t.rows.toLocaleString('en'))
            .join(' + ')} biggest sites were kept`
        : null,
  };
}
