import Database from 'better-sqlite3';
import {
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { APPLICATION_ID, MIGRATIONS, migrate, SCHEMA_VERSION, SESSION_FILE_ID } from './migrations.ts';
import { BY_SESSION, columns, list, SessionFileError } from './session-file.ts';

export interface FileProgress {
  phase: string;
  done: number;
  total: number;
}

/** The first bytes of every SQLite 3 database. */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * A file to read must be a regular file: opening a named pipe would block the engine's only thread until
 * someone writes to it, and reading a folder fails half way.
 */
export function regularFile(file: string): void {
  if (file.includes('\0')) throw new SessionFileError('io', 'the file name contains a NUL byte');
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    throw new SessionFileError('io', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (stat.isDirectory()) throw new SessionFileError('io', `${path.basename(file)} is a folder, not a file`);
  if (!stat.isFile()) throw new SessionFileError('io', `${path.basename(file)} is not a regular file`);
}

function readHeader(file: string): Buffer {
  regularFile(file);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new SessionFileError('io', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const header = Buffer.alloc(100);
    const n = readSync(fd, header, 0, 100, 0);
    return header.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The schema a database of this version has (to refuse files whose tables were altered). */
function expectedSchema(): string[] {
  const ref = new Database(':memory:');
  try {
    for (const m of MIGRATIONS) ref.exec(m);
    return schemaOf(ref);
  } finally {
    ref.close();
  }
}

function schemaOf(db: Database.Database): string[] {
  return (
    db
      .prepare(
        `SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name`,
      )
      .pluck()
      .all() as string[]
  ).map((s) => s.replace(/\s+/g, ' '));
}

/** Checks a file before anything is copied; returns a migrated working copy to import from. */
async function checkedCopy(
  file: string,
  onProgress: (p: FileProgress) => void,
): Promise<{ copy: string; cleanup(): void }> {
  const header = readHeader(file);
  if (header.length < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC))
    throw new SessionFileError(
      'not-sqlite',
      `${path.basename(file)} is not a djleak session file (it is not a SQLite database)`,
    );
  if (header.length < 100)
    throw new SessionFileError(
      'truncated',
      `${path.basename(file)} is truncated (the SQLite header is incomplete)`,
    );
  const size = statSync(file).size;
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  const pages = header.readUInt32BE(28);
  if (pages > 0 && size < pages * pageSize)
    throw new SessionFileError(
      'truncated',
      `${path.basename(file)} is truncated: ${size} bytes of the ${pages * pageSize} its header announces`,
    );
  const dir = os.tmpdir();
  const copy = path.join(dir, `djleak-import-${process.pid}-${Date.now()}.sqlite`);
  const cleanup = (): void => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(copy + suffix, { force: true });
  };
  try {
    // Streamed, so a large file shows progress and is never held in memory.
    let done = 0;
    const input = createReadStream(file);
    input.on('data', (chunk) => {
      done += chunk.length;
      onProgress({ phase: 'reading', done, total: size });
    });
    await pipeline(input, createWriteStream(copy));
    checkDatabase(copy, path.basename(file));
  } catch (error) {
    cleanup();
    if (error instanceof SessionFileError) throw error;
    throw new SessionFileError('damaged', `${path.basename(file)} is damaged: ${(error as Error).message}`);
  }
  return { copy, cleanup };
}

function checkDatabase(copy: string, name: string): void {
  const db = new Database(copy);
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId === APPLICATION_ID)
      throw new SessionFileError(
        'library',
        `${name} is a whole djleak library, not a session file: open it with --db`,
      );
    if (appId !== SESSION_FILE_ID)
      throw new SessionFileError(
        'other-app',
        `${name} is a SQLite database of another application (application_id 0x${appId.toString(16).padStart(8, '0')})`,
      );
    if (version > SCHEMA_VERSION)
      throw new SessionFileError(
        'newer',
        `${name} was made by a newer djleak (schema ${version}; this one knows up to ${SCHEMA_VERSION}): update djleak to open it`,
      );
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    // integrity_check also checks each row against its table's CHECK and NOT NULL constraints.
    if (/constraint failed/.test(integrity))
      throw new SessionFileError('bad-rows', `${name} has rows that break djleak's rules: ${integrity}`);
    if (integrity !== 'ok') throw new SessionFileError('damaged', `${name} is damaged: ${integrity}`);
    migrate(db, SESSION_FILE_ID); // an older file is brought up to date in the copy, never in place
    const schema = schemaOf(db);
    if (JSON.stringify(schema) !== JSON.stringify(expectedSchema()))
      throw new SessionFileError(
        'bad-rows',
        `${name} has tables that differ from djleak's schema ${SCHEMA_VERSION}`,
      );
    const sessions = db.prepare(`SELECT count(*) FROM sessions`).pluck().get() as number;
    if (sessions !== 1)
      throw new SessionFileError(
        'bad-rows',
        `${name} holds ${sessions} sessions; a session file holds exactly one`,
      );
    const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
    if (broken.length)
      throw new SessionFileError(
        'bad-rows',
        `${name} has ${broken.length} rows whose references are broken (first: ${broken[0]!.table} → ${broken[0]!.parent})`,
      );
  } finally {
    db.close();
  }
}

export interface ImportResult {
  sessionId: number;
  name: string;
}

export async function importSession(
  db: Database.Database,
  file: string,
  onProgress: (p: FileProgress) => void = () => undefined,
): Promise<ImportResult> {
  const source = path.resolve(file);
  const { copy, cleanup } = await checkedCopy(source, onProgress);
  try {
    db.prepare(`ATTACH DATABASE ? AS src`).run(copy);
    try {
      return db.transaction(() => copyIn(db, source, onProgress))();
    } catch (error) {
      if (error instanceof SessionFileError) throw error;
      throw new SessionFileError(
        'bad-rows',
        `${path.basename(source)} has rows that break djleak's rules: ${(error as Error).message}`,
      );
    } finally {
      db.prepare(`DETACH DATABASE src`).run();
    }
  } finally {
    cleanup();
  }
}

function copyIn(db: Database.Database, source: string, onProgress: (p: FileProgress) => void): ImportResult {
  const old = db.prepare(`SELECT * FROM src.sessions`).get() as Record<string, unknown>;
  const cols = columns(db, 'sessions').filter((c) => c !== 'id');
  const values: Record<string, unknown> = { ...old };
  // Not running here, not following any of this library's sessions, and labelled with where it came from.
  // A session exported while it ran is cut short here ('interrupted'), its origin saying why
  // (status_at_export); like every session that is not running, it has ended: at its last sample when the
  // file gives no end (files of older versions), as Library.markInterrupted ends one an engine left running.
  const runningAtExport = old.status === 'running' || old.status === 'starting';
  if (runningAtExport) values.status = 'interrupted';
  values.ended_at ??= db
    .prepare(`SELECT coalesce(max(t), ?) FROM src.samples`)
    .pluck()
    .get(old.started_at) as number;
  values.engine_pid = null;
  values.follows = null;
  values.origin = JSON.stringify({
    file: source,
    imported_at: Date.now() / 1000,
    original_id: old.id,
    ...(runningAtExport ? { status_at_export: old.status } : {}),
    exported_from: old.origin ? (JSON.parse(String(old.origin)) as unknown) : null,
  });
  const sessionId = Number(
    db
      .prepare(`INSERT INTO main.sessions (${list(cols)}) VALUES (${list(cols, '@')})`)
      .run(Object.fromEntries(cols.map((c) => [c, values[c] ?? null]))).lastInsertRowid,
  );
  const steps = 8;
  let step = 0;
  const progress = (phase: string): void => onProgress({ phase, done: ++step, total: steps });
  for (const t of ['map_process', 'map_file', 'map_frame', 'map_site', 'map_snapshot', 'map_census'])
    db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS ${t} (old INTEGER PRIMARY KEY, new INTEGER NOT NULL); DELETE FROM ${t};`,
    );

  // Rows that carry their own id: copied one by one, old id → new id.
  const remap = (table: string, mapTable: string): void => {
    const keep = columns(db, table).filter((c) => c !== 'id' && c !== 'session_id');
    const insert = db.prepare(
      `INSERT INTO main.${table} (session_id, ${list(keep)}) SELECT ?, ${list(keep)} FROM src.${table} WHERE id = ?`,
    );
    const map = db.prepare(`INSERT INTO temp.${mapTable} (old, new) VALUES (?, ?)`);
    for (const id of db.prepare(`SELECT id FROM src.${table} ORDER BY id`).pluck().all() as number[])
      map.run(id, insert.run(sessionId, id).lastInsertRowid);
  };
  remap('processes', 'map_process');
  progress('processes');
  const copyMapped = (table: string, mapped: Record<string, string>, skip: string[] = []): void => {
    const all = columns(db, table).filter((c) => !skip.includes(c));
    const select = all.map((c) => (mapped[c] ? mapped[c] : c === 'session_id' ? `${sessionId}` : `s.${c}`));
    const joins = Object.entries(mapped)
      .map(([c, m]) => `JOIN temp.${m.split('.')[0]} ${m.split('.')[0]} ON ${m.split('.')[0]}.old = s.${c}`)
      .join(' ');
    db.exec(`INSERT INTO main.${table} (${list(all)}) SELECT ${list(select)} FROM src.${table} s ${joins}`);
  };
  copyMapped('samples', { process_id: 'map_process.new' });
  copyMapped('sample_rollup', { process_id: 'map_process.new' });
  progress('samples');
  copyMapped('requests', { process_id: 'map_process.new' }, ['id']);
  progress('requests');
  for (const table of BY_SESSION) copyMapped(table, {}, table === 'checklist' ? [] : ['id']);
  progress('results');

  // Tracebacks: interned by content in this library (the same file, frame or site is stored once).
  db.exec(`INSERT OR IGNORE INTO main.files (path) SELECT path FROM src.files;
    INSERT INTO temp.map_file SELECT s.id, m.id FROM src.files s JOIN main.files m ON m.path = s.path;
    INSERT OR IGNORE INTO main.frames (file_id, line) SELECT mf.new, f.line FROM src.frames f JOIN temp.map_file mf ON mf.old = f.file_id;
    INSERT INTO temp.map_frame SELECT f.id, m.id FROM src.frames f JOIN temp.map_file mf ON mf.old = f.file_id
      JOIN main.frames m ON m.file_id = mf.new AND m.line = f.line;`);
  const frameMap = new Map(
    (db.prepare(`SELECT old, new FROM temp.map_frame`).all() as { old: number; new: number }[]).map((r) => [
      r.old,
      r.new,
    ]),
  );
  const upsertSite = db
    .prepare(
      `INSERT INTO main.sites (frames) VALUES (?) ON CONFLICT (frames) DO UPDATE SET frames = excluded.frames RETURNING id`,
    )
    .pluck();
  const mapSite = db.prepare(`INSERT INTO temp.map_site (old, new) VALUES (?, ?)`);
  for (const site of db.prepare(`SELECT id, frames FROM src.sites`).all() as Iterable<{
    id: number;
    frames: string;
  }>) {
    const frames = site.frames.split(',').map((id) => {
      const mapped = frameMap.get(Number(id));
      if (mapped === undefined)
        throw new SessionFileError('bad-rows', `site ${site.id} names a frame the file lacks`);
      return mapped;
    });
    mapSite.run(site.id, upsertSite.get(frames.join(',')));
  }
  progress('tracebacks');
  remap('snapshots', 'map_snapshot');
  copyMapped('snapshot_rows', { snapshot_id: 'map_snapshot.new', site_id: 'map_site.new' });
  progress('snapshots');
  remap('censuses', 'map_census');
  copyMapped('census_rows', { census_id: 'map_census.new' });
  progress('censuses');
  // A diagnosis names the snapshots it took: by their new ids now.
  const snapshotMap = new Map(
    (db.prepare(`SELECT old, new FROM temp.map_snapshot`).all() as { old: number; new: number }[]).map(
      (r) => [r.old, r.new],
    ),
  );
  const setDiagnosis = db.prepare(`UPDATE main.scan_results SET diagnosis = ? WHERE id = ?`);
  for (const row of db
    .prepare(`SELECT id, diagnosis FROM main.scan_results WHERE session_id = ? AND diagnosis IS NOT NULL`)
    .all(sessionId) as { id: number; diagnosis: string }[]) {
    const d = JSON.parse(row.diagnosis) as { snapshots: [number, number] | null };
    if (d.snapshots) d.snapshots = d.snapshots.map((id) => snapshotMap.get(id) ?? id) as [number, number];
    setDiagnosis.run(JSON.stringify(d), row.id);
  }
  progress('diagnoses');
  return { sessionId, name: String(old.name) };
}
