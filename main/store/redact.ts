import type Database from 'better-sqlite3';

/**
 * Redaction of a shared session (on by default when exporting): absolute paths outside the project are
 * shortened (a virtualenv's site-packages and the standard library keep their tail, anything else its file
 * name), request query strings are dropped, and environment-style `NAME=value` words lose their value.
 * The project's own paths stay: they are what the diagnosis points at.
 */
export function shortenPath(file: string, project: string): string {
  const root = project.endsWith('/') ? project : `${project}/`;
  if (!file.startsWith('/') || file.startsWith(root) || file === project) return file;
  for (const marker of ['/site-packages/', '/dist-packages/']) {
    const at = file.indexOf(marker);
    if (at >= 0) return `…${file.slice(at)}`;
  }
  const stdlib = /\/lib\/python\d+\.\d+\//.exec(file);
  if (stdlib) return `…${file.slice(stdlib.index)}`;
  const bin = /\/bin\/[^/]+$/.exec(file);
  if (bin) return `…${bin[0]}`;
  return `…/${file.slice(file.lastIndexOf('/') + 1)}`;
}

/** Absolute paths outside the project, and values of NAME=value words, in free text (argv, log lines). */
export function redactText(text: string, project: string): string {
  return text
    .replace(/\/(?:[\w.@+-]+\/)*[\w.@+-]+/g, (p) => shortenPath(p, project))
    .replace(/\b([A-Z][A-Z0-9_]{2,})=("[^"]*"|'[^']*'|\S+)/g, '$1=…');
}

export const dropQuery = (p: string): string => p.replace(/\?.*$/s, '');

/** Redacts one session's rows in `schema` (the export being written), in place. */
export function redactSession(db: Database.Database, schema: string, project: string): void {
  const text = (v: unknown): unknown => (typeof v === 'string' ? redactText(v, project) : v);
  const session = db.prepare(`SELECT id, python, command, options FROM ${schema}.sessions`).get() as {
    id: number;
    python: string | null;
    command: string;
    options: string | null;
  };
  const argv = (JSON.parse(session.command) as string[]).map((a) => redactText(a, project));
  const options = session.options ? (JSON.parse(session.options) as Record<string, unknown>) : null;
  if (options && typeof options.python === 'string') options.python = shortenPath(options.python, project);
  db.prepare(
    `UPDATE ${schema}.sessions SET python = ?, command = ?, options = ?, error = ? WHERE id = ?`,
  ).run(
    session.python === null ? null : shortenPath(session.python, project),
    JSON.stringify(argv),
    options ? JSON.stringify(options) : null,
    text(db.prepare(`SELECT error FROM ${schema}.sessions`).pluck().get()) as string | null,
    session.id,
  );
  const update = (table: string, column: string, fn: (v: string) => string): void => {
    const rows = db
      .prepare(`SELECT rowid AS k, ${column} AS v FROM ${schema}.${table} ORDER BY rowid`)
      .all() as {
      k: number;
      v: string | null;
    }[];
    const set = db.prepare(`UPDATE ${schema}.${table} SET ${column} = ? WHERE rowid = ?`);
    for (const r of rows)
      if (r.v !== null) {
        const next = fn(r.v);
        if (next !== r.v) set.run(next, r.k);
      }
  };
  update('processes', 'argv', (v) =>
    JSON.stringify((JSON.parse(v) as string[]).map((a) => redactText(a, project))),
  );
  update('events', 'message', (v) => redactText(v, project));
  update('requests', 'path', dropQuery);
  update('scan_results', 'path', dropQuery);
  // File paths are unique: two files shortened alike keep apart by their id.
  const taken = new Set<string>();
  update('files', 'path', (v) => {
    let short = shortenPath(v, project);
    if (taken.has(short)) short = `${short} (${taken.size})`;
    taken.add(short);
    return short;
  });
  // Diagnoses carry tracebacks (library files absolute) and code lines.
  update('scan_results', 'diagnosis', (v) => {
    const d = JSON.parse(v) as { top_sites?: { traceback: { file: string }[] }[] };
    for (const site of d.top_sites ?? [])
      for (const f of site.traceback) f.file = shortenPath(f.file, project);
    return JSON.stringify(d);
  });
}
