import type Database from 'better-sqlite3';
import type { DiagnosisDto, ScanPointDto, ScanResultDto, SkippedRouteDto } from '../../preload/contract.ts';

/** One scanned endpoint: what was sent, the verdict's figures, and the points they came from. */
export type ScanResultRow = ScanResultDto;

export type ScanGauges = NonNullable<ScanResultDto['gauges']>;

/** `metric` is not stored: the points say which figure the verdict compared (analysis/current.ts reads it back). */
export function addScanResult(
  db: Database.Database,
  sessionId: number,
  r: Omit<ScanResultRow, 'metric'>,
): void {
  db.prepare(
    `INSERT INTO scan_results (session_id, method, path, route, sent, errors, statuses, verdict, confidence,
       retained_bytes_per_request, garbage_bytes_per_request, objects_per_request, reason, points, partial, started_at, ended_at,
       diagnosis, cause, gauges, retained_low, retained_high, blocks_per_request, requests_needed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    sessionId,
    r.method,
    r.path,
    r.route,
    r.sent,
    r.errors,
    JSON.stringify(r.statuses),
    r.verdict,
    r.confidence,
    r.retained_bytes_per_request,
    r.garbage_bytes_per_request,
    r.objects_per_request,
    r.reason,
    JSON.stringify(r.points),
    r.partial ? 1 : 0,
    r.started_at,
    r.ended_at,
    r.diagnosis ? JSON.stringify(r.diagnosis) : null,
    r.cause,
    r.gauges ? JSON.stringify(r.gauges) : null,
    r.retained_range?.[0] ?? null,
    r.retained_range?.[1] ?? null,
    r.blocks_per_request ?? null,
    r.requests_needed ?? null,
  );
}

/** A scan's results, written in one transaction. */
export function addScanResults(
  db: Database.Database,
  sessionId: number,
  rows: readonly Omit<ScanResultRow, 'metric'>[],
): void {
  db.transaction(() => rows.forEach((row) => addScanResult(db, sessionId, row)))();
}

/** The routes the session's last discovery scan could not fill, with why (none before any). */
export function sessionSkipped(db: Database.Database, sessionId: number): SkippedRouteDto[] {
  const row = db.prepare(`SELECT skipped FROM sessions WHERE id = ?`).get(sessionId) as
    { skipped: string | null } | undefined;
  return row?.skipped ? (JSON.parse(row.skipped) as SkippedRouteDto[]) : [];
}

/** Every result stored for the session, in the order they were stored (a session scanned twice has an endpoint's
 * results twice: analysis/current.ts says which count), without `metric`: the points say which figure the
 * verdict compared. */
export function scanResults(db: Database.Database, sessionId: number): Omit<ScanResultRow, 'metric'>[] {
  const rows = db
    .prepare(`SELECT * FROM scan_results WHERE session_id = ? ORDER BY id`)
    .all(sessionId) as (Omit<
    ScanResultRow,
    | 'statuses'
    | 'points'
    | 'partial'
    | 'diagnosis'
    | 'gauges'
    | 'metric'
    | 'retained_range'
    | 'blocks_per_request'
  > & {
    retained_low: number | null;
    retained_high: number | null;
    blocks_per_request: number | null;
    statuses: string;
    points: string;
    partial: number;
    diagnosis: string | null;
    gauges: string | null;
  })[];
  return rows.map((r) => {
    const points = JSON.parse(r.points) as ScanPointDto[];
    return {
      method: r.method,
      path: r.path,
      route: r.route,
      sent: r.sent,
      errors: r.errors,
      statuses: JSON.parse(r.statuses) as Record<string, number>,
      verdict: r.verdict,
      cause: r.cause ?? null,
      confidence: r.confidence,
      retained_bytes_per_request: r.retained_bytes_per_request,
      // Scans before migration 7 have no interval.
      retained_range:
        r.retained_low === null || r.retained_high === null ? null : [r.retained_low, r.retained_high],
      blocks_per_request: r.blocks_per_request ?? 0,
      requests_needed: r.requests_needed ?? null,
      garbage_bytes_per_request: r.garbage_bytes_per_request,
      objects_per_request: r.objects_per_request,
      reason: r.reason,
      points,
      partial: r.partial === 1,
      started_at: r.started_at,
      ended_at: r.ended_at,
      diagnosis: r.diagnosis === null ? null : (JSON.parse(r.diagnosis) as DiagnosisDto),
      gauges: r.gauges === null ? null : (JSON.parse(r.gauges) as ScanGauges),
    };
  });
}
