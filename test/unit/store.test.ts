import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Library, LibraryError } from '../../main/store/library.ts';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../main/store/migrations.ts';
import { addScanResult, scanResults } from '../../main/store/scans.ts';
import {
  actionsFor,
  addAction,
  addGauges,
  doneItems,
  latestGauges,
  setDone,
} from '../../main/store/checklist.ts';
import type { GaugesDto } from '../../preload/contract.ts';
import {
  listSessions,
  processSummaries,
  routeSummaries,
  sampleSeries,
  sessionEvents,
  timelineRows,
} from '../../main/store/queries.ts';
import { MAX_PENDING, SessionWriter } from '../../main/store/writer.ts';
import { exportSession } from '../../main/store/session-export.ts';
import { importSession } from '../../main/store/session-import.ts';
import { fileDigest, sessionDigest } from '../../main/store/session-digest.ts';
import { sampleItem } from '../helpers/samples.ts';
import { buildStoppedSession } from '../helpers/shared-sessions.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function freshLibrary(): { lib: Library; file: string } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const file = path.join(t.dir, 'nested', 'library.sqlite');
  const lib = new Library(file);
  cleanups.unshift(() => lib.close());
  return { lib, file };
}

const sample = (t: number, rss: number) =>
  sampleItem(t, rss, {
    gc_count: [1, 2, 3],
    gc_collections: [4, 5, 6],
    gc_collected: [7, 8, 9],
    gc_uncollectable: [0, 1, 0],
    threads: 2,
  });

function newSession(lib: Library): number {
  return lib.createSession({
    name: 's',
    project: '/p',
    python: 'python3',
    server: 'runserver',
    command: ['x'],
    startedAt: 100,
  });
}

describe('Library', () => {
  it('creates the folder, migrates an empty file and marks it as ours', () => {
    const { lib } = freshLibrary();
    expect(lib.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(lib.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(lib.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('opens a version-0 file (the state before migration 1) and migrates it', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'old.sqlite');
    new Database(file).close();
    const lib = new Library(file);
    cleanups.unshift(() => lib.close());
    expect(newSession(lib)).toBe(1);
  });

  it('migration 2 opens a version-1 library, keeps its sessions and adds scan results', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'v1.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old
      .prepare(
        `INSERT INTO sessions (name, project, server, command, status, started_at) VALUES ('old', '/p', 'runserver', '[]', 'stopped', 5)`,
      )
      .run();
    old.close();
    const lib = new Library(file);
    cleanups.unshift(() => lib.close());
    expect(lib.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(lib.session(1)).toMatchObject({ name: 'old', status: 'stopped' });
    addScanResult(lib.db, 1, {
      method: 'GET',
      path: '/a/',
      route: 'a/',
      sent: 10,
      errors: 0,
      statuses: { 200: 10 },
      verdict: 'leak',
      cause: 'growth',
      confidence: 0.9,
      retained_bytes_per_request: 100,
      retained_range: null,
      blocks_per_request: 0,
      requests_needed: null,
      garbage_bytes_per_request: 0,
      objects_per_request: 1,
      reason: 'r',
      points: [],
      partial: false,
      started_at: 1,
      ended_at: 2,
    });
    expect(scanResults(lib.db, 1)).toMatchObject([
      { path: '/a/', verdict: 'leak', statuses: { 200: 10 }, partial: false },
    ]);
    expect(() => lib.db.prepare(`UPDATE scan_results SET verdict = 'maybe'`).run()).toThrow(/CHECK/);
  });

  it('migration 7 opens a version-6 library: old scans have no range; new ones keep range, blocks and what is needed', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'v6.sqlite');
    const old = new Database(file);
    for (const m of MIGRATIONS.slice(0, 6)) old.exec(m);
    old.pragma('user_version = 6');
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old
      .prepare(
        `INSERT INTO sessions (name, project, server, command, status, started_at) VALUES ('old', '/p', 'runserver', '[]', 'stopped', 5)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO scan_results (session_id, method, path, sent, errors, statuses, verdict, confidence,
           retained_bytes_per_request, garbage_bytes_per_request, objects_per_request, reason, points, partial,
           started_at, ended_at) VALUES (1, 'GET', '/old/', 100, 0, '{}', 'ok', 0.9, 10, 0, 0, 'flat', '[]', 0, 1, 2)`,
      )
      .run();
    old.close();
    const lib = new Library(file);
    cleanups.unshift(() => lib.close());
    expect(scanResults(lib.db, 1)).toMatchObject([
      { path: '/old/', retained_range: null, blocks_per_request: 0, requests_needed: null },
    ]);
    const row = {
      method: 'GET',
      path: '/new/',
      route: 'new/',
      sent: 700,
      errors: 0,
      statuses: { 200: 700 },
      verdict: 'inconclusive' as const,
      cause: null,
      confidence: 0,
      retained_bytes_per_request: 40,
      retained_range: [12, 95] as [number, number],
      blocks_per_request: 0.4,
      requests_needed: 900,
      garbage_bytes_per_request: 0,
      objects_per_request: 0,
      reason: 'r',
      points: [],
      partial: false,
      started_at: 1,
      ended_at: 2,
    };
    addScanResult(lib.db, 1, row);
    expect(scanResults(lib.db, 1)[1]).toMatchObject({
      retained_range: [12, 95],
      blocks_per_request: 0.4,
      requests_needed: 900,
    });
  });

  it('migration 4 opens a version-3 library: old scans keep no gauges; gauges, actions and ticks are stored', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'v3.sqlite');
    const old = new Database(file);
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.pragma('user_version = 3');
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old
      .prepare(
        `INSERT INTO sessions (name, project, server, command, status, started_at) VALUES ('v3', '/p', 'runserver', '[]', 'stopped', 5)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO scan_results (session_id, method, path, sent, errors, statuses, verdict, confidence,
           retained_bytes_per_request, garbage_bytes_per_request, objects_per_request, reason, points, partial,
           started_at, ended_at) VALUES (1, 'GET', '/a/', 10, 0, '{}', 'leak', 0.9, 100, 0, 1, 'r', '[]', 0, 1, 2)`,
      )
      .run();
    old.close();
    const lib = new Library(file);
    cleanups.unshift(() => lib.close());
    expect(scanResults(lib.db, 1)).toMatchObject([{ path: '/a/', gauges: null, diagnosis: null }]);
    const g = { pid: 7, t: 10, elapsed_ms: 1 } as GaugesDto;
    addGauges(lib.db, 1, 'a', [g]);
    addGauges(lib.db, 1, 'b', [
      { ...g, t: 11 },
      { ...g, pid: 8, t: 9 },
    ]);
    expect(latestGauges(lib.db, 1).map((x) => [x.pid, x.t])).toEqual([
      [7, 11],
      [8, 9],
    ]);
    const id = addAction(lib.db, 1, {
      pid: 7,
      t: 12,
      item: 'garbage-collection',
      name: 'gc_collect',
      args: { name: 'gc_collect' },
      ok: true,
      error: null,
      result: { before: null, after: null, effect: { collected: 3 }, message: 'm' },
    });
    expect(actionsFor(lib.db, 1)).toEqual([
      expect.objectContaining({ id, ok: true, effect: { collected: 3 }, item: 'garbage-collection' }),
    ]);
    setDone(lib.db, 1, 'weakref', true);
    setDone(lib.db, 1, 'weakref', false);
    setDone(lib.db, 1, 'clear-caches', true);
    expect(doneItems(lib.db, 1)).toEqual(['clear-caches']);
    expect(() => lib.db.prepare(`INSERT INTO checklist VALUES (1, 'other', 1, 0)`).run()).toThrow(/CHECK/);
    lib.deleteSession(1);
    expect(lib.db.prepare('SELECT count(*) FROM gauges').pluck().get()).toBe(0);
  });

  it('holds at most MAX_PENDING rows while writes fail, and counts the rest as dropped', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const lib = new Library(path.join(t.dir, 'l.sqlite'));
    cleanups.unshift(() => lib.close());
    const id = newSession(lib);
    const proc = lib.addProcess(id, { pid: 1, ppid: 0, role: 'main', argv: [], t: 0 });
    const writer = new SessionWriter(lib.db, id);
    writer.addSamples(
      proc,
      Array.from({ length: MAX_PENDING + 5 }, (_, i) => sampleItem(i, 1)),
    );
    writer.addEvent('engine', 'info', 'one more');
    expect(writer.pending).toBe(MAX_PENDING);
    expect(writer.dropped).toBe(6);
    expect(writer.flush()).toBe(MAX_PENDING);
    expect(writer.pending).toBe(0);
  });

  it('migration 5 rolls up the samples of a version-4 library; new samples keep the rollup exact', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'v4.sqlite');
    const old = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    old.pragma('user_version = 4');
    old.pragma(`application_id = ${APPLICATION_ID}`);
    old.exec(`INSERT INTO sessions (id, name, project, server, command, status, started_at)
      VALUES (1, 'v4', '/p', 'runserver', '[]', 'stopped', 0);
      INSERT INTO processes (id, session_id, pid, ppid, role, argv, started_at) VALUES (1, 1, 9, 1, 'main', '[]', 0);`);
    const insert = old.prepare('INSERT INTO samples VALUES (1, ?, ?, 0, 0, 0, ?, 0, 0, 0, 0, 1, 1, NULL)');
    for (let i = 0; i < 300; i++) insert.run(i / 10, 1000 + ((i * 37) % 101), i);
    old.close();
    const lib = new Library(file);
    cleanups.unshift(() => lib.close());
    const level10 = lib.db
      .prepare(
        'SELECT bucket, rss_min, rss_max, n, gc_last FROM sample_rollup WHERE level = 10 ORDER BY bucket',
      )
      .all();
    const raw = lib.db
      .prepare(
        `SELECT CAST(t / 10 AS INTEGER) AS bucket, min(rss) AS rss_min, max(rss) AS rss_max, count(*) AS n,
           max(collections0) AS gc_last FROM samples GROUP BY 1 ORDER BY 1`,
      )
      .all();
    expect(level10).toEqual(raw);
    // New samples through the writer: min and max at their own times, the last collection count, counts.
    const writer = new SessionWriter(lib.db, 1);
    const s = (t: number, rss: number, gc: number, heap: number | null = null) =>
      sampleItem(t, rss, { heap, gc_collections: [gc, 1, 1] });
    writer.addSamples(1, [s(121.5, 50, 7, 40), s(122.5, 10, 8)]);
    writer.flush(true);
    writer.addSamples(1, [s(125, 90, 9, 30), s(126, 80, 9, 45)]);
    writer.flush();
    // The open bucket is written at the final flush (or after ROLLUP_WRITE_MS); rows written twice add up.
    expect(lib.db.prepare('SELECT n FROM sample_rollup WHERE level = 120 AND bucket = 1').pluck().get()).toBe(
      2,
    );
    // A bucket whose samples had no heap figure keeps NULLs; one that has some keeps their min and max.
    expect(
      lib.db.prepare('SELECT heap_min, heap_max FROM sample_rollup WHERE level = 1 AND bucket = 122').get(),
    ).toEqual({ heap_min: null, heap_max: null });
    writer.flush(true);
    expect(
      lib.db.prepare('SELECT * FROM sample_rollup WHERE level = 120 AND bucket = 1').get(),
    ).toMatchObject({
      t_first: 121.5,
      t_last: 126,
      rss_min: 10,
      t_rss_min: 122.5,
      rss_max: 90,
      t_rss_max: 125,
      gc_last: 11,
      n: 4,
      heap_min: 30,
      t_heap_min: 125,
      heap_max: 45,
      t_heap_max: 126,
    });
    // The timeline reads the heap at its own times, from raw samples and from rollups alike.
    const raw1 = timelineRows(lib.db, 1, 121, 127, 800);
    expect(raw1.level).toBeNull();
    expect(raw1.processes[0]!.heap).toEqual({ t: [121.5, 125, 126], v: [40, 30, 45] });
    const rolled = timelineRows(lib.db, 1, 0, 130, 1);
    expect(rolled.level).toBe(120);
    expect(rolled.processes[0]!.heap).toEqual({ t: [125, 126], v: [30, 45] });
  });

  it('refuses a library from a newer djleak and a SQLite file of another application', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const newer = path.join(t.dir, 'newer.sqlite');
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => new Library(newer)).toThrow(/newer djleak/);
    const other = path.join(t.dir, 'other.sqlite');
    const db2 = new Database(other);
    db2.exec('CREATE TABLE x (a)');
    db2.pragma('user_version = 1');
    db2.close();
    expect(() => new Library(other)).toThrow(LibraryError);
    expect(() => new Library(other)).toThrow(/not a djleak library/);
  });

  it('writes buffered rows in one flush and reads them back by session and process', () => {
    const { lib } = freshLibrary();
    const id = newSession(lib);
    const p1 = lib.addProcess(id, { pid: 10, ppid: 1, role: 'main', argv: ['a'], t: 100 });
    const p2 = lib.addProcess(id, { pid: 11, ppid: 10, role: 'worker', argv: ['a'], t: 100 });
    lib.setProcessRole(p1, 'master');
    const writer = new SessionWriter(lib.db, id);
    writer.addSamples(p1, [sample(101, 1000), sample(101.1, 3000), sample(101.2, 2000)]);
    writer.addSamples(p2, [sample(101, 500)]);
    writer.addRequests(p2, [
      {
        t: 101,
        method: 'GET',
        route: 'a/',
        path: '/a/',
        status: 200,
        duration_ms: 2,
        rss_before: 10,
        rss_after: 30,
      },
      {
        t: 102,
        method: 'GET',
        route: 'a/',
        path: '/a/',
        status: 500,
        duration_ms: 4,
        rss_before: 30,
        rss_after: 40,
      },
      {
        t: 103,
        method: 'GET',
        route: null,
        path: '/nope',
        status: 404,
        duration_ms: 1,
        rss_before: 40,
        rss_after: 40,
      },
    ]);
    writer.addEvent('stderr', 'warning', 'hello', null, 101);
    expect(sampleSeries(lib.db, p1)).toHaveLength(0);
    // The last flush of a session also writes its open rollup buckets (the summaries read them).
    expect(writer.flush(true)).toBe(8);
    expect(writer.pending).toBe(0);

    const [summary] = listSessions(lib.db);
    expect(summary).toMatchObject({ id, processes: 2, requests: 3, peak_rss: 3000 });
    const procs = processSummaries(lib.db, id);
    expect(procs.map((p) => [p.pid, p.role, p.samples, p.rss_first, p.rss_last, p.rss_peak])).toEqual([
      [10, 'master', 3, 1000, 2000, 3000],
      [11, 'worker', 1, 500, 500, 500],
    ]);
    const routes = routeSummaries(lib.db, id);
    expect(routes[0]).toMatchObject({
      route: 'a/',
      requests: 2,
      errors: 1,
      mean_duration_ms: 3,
      rss_delta_total: 30,
    });
    expect(routes[1]).toMatchObject({ route: null, requests: 1 });
    expect(sampleSeries(lib.db, p1, 101.05, 101.15).map((s) => s.rss)).toEqual([3000]);
    expect(sessionEvents(lib.db, id)[0]).toMatchObject({ source: 'stderr', message: 'hello' });
  });

  it('keeps rows buffered when a flush fails, and the constraint keeps bad rows out', () => {
    const { lib } = freshLibrary();
    const id = newSession(lib);
    const writer = new SessionWriter(lib.db, id);
    writer.addSamples(9999, [sample(1, 1)]); // no such process: the foreign key refuses it
    expect(() => writer.flush()).toThrow(/FOREIGN KEY/);
    expect(writer.pending).toBe(1);
    expect(lib.db.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(0);
  });

  it('marks sessions left running by a dead engine as interrupted on the next open', () => {
    const { lib, file } = freshLibrary();
    const alive = newSession(lib);
    const dead = newSession(lib);
    lib.updateSession(alive, { status: 'running' });
    lib.updateSession(dead, { status: 'running' });
    // A pid that cannot exist: the engine that owned this session is gone.
    lib.db.prepare('UPDATE sessions SET engine_pid = 2147483646 WHERE id = ?').run(dead);
    lib.close();
    const reopened = new Library(file);
    cleanups.unshift(() => reopened.close());
    expect(reopened.session(dead)?.status).toBe('interrupted');
    expect(reopened.session(alive)?.status).toBe('running');
  });

  it('deletes a session with everything under it', () => {
    const { lib } = freshLibrary();
    const id = newSession(lib);
    const p = lib.addProcess(id, { pid: 10, ppid: 1, role: 'main', argv: [], t: 1 });
    const writer = new SessionWriter(lib.db, id);
    writer.addSamples(p, [sample(1, 1)]);
    writer.flush();
    expect(lib.deleteSession(id)).toBe(true);
    expect(lib.db.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(0);
    expect(lib.deleteSession(id)).toBe(false);
  });
});

describe('a shared session keeps how it ended', () => {
  it('exported after it ended: its status and end as they were; exported while running: ended at its last sample, and says so', async () => {
    const { lib, file } = freshLibrary();
    const dir = path.dirname(file);
    const other = new Library(path.join(dir, 'other', 'library.sqlite')); // the colleague's
    cleanups.unshift(() => other.close());
    // 600 s from t=1000, two samples a second: the last one at 1599.5
    const spec = { startedAt: 1000, seconds: 600, rss: 50e6, growth: 1000, scans: [] };
    const stopped = buildStoppedSession(lib, { ...spec, name: 'stopped' });
    const crashed = buildStoppedSession(lib, { ...spec, name: 'crashed' });
    lib.updateSession(crashed, { status: 'crashed', exit_code: -9, ended_at: 1601.25 });
    // still running in this engine (its engine_pid is this process), as the app's Export… on a live session
    const live = buildStoppedSession(lib, { ...spec, name: 'live' });
    lib.updateSession(live, { status: 'running', ended_at: null });
    lib.db.prepare('UPDATE processes SET ended_at = NULL WHERE session_id = ?').run(live);

    const shared = async (id: number, edit?: (db: Database.Database) => void) => {
      const out = path.join(dir, `${id}.djleak`);
      exportSession(lib.db, id, out, { redact: true });
      const file = new Database(out);
      const inFile = file.prepare('SELECT status, ended_at FROM sessions').get();
      edit?.(file);
      file.close();
      const { sessionId } = await importSession(other.db, out);
      const row = listSessions(other.db).find((s) => s.id === sessionId)!;
      return { out, inFile, sessionId, row, origin: JSON.parse(row.origin!) as Record<string, unknown> };
    };

    for (const [id, status, end] of [
      [stopped, 'stopped', 1600],
      [crashed, 'crashed', 1601.25],
    ] as const) {
      const { row, origin } = await shared(id);
      expect(row).toMatchObject({ status, started_at: 1000, ended_at: end });
      expect(origin).not.toHaveProperty('status_at_export');
    }

    // The file says what it was at export (running) and where it ends; the import is cut short there.
    const running = await shared(live);
    expect(running.inFile).toEqual({ status: 'running', ended_at: 1599.5 });
    expect(running.row).toMatchObject({ status: 'interrupted', started_at: 1000, ended_at: 1599.5 });
    expect(running.origin).toMatchObject({ status_at_export: 'running', original_id: live });
    // the digest printed for the file is the imported session's
    expect(sessionDigest(other.db, running.sessionId)).toEqual(fileDigest(running.out, live));
    expect(lib.session(live)).toMatchObject({ status: 'running', ended_at: null }); // the library is untouched

    // A file of an older djleak, exported while running with no end: ends at its last sample too.
    const older = await shared(live, (db) => db.exec('UPDATE sessions SET ended_at = NULL'));
    expect(older.row).toMatchObject({ status: 'interrupted', ended_at: 1599.5 });
    expect(older.origin).toMatchObject({ status_at_export: 'running' });
  });
});
