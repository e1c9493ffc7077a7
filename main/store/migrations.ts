import type Database from 'better-sqlite3';

/** 'djlk': marks a library as ours (PRAGMA application_id). */
export const APPLICATION_ID = 0x646a6c6b;
/** 'djls': a shared session file (`.djleak`): the library's schema, holding one session. */
export const SESSION_FILE_ID = 0x646a6c73;

/** Numbered, append-only. A library's PRAGMA user_version is the number of migrations applied. */
export const MIGRATIONS: readonly string[] = [
  // 1: sessions, processes, samples, requests, events
  `
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    project TEXT NOT NULL,
    python TEXT,
    python_version TEXT,
    django TEXT,
    server TEXT NOT NULL CHECK (server IN ('runserver', 'gunicorn')),
    command TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('starting', 'running', 'stopped', 'crashed', 'failed', 'interrupted')),
    error TEXT,
    exit_code INTEGER,
    engine_pid INTEGER,
    started_at REAL NOT NULL,
    ended_at REAL
  ) STRICT;

  CREATE TABLE processes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    ppid INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('main', 'master', 'worker')),
    argv TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    UNIQUE (session_id, pid)
  ) STRICT;

  CREATE TABLE samples (
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    rss INTEGER NOT NULL,
    gc_count0 INTEGER NOT NULL,
    gc_count1 INTEGER NOT NULL,
    gc_count2 INTEGER NOT NULL,
    collections0 INTEGER NOT NULL,
    collections1 INTEGER NOT NULL,
    collections2 INTEGER NOT NULL,
    collected INTEGER NOT NULL,
    uncollectable INTEGER NOT NULL,
    gc_enabled INTEGER NOT NULL,
    threads INTEGER NOT NULL,
    fds INTEGER
  ) STRICT;
  CREATE INDEX samples_by_process_time ON samples (process_id, t);

  CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    method TEXT NOT NULL,
    route TEXT,
    view TEXT,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    rss_before INTEGER NOT NULL,
    rss_after INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX requests_by_session_route ON requests (session_id, route, method);
  CREATE INDEX requests_by_process_time ON requests (process_id, t);

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER,
    t REAL NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('stdout', 'stderr', 'probe', 'engine')),
    level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warning', 'error')),
    message TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_by_session ON events (session_id, id);
  `,
  // 2: per-endpoint results of leak scans
  `
  CREATE TABLE scan_results (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    route TEXT,
    sent INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    statuses TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('leak', 'ok', 'inconclusive')),
    confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    retained_bytes_per_request INTEGER NOT NULL,
    garbage_bytes_per_request INTEGER NOT NULL,
    objects_per_request REAL NOT NULL,
    reason TEXT NOT NULL,
    points TEXT NOT NULL,
    partial INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    ended_at REAL NOT NULL
  ) STRICT;
  CREATE INDEX scan_results_by_session ON scan_results (session_id, id);
  `,
  // 3: tracemalloc snapshots with interned files, frames and sites (tracebacks); type censuses
  `
  CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE frames (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id),
    line INTEGER NOT NULL,
    UNIQUE (file_id, line)
  ) STRICT;
  -- A site is a traceback: frame ids innermost first, comma-separated.
  CREATE TABLE sites (id INTEGER PRIMARY KEY, frames TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    label TEXT NOT NULL,
    t REAL NOT NULL,
    frames INTEGER NOT NULL,
    traced_bytes INTEGER NOT NULL,
    rows_total INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    requests INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX snapshots_by_session ON snapshots (session_id, t);
  CREATE TABLE snapshot_rows (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    size INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, site_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE censuses (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    label TEXT NOT NULL,
    t REAL NOT NULL,
    total_objects INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE census_rows (
    census_id INTEGER NOT NULL REFERENCES censuses(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    count INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (census_id, type)
  ) STRICT, WITHOUT ROWID;
  -- Where a leaking endpoint allocates and what holds it (JSON), from a traced window after the verdict.
  ALTER TABLE scan_results ADD COLUMN diagnosis TEXT;
  ALTER TABLE scan_results ADD COLUMN cause TEXT CHECK (cause IN ('growth', 'garbage'));
  `,
  // 4: the checklist: gauges (what the detectors read), fix actions with their before/after figures, the
  // items the user ticked, and the session a re-run follows (verify a fix).
  `
  ALTER TABLE scan_results ADD COLUMN gauges TEXT;
  CREATE TABLE gauges (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    t REAL NOT NULL,
    label TEXT NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX gauges_by_session ON gauges (session_id, t);
  CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    t REAL NOT NULL,
    item TEXT,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    error TEXT,
    result TEXT
  ) STRICT;
  CREATE INDEX actions_by_session ON actions (session_id, t);
  CREATE TABLE checklist (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    item TEXT NOT NULL CHECK (item IN ('clear-caches', 'close-db-connections', 'destroy-session-data',
      'garbage-collection', 'weakref')),
    done INTEGER NOT NULL CHECK (done IN (0, 1)),
    t REAL NOT NULL,
    PRIMARY KEY (session_id, item)
  ) STRICT, WITHOUT ROWID;
  ALTER TABLE sessions ADD COLUMN follows INTEGER REFERENCES sessions(id) ON DELETE SET NULL;
  -- How the session was started (StartInvestigationArgs) and its last scan's scenario: what a re-run repeats.
  ALTER TABLE sessions ADD COLUMN options TEXT;
  ALTER TABLE sessions ADD COLUMN scenario TEXT;
  -- Where an imported session came from (JSON: file, imported_at, exported_at, original id, redacted).
  ALTER TABLE sessions ADD COLUMN origin TEXT;
  `,
  // 5: long sessions: requests by time, and samples rolled up per 1, 10, 30 and 120 s (min and max RSS with
  // their times, the last collection count, how many samples), kept at each flush, so a timeline of hours
  // reads a few thousand rows instead of a million. Existing samples are rolled up here.
  `
  CREATE INDEX requests_by_session_time ON requests (session_id, t);
  CREATE TABLE sample_rollup (
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    level INTEGER NOT NULL CHECK (level IN (1, 10, 30, 120)),
    bucket INTEGER NOT NULL,
    t_first REAL NOT NULL,
    t_last REAL NOT NULL,
    rss_min INTEGER NOT NULL,
    t_rss_min REAL NOT NULL,
    rss_max INTEGER NOT NULL,
    t_rss_max REAL NOT NULL,
    gc_last INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (process_id, level, bucket)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO sample_rollup
    SELECT process_id, level, CAST(floor(t / level) AS INTEGER), min(t), max(t), min(rss), min(t), max(rss), max(t),
      max(collections0 + collections1 + collections2), count(*)
    FROM samples, (SELECT 1 AS level UNION ALL SELECT 10 UNION ALL SELECT 30 UNION ALL SELECT 120)
    GROUP BY process_id, level, CAST(floor(t / level) AS INTEGER);
  `,
  // 6: the heap in use (pymalloc + malloc) per sample, and its min and max with their times per rollup bucket;
  // NULL where the probe could not read it (no glibc) or predates it.
  `
  ALTER TABLE samples ADD COLUMN heap INTEGER;
  ALTER TABLE sample_rollup ADD COLUMN heap_min INTEGER;
  ALTER TABLE sample_rollup ADD COLUMN t_heap_min REAL;
  ALTER TABLE sample_rollup ADD COLUMN heap_max INTEGER;
  ALTER TABLE sample_rollup ADD COLUMN t_heap_max REAL;
  `,
  // 7: verdicts decided from the measured noise: the 95 % interval of the bytes retained per request, the
  // allocated blocks per request beside them, and how many more requests would decide an inconclusive one.
  `
  ALTER TABLE scan_results ADD COLUMN retained_low REAL;
  ALTER TABLE scan_results ADD COLUMN retained_high REAL;
  ALTER TABLE scan_results ADD COLUMN blocks_per_request REAL;
  ALTER TABLE scan_results ADD COLUMN requests_needed INTEGER;
  `,
  // 8: the routes a discovery scan could not fill with an example path, with why (JSON [{route, reason}]):
  // listed beside its results, in the app as in the report.
  `
  ALTER TABLE sessions ADD COLUMN skipped TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class NewerLibraryError extends Error {}

/** Brings a database (a library, or a session file with `appId` SESSION_FILE_ID) to SCHEMA_VERSION, one
 * transaction per migration. */
export function migrate(db: Database.Database, appId = APPLICATION_ID): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new NewerLibraryError(
      `this library was made by a newer djleak (schema ${current}; this one knows up to ${SCHEMA_VERSION})`,
    );
  }
  const found = db.pragma('application_id', { simple: true }) as number;
  if (current > 0 && found !== appId) {
    throw new Error('this SQLite file is not a djleak library (application_id differs)');
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
      db.pragma(`application_id = ${appId}`);
    })();
  }
}
