import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../preload/contract.ts';
import { demoPython, runCli } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('a library that cannot be written', () => {
  it(
    'disk full: the session goes on, says so once, keeps its rows, and writes them once there is room',
    { timeout: 60_000 },
    async () => {
      const engine = testEngine(cleanups);
      const logs: string[] = [];
      engine.onEvent(
        (e: EngineEvent) => void (e.kind === 'log' && e.source === 'engine' && logs.push(e.message)),
      );
      const investigation = await engine.startInvestigation({ demo: true, python: demoPython });
      const db = engine.library.db;
      const samples = (): number => db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
      await until(() => samples() >= 10, '10 samples');
      // SQLite's own limit stands in for a full disk: every write now fails with SQLITE_FULL.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      await until(
        () => logs.some((l) => l.startsWith('library write failed: database or disk is full')),
        'the failure',
      );
      const stuck = samples();
      await new Promise((r) => setTimeout(r, 1500)); // ~15 samples arrive meanwhile, and wait in memory
      expect(logs.filter((l) => l.startsWith('library write failed')).length).toBe(1);
      expect(investigation.connections.length).toBe(1); // the session goes on
      db.pragma('max_page_count = 1073741823');
      await until(() => samples() >= stuck + 15, 'the waiting samples to be written');
      await until(
        () => logs.some((l) => l.startsWith('library writes resumed after: database or disk is full')),
        'the recovery',
      );
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // No gap: samples every ~100 ms through the outage.
      const times = db.prepare('SELECT t FROM samples ORDER BY t').pluck().all() as number[];
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.max(...gaps)).toBeLessThan(0.5);
      await investigation.stop();
    },
  );

  it('a library on a read-only or pseudo file system is refused with a clear message, not a hang', async () => {
    const home = tempDir();
    cleanups.push(home.cleanup);
    const proc = await runCli(['sessions', '--db', '/proc/djleak-test/library.sqlite'], home.dir);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain(
      'djleak: error: cannot open the session library /proc/djleak-test/library.sqlite',
    );
    const sys = await runCli(['sessions', '--db', '/sys/kernel/library.sqlite'], home.dir);
    expect(sys.code).toBe(1);
    expect(sys.stderr).toContain(
      'cannot open the session library /sys/kernel/library.sqlite: unable to open database file',
    );
  });
});
