import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations.ts';

import type {
  ProcessDto,
  SessionStatus,
  SessionSummaryDto,
  StartInvestigationArgs,
} from '../../preload/contract.ts';

export type { SessionStatus };
export type ProcessRole = ProcessDto['role'];
export type EventSource = 'stdout' | 'stderr' | 'probe' | 'engine';
export type EventLevel = 'debug' | 'info' | 'warning' | 'error';

export interface NewSession {
  name: string;
  project: string;
  python: string | null;
  pythonVersion?: string | null;
  django?: string | null;
  server: 'runserver' | 'gunicorn';
  command: string[];
  startedAt: number;
  /** How it was started (a re-run starts the same way). */
  options?: StartInvestigationArgs;
  /** The session this one re-runs (verifying a fix). */
  follows?: number | null;
}

/** A session as its table keeps it: the summary's columns (without the figures counted from other tables), and how
 * it was started. */
export interface SessionRow extends Omit<SessionSummaryDto, 'processes' | 'requests' | 'peak_rss'> {
  command: string;
  engine_pid: number | null;
  /** How it was started (JSON StartInvestigationArgs). */
  options: string | null;
  /** The last scan's scenario (JSON). */
  scenario: string | null;
  /** The last discovery's routes it could not fill (JSON SkippedRouteDto[]). */
  skipped: string | null;
}

export interface SessionPatch {
  status?: SessionStatus;
  error?: string | null;
  exit_code?: number | null;
  ended_at?: number | null;
  django?: string | null;
  python_version?: string | null;
  name?: string;
  /** The last scan's scenario (JSON). */
  scenario?: string;
  /** Where an imported session came from (JSON). */
  origin?: string;
  /** The last discovery's routes it could not fill (JSON). */
  skipped?: string;
}

export class LibraryError extends Error {}

/** Whether a process exists (one of another user's counts: signalling it is refused, not unknown). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * mkdir -p one level at a time: Node's recursive mkdir spins forever under a pseudo file system that answers
 * ENOENT to every mkdir (measured here: `--db /proc/x/library.sqlite` hung at 100 % CPU).
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeFolder(parent);
  mkdirSync(dir);
}

/** One SQLite library file (WAL) holding every session. All SQL of the engine lives under main/store/. */
export class Library {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    try {
      makeFolder(path.dirname(file));
      this.db = new Database(file);
    } catch (error) {
      throw new LibraryError(`cannot open the session library ${file}: ${(error as Error).message}`);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw new LibraryError(`cannot use the session library ${file}: ${(error as Error).message}`);
    }
    this.markInterrupted();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Sessions left 'starting'/'running' by an engine that no longer exists were cut short. */
  private markInterrupted(): void {
    const open = this.db
      .prepare(`SELECT id, engine_pid FROM sessions WHERE status IN ('starting', 'running')`)
      .all() as { id: number; engine_pid: number | null }[];
    const mark = this.db.prepare(
      `UPDATE sessions SET status = 'interrupted', ended_at = coalesce(ended_at,
         (SELECT max(s.t) FROM samples s JOIN processes p ON p.id = s.process_id WHERE p.session_id = sessions.id),
         started_at) WHERE id = ?`,
    );
    for (const row of open) {
      if (row.engine_pid === null || (row.engine_pid !== process.pid && !isAlive(row.engine_pid)))
        mark.run(row.id);
    }
  }

  createSession(s: NewSession): number {
    const result = this.db
      .prepare(
        `INSERT INTO sessions (name, project, python, python_version, django, server, command, status, engine_pid,
           started_at, options, follows)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'starting', ?, ?, ?, ?)`,
      )
      .run(
        s.name,
        s.project,
        s.python,
        s.pythonVersion ?? null,
        s.django ?? null,
        s.server,
        JSON.stringify(s.command),
        process.pid,
        s.startedAt,
        s.options ? JSON.stringify(s.options) : null,
        s.follows ?? null,
      );
    return Number(result.lastInsertRowid);
  }

  updateSession(id: number, patch: SessionPatch): void {
    const keys = Object.keys(patch) as (keyof SessionPatch)[];
    if (keys.length === 0) return;
    const allowed = new Set([
      'status',
      'error',
      'exit_code',
      'ended_at',
      'django',
      'python_version',
      'name',
      'scenario',
      'origin',
      'skipped',
    ]);
    for (const key of keys) if (!allowed.has(key)) throw new Error(`unknown session field ${key}`);
    const sets = keys.map((k) => `${k} = @${k}`).join(', ');
    this.db.prepare(`UPDATE sessions SET ${sets} WHERE id = @id`).run({ ...patch, id });
  }

  session(id: number): SessionRow | undefined {
    return this.db.prepare(`SELECT * FROM sessions WHERE id = ?`).get(id) as SessionRow | undefined;
  }

  deleteSession(id: number): boolean {
    return this.db.prepare(`DELETE FROM sessions WHERE id = ?`).run(id).changes > 0;
  }

  addProcess(
    sessionId: number,
    p: { pid: number; ppid: number; role: ProcessRole; argv: string[]; t: number },
  ): number {
    const result = this.db
      .prepare(
        `INSERT INTO processes (session_id, pid, ppid, role, argv, started_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, pid) DO UPDATE SET ended_at = NULL RETURNING id`,
      )
      .get(sessionId, p.pid, p.ppid, p.role, JSON.stringify(p.argv), p.t) as { id: number };
    return result.id;
  }

  setProcessRole(processId: number, role: ProcessRole): void {
    this.db.prepare(`UPDATE processes SET role = ? WHERE id = ?`).run(role, processId);
  }

  endProcess(processId: number, t: number): void {
    this.db.prepare(`UPDATE processes SET ended_at = coalesce(ended_at, ?) WHERE id = ?`).run(t, processId);
  }

  endOpenProcesses(sessionId: number, t: number): void {
    this.db
      .prepare(`UPDATE processes SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL`)
      .run(t, sessionId);
  }
}
