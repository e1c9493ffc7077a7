import type Database from 'better-sqlite3';
import type { EventDto, ProcessDto, RequestDto, RouteDto } from '../../preload/contract.ts';
import type { SessionRow } from './library.ts';
import { ROLLUP_LEVELS } from './writer.ts';

export interface SessionSummary extends SessionRow {
  processes: number;
  requests: number;
  peak_rss: number | null;
}

/** The contract's rows plus what only the engine needs (sample span, the paths behind a route). */
export interface ProcessSummary extends ProcessDto {
  first_t: number | null;
  last_t: number | null;
}

export interface RouteSummary extends RouteDto {
  paths: string;
}

export interface SampleRow {
  t: number;
  rss: number;
  collections0: number;
  collections1: number;
  collections2: number;
  threads: number;
  fds: number | null;
}

export type EventRow = EventDto;

/** Read side of the library: every SELECT the faces need, as named functions. */
export function listSessions(db: Database.Database): SessionSummary[] {
  return db
    .prepare(
      `SELECT s.*,
         (SELECT count(*) FROM processes p WHERE p.session_id = s.id) AS processes,
         (SELECT count(*) FROM requests r WHERE r.session_id = s.id) AS requests,
         (SELECT max(x.rss_max) FROM sample_rollup x JOIN processes p ON p.id = x.process_id
          WHERE p.session_id = s.id AND x.level = 120) AS peak_rss
       FROM sessions s ORDER BY s.started_at DESC, s.id DESC`,
    )
    .all() as SessionSummary[];
}

export function processSummaries(db: Database.Database, sessionId: number): ProcessSummary[] {
  return db
    .prepare(
      `SELECT p.id, p.pid, p.ppid, p.role, p.started_at, p.ended_at,
         coalesce(sum(r.n), 0) AS samples, min(r.t_first) AS first_t, max(r.t_last) AS last_t,
         max(r.rss_max) AS rss_peak,
         (SELECT rss FROM samples f WHERE f.process_id = p.id ORDER BY t ASC LIMIT 1) AS rss_first,
         (SELECT rss FROM samples l WHERE l.process_id = p.id ORDER BY t DESC LIMIT 1) AS rss_last
       FROM processes p LEFT JOIN sample_rollup r ON r.process_id = p.id AND r.level = 120
       WHERE p.session_id = ? GROUP BY p.id ORDER BY p.started_at, p.id`,
    )
    .all(sessionId) as ProcessSummary[];
}

export function routeSummaries(db: Database.Database, sessionId: number): RouteSummary[] {
  return db
    .prepare(
      `SELECT method, route, count(*) AS requests, sum(status >= 500) AS errors,
         avg(duration_ms) AS mean_duration_ms, sum(rss_after - rss_before) AS rss_delta_total,
         json_group_array(DISTINCT path) AS paths
       FROM requests WHERE session_id = ? GROUP BY method, route ORDER BY requests DESC, route`,
    )
    .all(sessionId) as RouteSummary[];
}

export function sampleSeries(
  db: Database.Database,
  processId: number,
  from = -Infinity,
  to = Infinity,
): SampleRow[] {
  return db
    .prepare(
      `SELECT t, rss, collections0, collections1, collections2, threads, fds FROM samples
       WHERE process_id = ? AND t >= ? AND t <= ? ORDER BY t`,
    )
    .all(processId, from === -Infinity ? -1e308 : from, to === Infinity ? 1e308 : to) as SampleRow[];
}

export function sessionEvents(db: Database.Database, sessionId: number, limit = 1000): EventRow[] {
  const rows = db
    .prepare(
      `SELECT id, pid, t, source, level, message FROM events WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
    )
    .all(sessionId, limit) as EventRow[];
  return rows.reverse();
}

export function sampleTimes(db: Database.Database, processId: number): number[] {
  return db
    .prepare(`SELECT t FROM samples WHERE process_id = ? ORDER BY t`)
    .pluck()
    .all(processId) as number[];
}

export interface TimelineRows {
  processes: {
    id: number;
    pid: number;
    role: string;
    t: number[];
    rss: number[];
    gc: number[];
    /** The heap in use where samples have it (its own times: samples without one are left out). */
    heap: { t: number[]; v: number[] };
    samples: number;
  }[];
  /** Requests per bucket of the window (`width` seconds each, from `from`). */
  requests: { from: number; width: number; counts: number[] };
  span: { from: number; to: number } | null;
  window: { from: number; to: number } | null;
  /** The rollup level read (seconds), or null for raw samples. */
  level: number | null;
}

/** The session's sample span: per-process min/max through the (process_id, t) index, not a scan. */
export function sampleSpan(db: Database.Database, sessionId: number): { from: number; to: number } | null {
  const span = db
    .prepare(
      `SELECT min(first) AS "from", max(last) AS "to" FROM (
         SELECT (SELECT min(t) FROM samples WHERE process_id = p.id) AS first,
                (SELECT max(t) FROM samples WHERE process_id = p.id) AS last
         FROM processes p WHERE p.session_id = ?)`,
    )
    .get(sessionId) as { from: number | null; to: number | null };
  return span.from === null || span.to === null ? null : { from: span.from, to: span.to };
}

/**
 * Everything a timeline needs for [from, to] at about `buckets` points per series: raw samples for a short
 * window; for a long one, the coarsest rollup whose width fits a bucket (each bucket's min and max RSS at
 * their own times, so spikes survive), which reads thousands of rows where the samples are millions.
 */
export function timelineRows(
  db: Database.Database,
  sessionId: number,
  from: number,
  to: number,
  buckets: number,
  requestBuckets = Math.min(buckets, 200),
): TimelineRows {
  const procs = db
    .prepare(`SELECT id, pid, role FROM processes WHERE session_id = ? ORDER BY started_at, id`)
    .all(sessionId) as { id: number; pid: number; role: string }[];
  const span = sampleSpan(db, sessionId);
  if (!span)
    return { processes: [], requests: { from, width: 0, counts: [] }, span: null, window: null, level: null };
  const window = { from: Math.max(from, span.from), to: Math.min(to, span.to) };
  const perBucket = (window.to - window.from) / Math.max(1, buckets);
  const level = [...ROLLUP_LEVELS].reverse().find((l) => l <= perBucket) ?? null;
  const raw = db.prepare(
    `SELECT t, rss, collections0 + collections1 + collections2 AS gc, heap FROM samples
     WHERE process_id = ? AND t >= ? AND t <= ? ORDER BY t`,
  );
  const rolled = db.prepare(
    `SELECT t_rss_min, rss_min, t_rss_max, rss_max, gc_last, n, t_heap_min, heap_min, t_heap_max, heap_max
     FROM sample_rollup WHERE process_id = ? AND level = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket`,
  );
  /** A bucket's min and max, in their time order. */
  const pair = (
    to: { t: number[]; v: number[] },
    tMin: number,
    min: number,
    tMax: number,
    max: number,
  ): void => {
    const minFirst = tMin <= tMax;
    to.t.push(minFirst ? tMin : tMax, minFirst ? tMax : tMin);
    to.v.push(minFirst ? min : max, minFirst ? max : min);
  };
  const processes = procs.map((p) => {
    const heap = { t: [] as number[], v: [] as number[] };
    if (level === null) {
      const rows = raw.raw().all(p.id, window.from, window.to) as [number, number, number, number | null][];
      for (const [t, , , h] of rows) {
        if (h === null) continue;
        heap.t.push(t);
        heap.v.push(h);
      }
      return {
        ...p,
        t: rows.map((r) => r[0]),
        rss: rows.map((r) => r[1]),
        gc: rows.map((r) => r[2]),
        heap,
        samples: rows.length,
      };
    }
    const rows = rolled
      .raw()
      .all(p.id, level, Math.floor(window.from / level), Math.floor(window.to / level)) as (
      number | null
    )[][];
    const series = { t: [] as number[], v: [] as number[] };
    const gc: number[] = [];
    let samples = 0;
    for (const [tMin, rssMin, tMax, rssMax, gcLast, n, tHeapMin, heapMin, tHeapMax, heapMax] of rows) {
      pair(series, tMin!, rssMin!, tMax!, rssMax!);
      gc.push(gcLast!, gcLast!); // the bucket's last count, at both of its points
      samples += n!;
      if (heapMin != null && heapMax != null) pair(heap, tHeapMin!, heapMin, tHeapMax!, heapMax);
    }
    return { ...p, t: series.t, rss: series.v, gc, heap, samples };
  });
  const width = (window.to - window.from) / Math.max(1, requestBuckets);
  const counts = new Array<number>(requestBuckets).fill(0);
  if (width > 0) {
    const grouped = db
      .prepare(
        `SELECT min(CAST((t - @from) / @width AS INTEGER), @last) AS b, count(*) AS n FROM requests
         WHERE session_id = @sessionId AND t >= @from AND t <= @to GROUP BY 1`,
      )
      .raw()
      .all({ sessionId, from: window.from, to: window.to, width, last: requestBuckets - 1 }) as [
      number,
      number,
    ][];
    for (const [b, n] of grouped) counts[b] = n;
  }
  return {
    processes,
    requests: { from: window.from, width, counts },
    span,
    window,
    level,
  };
}

export interface RequestFilter {
  route?: string | null;
  method?: string;
  minStatus?: number;
  text?: string;
  limit: number;
  offset: number;
}

/** The request log, newest first, filtered in SQL so a long session pages quickly. */
export function requestLog(
  db: Database.Database,
  sessionId: number,
  f: RequestFilter,
): { total: number; rows: RequestRowOut[] } {
  const where = ['r.session_id = @sessionId'];
  const params: Record<string, unknown> = { sessionId, limit: f.limit, offset: f.offset };
  if (f.route !== undefined) {
    where.push(f.route === null ? 'r.route IS NULL' : 'r.route = @route');
    params.route = f.route;
  }
  if (f.method) {
    where.push('r.method = @method');
    params.method = f.method;
  }
  if (f.minStatus) {
    where.push('r.status >= @minStatus');
    params.minStatus = f.minStatus;
  }
  if (f.text) {
    where.push(`(r.path LIKE @text ESCAPE '\\' OR coalesce(r.view, '') LIKE @text ESCAPE '\\')`);
    params.text = `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  const clause = where.join(' AND ');
  const total = db.prepare(`SELECT count(*) FROM requests r WHERE ${clause}`).pluck().get(params) as number;
  const rows = db
    .prepare(
      `SELECT r.id, p.pid, r.t, r.method, r.route, r.view, r.path, r.status, r.duration_ms, r.rss_after - r.rss_before AS rss_delta
       FROM requests r JOIN processes p ON p.id = r.process_id WHERE ${clause} ORDER BY r.t DESC, r.id DESC LIMIT @limit OFFSET @offset`,
    )
    .all(params) as RequestRowOut[];
  return { total, rows };
}

export type RequestRowOut = RequestDto;

/** The route Django matched for a path, as the probe recorded it (null: no request recorded, or a 404). */
export function routeForPath(
  db: Database.Database,
  sessionId: number,
  method: string,
  path: string,
): string | null {
  return (
    (db
      .prepare(
        `SELECT route FROM requests WHERE session_id = ? AND method = ? AND path = ? AND route IS NOT NULL LIMIT 1`,
      )
      .pluck()
      .get(sessionId, method, path) as string | undefined) ?? null
  );
}

export function requestCount(db: Database.Database, sessionId: number): number {
  return db.prepare(`SELECT count(*) FROM requests WHERE session_id = ?`).pluck().get(sessionId) as number;
}
