import type Database from 'better-sqlite3';

/**
 * Shared session files (`.djleak`): a SQLite database with the library's schema, its own application_id, and
 * exactly one session. Export copies one session out of the live library inside one read transaction (a
 * consistent snapshot under WAL, while the app keeps writing); import checks a copy of the file (the source
 * is never modified) and copies it in under new ids in one transaction, or refuses with a reason and leaves
 * the library as it was.
 */
export class SessionFileError extends Error {
  constructor(
    readonly code:
      'not-sqlite' | 'truncated' | 'other-app' | 'library' | 'newer' | 'damaged' | 'bad-rows' | 'io',
    message: string,
  ) {
    super(message);
  }
}

/** Tables holding one session's rows directly (session_id), copied with their columns but the ids. */
export const BY_SESSION = ['events', 'scan_results', 'gauges', 'actions', 'checklist'] as const;

export const columns = (db: Database.Database, table: string, schema = 'main'): string[] =>
  (db.pragma(`${schema}.table_info(${table})`) as { name: string }[]).map((c) => c.name);

export const list = (names: readonly string[], prefix = ''): string =>
  names.map((n) => `${prefix}${n}`).join(', ');
