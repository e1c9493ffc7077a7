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

/** What a redacted environment value reads. */
export const REDACTED = '…';

/** A stored scenario without who its requests were: the user it logged in as, its headers' values (a token),
 * its endpoints' query strings. */
function redactScenario(json: string): string {
  const scenario = JSON.parse(json) as {
    login?: string;
    headers?: Record<string, string>;
    endpoints?: { path: string; headers?: Record<string, string> }[];
  };
  const blank = (headers: Record<string, string>) =>
    Object.fromEntries(Object.keys(headers).map((k) => [k, REDACTED]));
  if (scenario.login !== undefined) scenario.login = REDACTED;
  if (scenario.headers) scenario.headers = blank(scenario.headers);
  for (const e of scenario.endpoints ?? []) {
    e.path = dropQuery(e.path);
    if (e.headers) e.headers = blank(e.headers);
  }
  return JSON.stringify(scenario);
}

/**
 * The session's environment (its start options' `env`) with every value replaced, and the values worth looking
 * for in its text: the target may have printed one (a settings dump, a connection string in a traceback).
 * Values under 4 characters (`1`, `on`) are not searched: they would blank unrelated text.
 */
function redactEnvironment(options: Record<string, unknown> | null): string[] {
  const env = options?.env;
  if (!env || typeof env !== 'object') return [];
  const values = Object.values(env as Record<string, unknown>).filter(
    (v): v is string => typeof v === 'string',
  );
  options!.env = Object.fromEntries(Object.keys(env).map((k) => [k, REDACTED]));
  return [...new Set(values.filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
}

const withoutValues = (text: string, values: readonly string[]): string =>
  values.reduce((t, v) => t.split(v).join(REDACTED), text);

/**
 * Redacts one session's rows in `schema` (the export being written), in place. The environment it was
 * started with keeps its names; its values are replaced, there and wherever the target's output repeated them.
 */
export function redactSession(db: Database.Database, schema: string, project: string): void {
  const session = db.prepare(`SELECT id, python, command, options FROM ${schema}.sessions`).get() as {
    id: number;
    python: string | null;
    command: string;
    options: string | null;
  };
  const options = session.options ? (JSON.parse(session.options) as Record<string, unknown>) : null;
  if (options && typeof options.python === 'string') options.python = shortenPath(options.python, project);
  const secrets = redactEnvironment(options);
  const clean = (v: string): string => redactText(withoutValues(v, secrets), project);
  const text = (v: unknown): unknown => (typeof v === 'string' ? clean(v) : v);
  const argv = (JSON.parse(session.command) as string[]).map(clean);
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
  update('processes', 'argv', (v) => JSON.stringify((JSON.parse(v) as string[]).map(clean)));
  update('events', 'message', clean);
  update('requests', 'path', dropQuery);
  update('scan_results', 'path', dropQuery);
  update('sessions', 'scenario', redactScenario);
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
