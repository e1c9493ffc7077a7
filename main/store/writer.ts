import type Database from 'better-sqlite3';
import type { RequestRecord, Sample } from '../probe/protocol.ts';
import type { EventLevel, EventSource } from './library.ts';

type Row = unknown[];
/** A sample_rollup row, in the insert's column order; the heap columns are null without a heap figure. */
type RollupRow = (number | null)[];

/** Rollup widths in seconds (migration 5): a timeline reads the coarsest one finer than its buckets. */
export const ROLLUP_LEVELS = [1, 10, 30, 120] as const;

/** An open bucket is written at least this often (a bucket that is over is written at the next flush). */
export const ROLLUP_WRITE_MS = 2000;

/**
 * Rollup buckets kept open across flushes, one per process and level: a bucket is written when it is over (a
 * sample of a later bucket came) or every ROLLUP_WRITE_MS, so a flush of a few samples writes a couple of
 * rollup rows, not one per level per process. Rows merge on conflict, so a bucket written twice adds up.
 * Immutable: a flush folds its samples into a new state and keeps it only once the write succeeded.
 */
class Rollups {
  constructor(
    private readonly open: ReadonlyMap<string, readonly (number | null)[]> = new Map(),
    private readonly lastWrite = Date.now(),
  ) {}

  /** The rows to write now, and the state to keep once they are written. */
  fold(samples: readonly Row[], final: boolean): { rows: RollupRow[]; next: Rollups } {
    const open = new Map<string, RollupRow>([...this.open].map(([k, v]) => [k, [...v]]));
    const rows: RollupRow[] = [];
    for (const row of samples) {
      const [processId, t, rss] = row as number[];
      const gc = (row[6] as number) + (row[7] as number) + (row[8] as number);
      const heap = row[14] as number | null;
      for (const level of ROLLUP_LEVELS) {
        const key = `${processId}:${level}`;
        const bucket = Math.floor(t! / level);
        let a = open.get(key);
        if (a && a[2] !== bucket) {
          rows.push(a);
          a = undefined;
        }
        if (!a) {
          const h = heap === null ? [null, null, null, null] : [heap, t!, heap, t!];
          open.set(key, [processId!, level, bucket, t!, t!, rss!, t!, rss!, t!, gc, 1, ...h]);
        } else {
          if (t! < a[3]!) a[3] = t!;
          if (t! >= a[4]!) {
            a[4] = t!;
            a[9] = gc;
          }
          if (rss! < a[5]!) [a[5], a[6]] = [rss!, t!];
          if (rss! > a[7]!) [a[7], a[8]] = [rss!, t!];
          a[10]!++;
          if (heap !== null) {
            if (a[11] === null || heap < a[11]!) [a[11], a[12]] = [heap, t!];
            if (a[13] === null || heap > a[13]!) [a[13], a[14]] = [heap, t!];
          }
        }
      }
    }
    const now = Date.now();
    if (final || now - this.lastWrite >= ROLLUP_WRITE_MS) {
      rows.push(...open.values());
      return { rows, next: new Rollups(new Map(), now) };
    }
    return { rows, next: new Rollups(open, this.lastWrite) };
  }
}

/** Rows held while the library cannot be written: ~40 MB, over an hour of samples of four processes. */
export const MAX_PENDING = 200_000;

/**
 * Buffers one session's incoming rows and writes them in one transaction per flush, so a probe sending
 * ten samples a second per process costs a handful of transactions, not thousands.
 */
export class SessionWriter {
  private samples: Row[] = [];
  private requests: Row[] = [];
  private events: Row[] = [];
  private readonly insertSample: Database.Statement;
  private readonly insertRequest: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly writeAll: (rollupRows: RollupRow[]) => void;
  private rollups = new Rollups();
  rowsWritten = 0;
  /** Rows given up while the library could not be written (the buffer was full). */
  dropped = 0;

  constructor(
    db: Database.Database,
    private readonly sessionId: number,
  ) {
    this.insertSample = db.prepare(
      `INSERT INTO samples (process_id, t, rss, gc_count0, gc_count1, gc_count2, collections0, collections1,
        collections2, collected, uncollectable, gc_enabled, threads, fds, heap) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    this.insertRequest = db.prepare(
      `INSERT INTO requests (session_id, process_id, t, method, route, view, path, status, duration_ms,
        rss_before, rss_after) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
    );
    this.insertEvent = db.prepare(
      `INSERT INTO events (session_id, pid, t, source, level, message) VALUES (?,?,?,?,?,?)`,
    );
    const upsertRollup = db.prepare(
      `INSERT INTO sample_rollup (process_id, level, bucket, t_first, t_last, rss_min, t_rss_min, rss_max, t_rss_max,
         gc_last, n, heap_min, t_heap_min, heap_max, t_heap_max) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT (process_id, level, bucket) DO UPDATE SET
         t_first = min(t_first, excluded.t_first),
         t_last = max(t_last, excluded.t_last),
         t_rss_min = CASE WHEN excluded.rss_min < rss_min THEN excluded.t_rss_min ELSE t_rss_min END,
         rss_min = min(rss_min, excluded.rss_min),
         t_rss_max = CASE WHEN excluded.rss_max > rss_max THEN excluded.t_rss_max ELSE t_rss_max END,
         rss_max = max(rss_max, excluded.rss_max),
         gc_last = CASE WHEN excluded.t_last >= t_last THEN excluded.gc_last ELSE gc_last END,
         n = n + excluded.n,
         t_heap_min = CASE WHEN heap_min IS NULL OR excluded.heap_min < heap_min THEN coalesce(excluded.t_heap_min, t_heap_min) ELSE t_heap_min END,
         heap_min = CASE WHEN heap_min IS NULL OR excluded.heap_min < heap_min THEN coalesce(excluded.heap_min, heap_min) ELSE heap_min END,
         t_heap_max = CASE WHEN heap_max IS NULL OR excluded.heap_max > heap_max THEN coalesce(excluded.t_heap_max, t_heap_max) ELSE t_heap_max END,
         heap_max = CASE WHEN heap_max IS NULL OR excluded.heap_max > heap_max THEN coalesce(excluded.heap_max, heap_max) ELSE heap_max END`,
    );
    this.writeAll = db.transaction((rollupRows: RollupRow[]) => {
      for (const row of this.samples) this.insertSample.run(row);
      for (const r of rollupRows) upsertRollup.run(r);
      for (const row of this.requests) this.insertRequest.run(row);
      for (const row of this.events) this.insertEvent.run(row);
    });
  }

  get pending(): number {
    return this.samples.length + this.requests.length + this.events.length;
  }

  /** While writes fail (disk full, read-only) rows wait here, up to MAX_PENDING; then new ones are dropped. */
  private room(): boolean {
    if (this.pending < MAX_PENDING) return true;
    this.dropped++;
    return false;
  }

  addSamples(processId: number, items: readonly Sample[]): void {
    for (const s of items) {
      if (!this.room()) continue;
      this.samples.push([
        processId,
        s.t,
        s.rss,
        s.gc_count[0],
        s.gc_count[1],
        s.gc_count[2],
        s.gc_collections[0],
        s.gc_collections[1],
        s.gc_collections[2],
        s.gc_collected[0] + s.gc_collected[1] + s.gc_collected[2],
        s.gc_uncollectable[0] + s.gc_uncollectable[1] + s.gc_uncollectable[2],
        s.gc_enabled ? 1 : 0,
        s.threads,
        s.fds,
        s.heap ?? null,
      ]);
    }
  }

  addRequests(processId: number, items: readonly RequestRecord[]): void {
    for (const r of items) {
      if (!this.room()) continue;
      this.requests.push([
        this.sessionId,
        processId,
        r.t,
        r.method,
        r.route,
        r.view ?? null,
        r.path,
        r.status,
        r.duration_ms,
        r.rss_before,
        r.rss_after,
      ]);
    }
  }

  addEvent(
    source: EventSource,
    level: EventLevel,
    message: string,
    pid: number | null = null,
    t = Date.now() / 1000,
  ): void {
    if (this.room()) this.events.push([this.sessionId, pid, t, source, level, message]);
  }

  /**
   * Writes everything buffered in one transaction; rows stay buffered if the write fails. `final` also writes
   * the rollup buckets still open (the session or the import ends).
   */
  flush(final = false): number {
    const count = this.pending;
    const { rows, next } = this.rollups.fold(this.samples, final);
    if (count === 0 && rows.length === 0) return 0;
    this.writeAll(rows);
    this.rollups = next;
    this.samples = [];
    this.requests = [];
    this.events = [];
    this.rowsWritten += count;
    return count;
  }
}
