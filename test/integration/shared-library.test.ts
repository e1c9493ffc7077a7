import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { Engine } from '../../main/engine.ts';
import { demoPython, runCli } from '../helpers/demo.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('one library, several engines at once (WAL)', () => {
  it(
    'two CLI runs and an app engine write their sessions side by side, and each sees the others',
    { timeout: 120_000 },
    async () => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const db = path.join(t.dir, 'library.sqlite');
      const app = new Engine(t.dir, db); // the app, open on the same file the whole time
      cleanups.push(() => app.shutdown());
      const handlers = createHandlers(app);
      const runs = [1, 2].map((n) =>
        runCli(['run', '--demo', '--duration', '4', '--name', `cli ${n}`, '--db', db], t.dir),
      );
      const { sessionId } = await dispatch(handlers, 'investigation.start', {
        demo: true,
        python: demoPython,
        name: 'app',
      });
      const results = await Promise.all(runs);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      await dispatch(handlers, 'investigation.stop', { sessionId });
      const sessions = await dispatch(handlers, 'sessions.list', {});
      expect(sessions.map((s) => [s.name, s.status]).sort()).toEqual([
        ['app', 'stopped'],
        ['cli 1', 'stopped'],
        ['cli 2', 'stopped'],
      ]);
      for (const s of sessions) expect(s.processes, s.name).toBe(1);
      const samples = app.library.db
        .prepare(
          'SELECT p.session_id AS id, count(*) AS n FROM samples s JOIN processes p ON p.id = s.process_id GROUP BY 1',
        )
        .all() as { id: number; n: number }[];
      expect(samples).toHaveLength(3);
      for (const s of samples) expect(s.n).toBeGreaterThan(10);
      expect(app.library.db.pragma('integrity_check', { simple: true })).toBe('ok');
      // A CLI started while the app holds the library still lists everything.
      const listed = await runCli(['sessions', '--db', db, '--json'], t.dir);
      expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(3);
    },
  );
});
