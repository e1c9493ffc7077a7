import type Database from 'better-sqlite3';
import type { EventDto, ProcessDto, RouteDto } from '../../preload/contract.ts';
import type { SessionRow } from './library.ts';

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
         (SELECT max(x.rss) FROM samples x JOIN processes p ON p.id = x.process_id WHERE p.session_id = s.id) AS peak_rss
       FROM sessions s ORDER BY s.started_at DESC, s.id DESC`,
    )
    .all() as SessionSummary[];
}

export function processSummaries(db: Database.Database, sessionId: number): ProcessSummary[] {
  return db
    .prepare(
      `SELECT p.id, p.pid, p.ppid, p.role, p.started_at, p.ended_at,
         count(s.t) AS samples, min(s.t) AS first_t, max(s.t) AS last_t, max(s.rss) AS rss_peak,
         (SELECT rss FROM samples f WHERE f.process_id = p.id ORDER BY t ASC LIMIT 1) AS rss_first,
         (SELECT rss FROM samples l WHERE l.process_id = p.id ORDER BY t DESC LIMIT 1) AS rss_last
       FROM processes p LEFT JOIN samples s ON s.process_id = p.id
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
