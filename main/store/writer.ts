import type Database from 'better-sqlite3';
import type { RequestRecord, Sample } from '../probe/protocol.ts';
import type { EventLevel, EventSource } from './library.ts';

type Row = unknown[];

/** Rollup widths in seconds (migration 5): a timeline reads the coarsest one finer than its buckets. */
export const ROLLUP_LEVELS = [1, 10, 120] as const;

/** One flush's samples folded per process, level and bucket (rows for the sample_rollup upsert). */
function rollups(samples: readonly Row[]): unknown[][] {
  const acc = new Map<string, number[]>();
  for (const row of samples) {
    const [processId, t, rss] = row as number[];
    const gc = (row[6] as number) + (row[7] as number) + (row[8] as number);
    for (const level of ROLLUP_LEVELS) {
      const bucket = Math.floor(t! / level);
      const key = `${processId}:${level}:${bucket}`;
      const a = acc.get(key);
      if (!a) acc.set(key, [processId!, level, bucket, t!, t!, rss!, t!, rss!, t!, gc, 1]);
      else {
        if (t! < a[3]!) a[3] = t!;
        if (t! >= a[4]!) {
          a[4] = t!;
          a[9] = gc;
        }
        if (rss! < a[5]!) [a[5], a[6]] = [rss!, t!];
        if (rss! > a[7]!) [a[7], a[8]] = [rss!, t!];
        a[10]!++;
      }
    }
  }
  return [...acc.values()];
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
  private readonly writeAll: () => void;
  rowsWritten = 0;
  /** Rows given up while the library could not be written (the buffer was full). */
  dropped = 0;

  constructor(
    db: Database.Database,
    private readonly sessionId: number,
  ) {
    this.insertSample = db.prepare(
      `INSERT INTO samples (process_id, t, rss, gc_count0, gc_count1, gc_count2, collections0, collections1,
        collections2, collected, uncollectable, gc_enabled, threads, fds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
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
         gc_last, n) VALUES (?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT (process_id, level, bucket) DO UPDATE SET
         t_first = min(t_first, excluded.t_first),
         t_last = max(t_last, excluded.t_last),
         t_rss_min = CASE WHEN excluded.rss_min < rss_min THEN excluded.t_rss_min ELSE t_rss_min END,
         rss_min = min(rss_min, excluded.rss_min),
         t_rss_max = CASE WHEN excluded.rss_max > rss_max THEN excluded.t_rss_max ELSE t_rss_max END,
         rss_max = max(rss_max, excluded.rss_max),
         gc_last = CASE WHEN excluded.t_last >= t_last THEN excluded.gc_last ELSE gc_last END,
         n = n + excluded.n`,
    );
    this.writeAll = db.transaction(() => {
      for (const row of this.samples) this.insertSample.run(row);
      for (const r of rollups(this.samples)) upsertRollup.run(r);
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

  /** Writes everything buffered in one transaction; rows stay buffered if the write fails. */
  flush(): number {
    const count = this.pending;
    if (count === 0) return 0;
    this.writeAll();
    this.samples = [];
    this.requests = [];
    this.events = [];
    this.rowsWritten += count;
    return count;
  }
}
