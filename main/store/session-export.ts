import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactSession } from './redact.ts';
import { MIGRATIONS, SCHEMA_VERSION, SESSION_FILE_ID } from './migrations.ts';
import { BY_SESSION, columns, list, SessionFileError } from './session-file.ts';

export interface ExportResult {
  file: string;
  bytes: number;
  redacted: boolean;
}

/** Where an export may go: a new or existing regular file in an existing folder. */
function exportTarget(file: string): string {
  if (file.includes('\0')) throw new SessionFileError('io', 'the file name contains a NUL byte');
  const target = path.resolve(file);
  const folder = path.dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new SessionFileError('io', `cannot write ${target}: the folder ${folder} does not exist`);
  if (existsSync(target) && !statSync(target).isFile())
    throw new SessionFileError('io', `cannot write ${target}: it is a folder or not a regular file`);
  return target;
}

export function exportSession(
  db: Database.Database,
  sessionId: number,
  file: string,
  opts: { redact: boolean },
): ExportResult {
  const project = db.prepare(`SELECT project FROM sessions WHERE id = ?`).pluck().get(sessionId) as
    string | undefined;
  if (project === undefined) throw new SessionFileError('io', `no session ${sessionId} in the library`);
  const target = exportTarget(file);
  const partial = `${target}.partial-${process.pid}`;
  let attached = false;
  try {
    rmSync(partial, { force: true });
    const out = new Database(partial);
    try {
      out.pragma('journal_mode = DELETE');
      out.transaction(() => {
        for (const m of MIGRATIONS) out.exec(m);
        out.pragma(`user_version = ${SCHEMA_VERSION}`);
        out.pragma(`application_id = ${SESSION_FILE_ID}`);
      })();
    } finally {
      out.close();
    }
    db.prepare(`ATTACH DATABASE ? AS out`).run(partial);
    attached = true;
    // Redaction rewrites rows after copying them: without this the values it replaced stay readable in the
    // file's freed space (measured: a redacted export still held every environment value it had replaced).
    if (opts.redact) db.pragma('out.secure_delete = ON');
    db.transaction(() => copyOut(db, sessionId, opts.redact ? project : null))();
    db.prepare(`DETACH DATABASE out`).run();
    attached = false;
    renameSync(partial, target);
  } catch (error) {
    if (attached) db.prepare(`DETACH DATABASE out`).run();
    rmSync(partial, { force: true });
    if (error instanceof SessionFileError) throw error;
    throw new SessionFileError('io', `cannot write ${target}: ${(error as Error).message}`);
  }
  return { file: target, bytes: statSync(target).size, redacted: opts.redact };
}

function copyOut(db: Database.Database, sessionId: number, redactProject: string | null): void {
  const sessionCols = columns(db, 'sessions');
  // The session's links to others (follows) and to this engine (engine_pid) do not travel.
  const picked = sessionCols.map((c) => (c === 'follows' || c === 'engine_pid' ? 'NULL' : c));
  db.prepare(
    `INSERT INTO out.sessions (${list(sessionCols)}) SELECT ${list(picked)} FROM main.sessions WHERE id = ?`,
  ).run(sessionId);
  const copy = (table: string, where: string): void => {
    const cols = list(columns(db, table));
    db.prepare(`INSERT INTO out.${table} (${cols}) SELECT ${cols} FROM main.${table} WHERE ${where}`).run(
      sessionId,
    );
  };
  copy('processes', 'session_id = ?');
  copy('samples', 'process_id IN (SELECT id FROM main.processes WHERE session_id = ?)');
  copy('sample_rollup', 'process_id IN (SELECT id FROM main.processes WHERE session_id = ?)');
  copy('requests', 'session_id = ?');
  for (const table of BY_SESSION) copy(table, 'session_id = ?');
  copy('snapshots', 'session_id = ?');
  copy('censuses', 'session_id = ?');
  copy('census_rows', 'census_id IN (SELECT id FROM main.censuses WHERE session_id = ?)');
  // Interned tracebacks: only the sites, frames and files this session's snapshots use.
  db.prepare(
    `INSERT INTO out.sites (id, frames) SELECT id, frames FROM main.sites WHERE id IN (
       SELECT DISTINCT site_id FROM main.snapshot_rows WHERE snapshot_id IN (SELECT id FROM main.snapshots WHERE session_id = ?))`,
  ).run(sessionId);
  const frameIds = new Set<number>();
  for (const frames of db
    .prepare(`SELECT frames FROM out.sites`)
    .pluck()
    .iterate() as IterableIterator<string>)
    for (const id of frames.split(',')) frameIds.add(Number(id));
  const frame = db.prepare(
    `INSERT INTO out.frames (id, file_id, line) SELECT id, file_id, line FROM main.frames WHERE id = ?`,
  );
  const fileIds = new Set<number>();
  const fileOf = db.prepare(`SELECT file_id FROM main.frames WHERE id = ?`).pluck();
  for (const id of frameIds) fileIds.add(fileOf.get(id) as number);
  const fileRow = db.prepare(`INSERT INTO out.files (id, path) SELECT id, path FROM main.files WHERE id = ?`);
  for (const id of fileIds) fileRow.run(id);
  for (const id of frameIds) frame.run(id);
  copy('snapshot_rows', 'snapshot_id IN (SELECT id FROM main.snapshots WHERE session_id = ?)');
  // A session exported while it runs keeps its status at export ('running'), and ends in the file where the file
  // ends: at its last sample (no end time left the imported copy without a duration).
  db.exec(`UPDATE out.sessions SET ended_at = coalesce(ended_at, (SELECT max(t) FROM out.samples), started_at)
    WHERE status IN ('starting', 'running')`);
  if (redactProject !== null) redactSession(db, 'out', redactProject);
}
