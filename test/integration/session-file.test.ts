import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import type { Engine } from '../../main/engine.ts';
import { MIGRATIONS, SCHEMA_VERSION, SESSION_FILE_ID } from '../../main/store/migrations.ts';
import { sessionDigest } from '../../main/store/session-digest.ts';
import type { EngineEvent } from '../../preload/contract.ts';
import { demoPython } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { buildOneHourSession } from '../helpers/synthetic.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let engine: Engine;
let handlers: ReturnType<typeof createHandlers>;
let dir: string;
let demoSession: number;
let exported: string;
/** The demo exported while it ran (the app's Export… on a live session), with the digest printed for it. */
let exportedRunning: { file: string; digest: Record<string, { rows: number; sha256: string }> };

/** Everything the library holds, hashed: a refused import must leave it exactly as it was. */
function libraryState(): string {
  engine.library.db.pragma('wal_checkpoint(TRUNCATE)');
  return sha(engine.library.file);
}

describe('session files (.djleak)', () => {
  beforeAll(async () => {
    engine = testEngine(cleanups);
    handlers = createHandlers(engine);
    const t = tempDir();
    cleanups.push(t.cleanup);
    dir = t.dir;
    // A real session with every kind of row: samples, requests, snapshots, censuses, a scan with its
    // diagnosis and gauges, an action and a tick.
    const { sessionId, port } = await dispatch(handlers, 'investigation.start', {
      demo: true,
      python: demoPython,
    });
    demoSession = sessionId;
    let done = false;
    engine.onEvent((e) => void (done ||= e.kind === 'scan-done' && e.sessionId === sessionId));
    await dispatch(handlers, 'snapshots.take', { sessionId, label: 'first' });
    for (let i = 0; i < 20; i++)
      await (await fetch(`http://127.0.0.1:${port}/cache/leak/?page=${i}`)).arrayBuffer();
    await dispatch(handlers, 'snapshots.take', { sessionId, label: 'second' });
    await dispatch(handlers, 'scan.start', {
      sessionId,
      scenario: {
        endpoints: [{ path: '/gc/leak/', requests: 60 }],
        rounds: 3,
        warmup: 0,
        headers: { 'X-Api-Token': 'tok-3f9a' },
      },
    });
    await until(() => done, 'the scan', 90_000);
    await dispatch(handlers, 'actions.run', { sessionId, name: 'gc_collect', item: 'garbage-collection' });
    await dispatch(handlers, 'checklist.tick', { sessionId, item: 'garbage-collection', done: true });
    exportedRunning = await dispatch(handlers, 'sessions.export', {
      id: sessionId,
      file: path.join(dir, 'running.djleak'),
      redact: false,
    });
    await dispatch(handlers, 'investigation.stop', { sessionId });
    exported = path.join(dir, 'demo.djleak');
  }, 180_000);

  it('export → import reproduces the session exactly (rows and a content hash of every table)', async () => {
    const out = await dispatch(handlers, 'sessions.export', {
      id: demoSession,
      file: exported,
      redact: false,
    });
    expect(out).toMatchObject({ file: exported, redacted: false });
    expect(out.bytes).toBe(statSync(exported).size);
    for (const table of [
      'samples',
      'requests',
      'snapshots',
      'snapshot_rows',
      'census_rows',
      'scan_results',
      'gauges',
      'actions',
      'checklist',
    ])
      expect(out.digest[table]!.rows, table).toBeGreaterThan(0);
    const file = new Database(exported, { readonly: true });
    expect(file.pragma('application_id', { simple: true })).toBe(SESSION_FILE_ID);
    expect(file.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(file.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(1);
    file.close();

    const before = sha(exported);
    const { sessionId } = await dispatch(handlers, 'sessions.import', { file: exported });
    expect(sha(exported)).toBe(before); // the source is never modified
    expect(sessionId).not.toBe(demoSession);
    expect(sessionDigest(engine.library.db, sessionId)).toEqual(out.digest);
    const imported = engine.library.session(sessionId)!;
    expect(JSON.parse(imported.origin!)).toMatchObject({ file: exported, original_id: demoSession });
    // The diagnosis points at the imported snapshots, which diff as the originals did.
    const [scan] = await dispatch(handlers, 'sessions.scans', { id: sessionId });
    const [a, b] = scan!.diagnosis!.snapshots!;
    const [oa, ob] = (await dispatch(handlers, 'sessions.scans', { id: demoSession }))[0]!.diagnosis!
      .snapshots!;
    expect([a, b]).not.toEqual([oa, ob]);
    const diff = (x: number, y: number) => dispatch(handlers, 'snapshots.diff', { before: x, after: y });
    expect((await diff(a!, b!)).rows.map((r) => [r.key.replace(/^.*\//, ''), r.size_diff])).toEqual(
      (await diff(oa!, ob!)).rows.map((r) => [r.key.replace(/^.*\//, ''), r.size_diff]),
    );
    expect((await dispatch(handlers, 'checklist.get', { sessionId })).done).toEqual(['garbage-collection']);

    // Into a library of its own (another machine): the same digest.
    const other = testEngine(cleanups);
    const there = await dispatch(createHandlers(other), 'sessions.import', { file: exported });
    expect(sessionDigest(other.library.db, there.sessionId)).toEqual(out.digest);
  });

  it('a session exported while it ran is imported as cut short at its last sample, and says so', async () => {
    const file = new Database(exportedRunning.file, { readonly: true });
    const inFile = file.prepare('SELECT status, started_at, ended_at FROM sessions').get() as {
      status: string;
      started_at: number;
      ended_at: number;
    };
    const lastSample = file.prepare('SELECT max(t) FROM samples').pluck().get() as number;
    file.close();
    // the file keeps its status at export, and ends where its samples end
    expect(inFile).toMatchObject({ status: 'running', ended_at: lastSample });
    expect(lastSample).toBeGreaterThan(inFile.started_at);

    const { sessionId } = await dispatch(handlers, 'sessions.import', { file: exportedRunning.file });
    const imported = (await dispatch(handlers, 'sessions.list', {})).find((s) => s.id === sessionId)!;
    expect(imported).toMatchObject({
      status: 'interrupted',
      started_at: inFile.started_at,
      ended_at: lastSample,
    });
    expect(JSON.parse(imported.origin!)).toMatchObject({
      status_at_export: 'running',
      original_id: demoSession,
    });
    expect(sessionDigest(engine.library.db, sessionId)).toEqual(exportedRunning.digest);
    // the original ran on and was stopped: its own status and end
    const original = engine.library.session(demoSession)!;
    expect(original.status).toBe('stopped');
    expect(original.ended_at!).toBeGreaterThan(lastSample);
  });

  it('imports the same file twice as two sessions, without a clash', async () => {
    const first = await dispatch(handlers, 'sessions.import', { file: exported });
    const second = await dispatch(handlers, 'sessions.import', { file: exported });
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(sessionDigest(engine.library.db, second.sessionId)).toEqual(
      sessionDigest(engine.library.db, first.sessionId),
    );
  });

  it('redacts by default: paths outside the project shortened, query strings and NAME=value values dropped', async () => {
    const file = path.join(dir, 'redacted.djleak');
    const out = await dispatch(handlers, 'sessions.export', { id: demoSession, file });
    expect(out.redacted).toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      const session = db.prepare('SELECT project, python, command FROM sessions').get() as Record<
        string,
        string
      >;
      expect(session.project).toBe(engine.library.session(demoSession)!.project);
      expect(session.python).toMatch(/^…\/bin\/python/);
      expect(session.command).not.toContain(path.dirname(demoPython));
      const paths = db.prepare('SELECT path FROM requests').pluck().all() as string[];
      expect(paths.some((p) => p.startsWith('/cache/leak/'))).toBe(true);
      expect(paths.some((p) => p.includes('?'))).toBe(false);
      const files = db.prepare('SELECT path FROM files').pluck().all() as string[];
      // (tracemalloc also names frozen modules, "<frozen codecs>": not paths.)
      for (const f of files.filter((x) => x.startsWith('/')))
        expect(f.startsWith(session.project!), f).toBe(true);
      expect(files.some((f) => f.startsWith(session.project!))).toBe(true);
      expect(files.some((f) => f.startsWith('…/site-packages/django/'))).toBe(true);
      // the scan's headers keep their names, not their values (a token)
      const scenario = JSON.parse(db.prepare('SELECT scenario FROM sessions').pluck().get() as string);
      expect(scenario.headers).toEqual({ 'X-Api-Token': '…' });
      expect(JSON.stringify(scenario)).not.toContain('tok-3f9a');
    } finally {
      db.close();
    }
    const { sessionId } = await dispatch(handlers, 'sessions.import', { file });
    // Project lines still diagnose: the top site of the redacted copy is the planted line.
    const [scan] = await dispatch(handlers, 'sessions.scans', { id: sessionId });

    expect(scan!.diagnosis!.top_sites[0]).toMatchObject({ file: 'shop/menu.py', line: 69 });
  });

  describe('refused files leave the library byte-for-byte unchanged, each with its reason', () => {
    const refused = async (file: string, message: RegExp): Promise<void> => {
      const state = libraryState();
      const sessions = engine.library.db.prepare('SELECT count(*) FROM sessions').pluck().get();
      const source = sha(file);
      await expect(dispatch(handlers, 'sessions.import', { file })).rejects.toMatchObject({
        code: 'bad-input',
        message: expect.stringMatching(message),
      });
      expect(sha(file)).toBe(source);
      expect(engine.library.db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(sessions);
      expect(libraryState()).toBe(state);
    };
    const variant = (name: string, change: (db: Database.Database) => void): string => {
      const file = path.join(dir, name);
      copyFileSync(exported, file);
      const db = new Database(file);
      change(db);
      db.close();
      return file;
    };

    it('a truncated file', async () => {
      const file = path.join(dir, 'truncated.djleak');
      const whole = readFileSync(exported);
      writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
      await refused(file, /^truncated\.djleak is truncated: \d+ bytes of the \d+ its header announces$/);
      writeFileSync(file, whole.subarray(0, 60));
      await refused(file, /is truncated \(the SQLite header is incomplete\)/);
    });

    it('random bytes', async () => {
      const file = path.join(dir, 'random.djleak');
      const bytes = randomBytes(64 * 1024);
      // one time in 256 they would open with '{', which is read as a probe recording (NDJSON)
      if (bytes[0] === 0x7b) bytes[0] = 0;
      writeFileSync(file, bytes);
      await refused(file, /^random\.djleak is not a djleak session file \(it is not a SQLite database\)$/);
    });

    it('a SQLite file of another application, and a whole library', async () => {
      const file = path.join(dir, 'other.sqlite');
      const db = new Database(file);
      db.exec('CREATE TABLE notes (body TEXT)');
      db.pragma('application_id = 1234');
      db.close();
      await refused(
        file,
        /^other\.sqlite is a SQLite database of another application \(application_id 0x000004d2\)$/,
      );
      await refused(
        variant('library.djleak', (d) => d.pragma('application_id = 0x646a6c6b')),
        /is a whole djleak library/,
      );
    });

    it('a file from a newer schema', async () => {
      const file = variant('newer.djleak', (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
      await refused(
        file,
        new RegExp(
          `^newer\\.djleak was made by a newer djleak \\(schema ${SCHEMA_VERSION + 1}; this one knows up to ${SCHEMA_VERSION}\\)`,
        ),
      );
    });

    it('rows violating constraints: a broken reference, a value outside its CHECK, two sessions', async () => {
      const orphan = variant('orphan.djleak', (db) => {
        db.pragma('foreign_keys = OFF');
        db.exec('DELETE FROM processes WHERE id = (SELECT min(id) FROM processes)');
      });
      await refused(orphan, /has \d+ rows whose references are broken \(first: \w+ → processes\)/);
      const bogus = variant('bogus.djleak', (db) => {
        db.pragma('ignore_check_constraints = ON');
        db.exec(`UPDATE scan_results SET verdict = 'maybe'`);
      });
      await refused(bogus, /^bogus\.djleak has rows that break djleak's rules: CHECK constraint failed/);
      const two = variant('two.djleak', (db) => {
        db.exec(
          `INSERT INTO sessions (name, project, server, command, status, started_at) VALUES ('x', '/p', 'runserver', '[]', 'stopped', 1)`,
        );
      });
      await refused(two, /holds 2 sessions; a session file holds exactly one/);
      const altered = variant('altered.djleak', (db) => db.exec('CREATE TABLE extra (x)'));
      await refused(altered, /has tables that differ from djleak's schema/);
    });

    it('a file that is not there', async () => {
      await expect(
        dispatch(handlers, 'sessions.import', { file: path.join(dir, 'nope.djleak') }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/^cannot read .*nope\.djleak: ENOENT/),
      });
    });
  });

  it('a large session is streamed in with progress, and an older file is migrated in the copy', async () => {
    const big = testEngine(cleanups);
    const { session, rows } = buildOneHourSession(big);
    const file = path.join(dir, 'hour.djleak');
    const out = await dispatch(createHandlers(big), 'sessions.export', { id: session, file, redact: false });
    expect(out.digest.samples!.rows).toBe(144_000);
    expect(rows).toBeGreaterThan(144_000);
    const events: Extract<EngineEvent, { kind: 'file-progress' }>[] = [];
    engine.onEvent((e) => void (e.kind === 'file-progress' && events.push(e)));
    const { sessionId } = await dispatch(handlers, 'sessions.import', { file });
    const reading = events.filter((e) => e.phase === 'reading');
    expect(reading.length).toBeGreaterThan(10); // streamed in chunks
    expect(reading.at(-1)).toMatchObject({ done: out.bytes, total: out.bytes });
    expect(reading.every((e, i) => i === 0 || e.done > reading[i - 1]!.done)).toBe(true);
    expect(events.filter((e) => e.phase !== 'reading').at(-1)).toMatchObject({ done: 8, total: 8 });
    expect(sessionDigest(engine.library.db, sessionId)).toEqual(out.digest);

    // A file from an older djleak (schema 3): migrated in the working copy, never in place.
    const old = path.join(dir, 'v3.djleak');
    const db = new Database(old);
    for (const m of MIGRATIONS.slice(0, 3)) db.exec(m);
    db.pragma('user_version = 3');
    db.pragma(`application_id = ${SESSION_FILE_ID}`);
    db.exec(`INSERT INTO sessions (id, name, project, server, command, status, started_at)
      VALUES (7, 'from v3', '/p', 'runserver', '[]', 'stopped', 1);
      INSERT INTO processes (id, session_id, pid, ppid, role, argv, started_at) VALUES (1, 7, 42, 1, 'main', '[]', 1);
      INSERT INTO samples VALUES (1, 1.5, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3);`);
    db.close();
    const v3 = sha(old);
    const fromOld = await dispatch(handlers, 'sessions.import', { file: old });
    expect(fromOld.name).toBe('from v3');
    expect(sha(old)).toBe(v3);
    expect(sessionDigest(engine.library.db, fromOld.sessionId).samples!.rows).toBe(1);
  });
});
