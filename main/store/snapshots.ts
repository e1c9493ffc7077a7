import type Database from 'better-sqlite3';
import type { CensusRow, Frame, SiteRow, SnapshotDto } from '../../preload/contract.ts';
import type { SnapshotRow } from '../probe/protocol.ts';

export type { CensusRow, Frame, SiteRow };

/** What a snapshot is stored with (its rows come beside it). */
export type SnapshotMeta = Omit<SnapshotDto, 'id' | 'rows'>;

export interface SnapshotInfo extends SnapshotDto {
  session_id: number;
}

/**
 * Files, frames and sites (tracebacks) are stored once and referred to by id, so a snapshot is a list of
 * (site, size, count) and the same traceback in fifty snapshots costs one row. Ids never change, so the
 * caches only ever hold what the database already has.
 */
export class SiteInterner {
  private files = new Map<string, number>();
  private frames = new Map<string, number>();
  private sites = new Map<string, number>();
  private readonly upsertFile: Database.Statement;
  private readonly upsertFrame: Database.Statement;
  private readonly upsertSite: Database.Statement;

  constructor(db: Database.Database) {
    this.upsertFile = db
      .prepare(
        `INSERT INTO files (path) VALUES (?) ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id`,
      )
      .pluck();
    this.upsertFrame = db
      .prepare(
        `INSERT INTO frames (file_id, line) VALUES (?, ?) ON CONFLICT (file_id, line) DO UPDATE SET line = excluded.line RETURNING id`,
      )
      .pluck();
    this.upsertSite = db
      .prepare(
        `INSERT INTO sites (frames) VALUES (?) ON CONFLICT (frames) DO UPDATE SET frames = excluded.frames RETURNING id`,
      )
      .pluck();
  }

  private fileId(path: string): number {
    let id = this.files.get(path);
    if (id === undefined) this.files.set(path, (id = this.upsertFile.get(path) as number));
    return id;
  }

  private frameId(path: string, line: number): number {
    const file = this.fileId(path);
    const key = `${file}:${line}`;
    let id = this.frames.get(key);
    if (id === undefined) this.frames.set(key, (id = this.upsertFrame.get(file, line) as number));
    return id;
  }

  siteId(frames: readonly (readonly [string, number])[]): number {
    const key = frames.map(([path, line]) => this.frameId(path, line)).join(',');
    let id = this.sites.get(key);
    if (id === undefined) this.sites.set(key, (id = this.upsertSite.get(key) as number));
    return id;
  }
}

const interners = new WeakMap<Database.Database, SiteInterner>();
function internerFor(db: Database.Database): SiteInterner {
  let interner = interners.get(db);
  if (!interner) interners.set(db, (interner = new SiteInterner(db)));
  return interner;
}

/** Stores one snapshot in one transaction; rows of the same site (possible across chunks) are summed. */
export function storeSnapshot(
  db: Database.Database,
  sessionId: number,
  meta: SnapshotMeta,
  rows: readonly SnapshotRow[],
): number {
  const interner = internerFor(db);
  return db.transaction(() => {
    const id = db
      .prepare(
        `INSERT INTO snapshots (session_id, pid, label, t, frames, traced_bytes, rows_total, truncated, requests)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck()
      .get(
        sessionId,
        meta.pid,
        meta.label,
        meta.t,
        meta.frames,
        meta.traced_bytes,
        meta.rows_total,
        meta.truncated ? 1 : 0,
        meta.requests,
      ) as number;
    const merged = new Map<number, SiteRow>();
    for (const row of rows) {
      const site = interner.siteId(row.frames);
      const seen = merged.get(site);
      if (seen) {
        seen.size += row.size;
        seen.count += row.count;
      } else merged.set(site, { site, size: row.size, count: row.count });
    }
    const insert = db.prepare(
      `INSERT INTO snapshot_rows (snapshot_id, site_id, size, count) VALUES (?, ?, ?, ?)`,
    );
    for (const r of merged.values()) insert.run(id, r.site, r.size, r.count);
    return id;
  })();
}

export function listSnapshots(db: Database.Database, sessionId: number): SnapshotInfo[] {
  const rows = db
    .prepare(
      `SELECT s.*, (SELECT count(*) FROM snapshot_rows r WHERE r.snapshot_id = s.id) AS rows
       FROM snapshots s WHERE s.session_id = ? ORDER BY s.t, s.id`,
    )
    .all(sessionId) as (Omit<SnapshotInfo, 'truncated'> & { truncated: number })[];
  return rows.map((r) => ({ ...r, truncated: r.truncated === 1 }));
}

export function snapshotRows(db: Database.Database, snapshotId: number): SiteRow[] {
  return db
    .prepare(`SELECT site_id AS site, size, count FROM snapshot_rows WHERE snapshot_id = ?`)
    .all(snapshotId) as SiteRow[];
}

/** The frames (innermost first) of each site asked for. */
export function siteFrames(db: Database.Database, siteIds: Iterable<number>): Map<number, Frame[]> {
  const site = db.prepare(`SELECT frames FROM sites WHERE id = ?`).pluck();
  const frame = db.prepare(
    `SELECT f.path AS file, fr.line AS line FROM frames fr JOIN files f ON f.id = fr.file_id WHERE fr.id = ?`,
  );
  const frameCache = new Map<number, Frame>();
  const out = new Map<number, Frame[]>();
  for (const id of siteIds) {
    const ids = String(site.get(id) ?? '')
      .split(',')
      .filter(Boolean)
      .map(Number);
    out.set(
      id,
      ids.map((fid) => {
        let f = frameCache.get(fid);
        if (!f) frameCache.set(fid, (f = frame.get(fid) as Frame));
        return f;
      }),
    );
  }
  return out;
}

export function storeCensus(
  db: Database.Database,
  sessionId: number,
  meta: { pid: number; label: string; t: number; total_objects: number },
  rows: readonly CensusRow[],
): number {
  return db.transaction(() => {
    const id = db
      .prepare(
        `INSERT INTO censuses (session_id, pid, label, t, total_objects) VALUES (?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck()
      .get(sessionId, meta.pid, meta.label, meta.t, meta.total_objects) as number;
    const insert = db.prepare(
      `INSERT INTO census_rows (census_id, type, count, size) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    for (const r of rows) insert.run(id, r.type, r.count, r.size);
    return id;
  })();
}

export function censusRows(db: Database.Database, censusId: number): CensusRow[] {
  return db
    .prepare(`SELECT type, count, size FROM census_rows WHERE census_id = ?`)
    .all(censusId) as CensusRow[];
}

export function snapshotInfo(db: Database.Database, snapshotId: number): SnapshotInfo | undefined {
  const row = db
    .prepare(
      `SELECT s.*, (SELECT count(*) FROM snapshot_rows r WHERE r.snapshot_id = s.id) AS rows FROM snapshots s WHERE s.id = ?`,
    )
    .get(snapshotId) as (Omit<SnapshotInfo, 'truncated'> & { truncated: number }) | undefined;
  return row && { ...row, truncated: row.truncated === 1 };
}

/** The census taken with a snapshot (same session, process and label), if any. */
export function censusFor(db: Database.Database, snapshot: SnapshotInfo): CensusRow[] {
  const id = db
    .prepare(
      `SELECT id FROM censuses WHERE session_id = ? AND pid = ? AND label = ? ORDER BY abs(t - ?) LIMIT 1`,
    )
    .pluck()
    .get(snapshot.session_id, snapshot.pid, snapshot.label, snapshot.t) as number | undefined;
  return id === undefined ? [] : censusRows(db, id);
}
