import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, Library } from '../../main/store/library.ts';
import { runCli } from '../helpers/demo.ts';
import { cleanupList, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('the engine killed mid-session', () => {
  it(
    'leaves the library intact, no target running, and the session marked interrupted at the next start',
    { timeout: 90_000 },
    async () => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const db = path.join(t.dir, 'library.sqlite');
      let cli = 0;
      const finished = runCli(
        ['run', '--demo', '--server', 'gunicorn', '--workers', '2', '--duration', '120', '--db', db],
        t.dir,
        {},
        (pid) => (cli = pid),
      );
      // Read the live library from outside, as another face would (WAL).
      await until(() => existsSync(db), 'the library file', 30_000);
      const reader = new Database(db, { readonly: true, timeout: 5000 });
      cleanups.unshift(() => void (reader.open && reader.close()));
      const targets = (): number[] => {
        try {
          return reader.prepare('SELECT pid FROM processes').pluck().all() as number[];
        } catch {
          return [];
        }
      };
      const samples = (): number => {
        try {
          return reader.prepare('SELECT count(*) FROM samples').pluck().get() as number;
        } catch {
          return 0;
        }
      };
      await until(
        () => targets().length === 3 && samples() >= 30,
        'a master, two workers and 30 samples',
        60_000,
      );
      const pids = targets();
      expect(pids.every(isAlive)).toBe(true);
      process.kill(cli, 'SIGKILL');
      const result = await finished;
      expect(result.code).toBeNull(); // killed by the signal
      // The target notices its engine is gone and stops its whole process group.
      await until(() => !pids.some(isAlive), 'the master and its workers to stop', 15_000);

      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
      const kept = samples();
      reader.close();
      const lib = new Library(db); // the next start
      cleanups.unshift(() => lib.close());
      const [session] = lib.db.prepare('SELECT * FROM sessions').all() as {
        status: string;
        ended_at: number;
      }[];
      expect(session).toMatchObject({ status: 'interrupted' });
      expect(session!.ended_at).not.toBeNull();
      expect(lib.db.prepare('SELECT count(*) FROM samples').pluck().get()).toBe(kept);
      expect(kept).toBeGreaterThanOrEqual(30);
    },
  );
});
