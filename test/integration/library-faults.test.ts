import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../preload/contract.ts';
import type { SessionWriter } from '../../main/store/writer.ts';
import { demoPython, runCli } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('a library that cannot be written', () => {
  it(
    'disk full: the session goes on, says so once, keeps its rows, and writes them once there is room',
    { timeout: 300_000 },
    async () => {
      const engine = testEngine(cleanups);
      const logs: string[] = [];
      engine.onEvent(
        (e: EngineEvent) => void (e.kind === 'log' && e.source === 'engine' && logs.push(e.message)),
      );
      let received = 0; // every sample the probe sent that the investigation took in
      const investigation = await engine.startInvestigation({ demo: true, python: demoPython }, (e) => {
        if (e.kind === 'samples') received += e.items.length;
      });
      const db = engine.library.db;
      const samples = (): number => db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
      await until(() => samples() >= 10, '10 samples', 60_000);
      // The writer's flushes, counted as they fail: the outage is waited for in flushes, not in seconds.
      const writer = (investigation as unknown as { writer: SessionWriter }).writer;
      const flush = writer.flush.bind(writer);
      let failedFlushes = 0;
      writer.flush = (final?: boolean): number => {
        try {
          return flush(final);
        } catch (error) {
          failedFlushes++;
          throw error;
        }
      };
      // SQLite's own limit stands in for a full disk: every write now fails with SQLITE_FULL.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      await until(
        () => logs.some((l) => l.startsWith('library write failed: database or disk is full')),
        'the failure',
        60_000,
      );
      const stuck = samples();
      const atFailure = { flushes: failedFlushes, received };
      // Hang guards only (60 s): three more flushes fail while 15 more samples arrive and wait in memory.
      await until(
        () => failedFlushes >= atFailure.flushes + 3 && received >= atFailure.received + 15,
        'three more failed flushes and 15 samples during the outage',
        60_000,
      );
      expect(samples()).toBe(stuck); // nothing was written meanwhile
      expect(writer.pending).toBeGreaterThanOrEqual(15); // they wait in memory
      expect(logs.filter((l) => l.startsWith('library write failed')).length).toBe(1); // said once
      expect(investigation.connections.length).toBe(1); // the session goes on
      db.pragma('max_page_count = 1073741823');
      await until(() => samples() >= stuck + 15, 'the waiting samples to be written', 60_000);
      await until(
        () => logs.some((l) => l.startsWith('library writes resumed after: database or disk is full')),
        'the recovery',
        60_000,
      );
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      await investigation.stop();
      // No gap: every sample taken in, before, through and after the outage, is in the library once.
      expect(samples()).toBe(received);
      expect(writer.dropped).toBe(0);
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
