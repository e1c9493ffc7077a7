import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

/**
 * Counts and a content hash per table for one session, with every id that a copy renumbers replaced by what it
 * stands for (a process by its pid, a site by its traceback, a snapshot by its pid, label and time): two
 * copies of a session (the library's and an export's import) have the same digest. Shared files print it, so
 * a colleague can check they got the session unchanged.
 */
export type SessionDigest = Record<string, { rows: number; sha256: string }>;

/** Per table: the SELECT of one session's rows (`?` = session id), ids resolved, in a stable order. */
const QUERIES: Record<string, string> = {
  sessions: `SELECT name, project, python, python_version, django, server, command, error, exit_code, started_at,
      ended_at, options, scenario FROM sessions WHERE id = ?`,
  processes: `SELECT pid, ppid, role, argv, started_at, ended_at FROM processes WHERE session_id = ? ORDER BY pid`,
  samples: `SELECT p.pid, s.t, s.rss, s.gc_count0, s.gc_count1, s.gc_count2, s.collections0, s.collections1,
      s.collections2, s.collected, s.uncollectable, s.gc_enabled, s.threads, s.fds, s.heap
    FROM samples s JOIN processes p ON p.id = s.process_id WHERE p.session_id = ? ORDER BY p.pid, s.t, s.rowid`,
  requests: `SELECT p.pid, r.t, r.method, r.route, r.view, r.path, r.status, r.duration_ms, r.rss_before,
      r.rss_after FROM requests r JOIN processes p ON p.id = r.process_id WHERE r.session_id = ? ORDER BY r.id`,
  events: `SELECT pid, t, source, level, message FROM events WHERE session_id = ? ORDER BY id`,
  scan_results: `SELECT method, path, route, sent, errors, statuses, verdict, confidence, retained_bytes_per_request,
      garbage_bytes_per_request, objects_per_request, reason, points, partial, started_at, ended_at, cause, gauges,
      retained_low, retained_high, blocks_per_request, requests_needed,
      json_remove(diagnosis, '$.snapshots') AS diagnosis,
      (SELECT group_concat(x.pid || '/' || x.label || '/' || x.t, '|') FROM json_each(scan_results.diagnosis, '$.snapshots') j
         JOIN snapshots x ON x.id = j.value) AS diagnosis_snapshots
    FROM scan_results WHERE session_id = ? ORDER BY id`,
  snapshots: `SELECT pid, label, t, frames, traced_bytes, rows_total, truncated, requests FROM snapshots
    WHERE session_id = ? ORDER BY t, pid, label`,
  snapshot_rows: `SELECT x.pid, x.label, x.t, si.id AS site, r.size, r.count FROM snapshot_rows r
      JOIN snapshots x ON x.id = r.snapshot_id JOIN sites si ON si.id = r.site_id
    WHERE x.session_id = ? ORDER BY x.t, x.pid, x.label`,
  censuses: `SELECT pid, label, t, total_objects FROM censuses WHERE session_id = ? ORDER BY t, pid, label`,
  census_rows: `SELECT c.pid, c.label, c.t, r.type, r.count, r.size FROM census_rows r
      JOIN censuses c ON c.id = r.census_id WHERE c.session_id = ? ORDER BY c.t, c.pid, c.label, r.type`,
  gauges: `SELECT pid, t, label, data FROM gauges WHERE session_id = ? ORDER BY t, pid, id`,
  actions: `SELECT pid, t, item, name, args, ok, error, result FROM actions WHERE session_id = ? ORDER BY t, id`,
  checklist: `SELECT item, done, t FROM checklist WHERE session_id = ? ORDER BY item`,
};

export function sessionDigest(db: Database.Database, sessionId: number): SessionDigest {
  const out: SessionDigest = {};
  // Sites are numbered per library: resolved to their tracebacks ("path:line" innermost first).
  const tracebacks = new Map<number, string>();
  const frameText = db.prepare(
    `SELECT f.id, fi.path || ':' || f.line AS text FROM frames f JOIN files fi ON fi.id = f.file_id WHERE f.id = ?`,
  );
  const siteFrames = db.prepare(`SELECT frames FROM sites WHERE id = ?`).pluck();
  const traceback = (site: number): string => {
    let text = tracebacks.get(site);
    if (text === undefined) {
      const ids = String(siteFrames.get(site) ?? '').split(',');
      text = ids
        .map((id) => (frameText.get(Number(id)) as { text: string } | undefined)?.text ?? '?')
        .join(' < ');
      tracebacks.set(site, text);
    }
    return text;
  };
  for (const [table, sql] of Object.entries(QUERIES)) {
    const hash = createHash('sha256');
    let rows = 0;
    const resolveSites = table === 'snapshot_rows';
    const lines: string[] = [];
    // Read first, resolved after: a connection runs no other statement while one iterates.
    for (const row of db.prepare(sql).all(sessionId) as Record<string, unknown>[]) {
      rows++;
      const value = resolveSites ? { ...row, site: traceback(row.site as number) } : row;
      if (resolveSites) lines.push(JSON.stringify(value));
      else hash.update(JSON.stringify(value)).update('\n');
    }
    // Rows of one snapshot have no order of their own: sorted once their sites are tracebacks.
    if (resolveSites) for (const line of lines.sort()) hash.update(line).update('\n');
    out[table] = { rows, sha256: hash.digest('hex') };
  }
  return out;
}

/** The digest of a session file's session (it keeps its id in the file), read from the file. */
export function fileDigest(file: string, sessionId: number): SessionDigest {
  const db = new Database(file, { readonly: true });
  try {
    return sessionDigest(db, sessionId);
  } finally {
    db.close();
  }
}
