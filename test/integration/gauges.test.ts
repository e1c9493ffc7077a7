import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { latestGauges } from '../../main/store/checklist.ts';
import { demoPython } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('gauges of a running session', () => {
  it('are read periodically while it runs and stop with it', { timeout: 60_000 }, async () => {
    const engine = testEngine(cleanups);
    const investigation = await engine.startInvestigation({
      demo: true,
      python: demoPython,
      gaugeIntervalMs: 200,
    });
    // the Django process runs without glibc's thread cache, whose chunks mallinfo counts as in use
    const environ = readFileSync(`/proc/${investigation.servers()[0]!.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('GLIBC_TUNABLES=glibc.malloc.tcache_count=0');
    const db = engine.library.db;
    const count = (): number =>
      db
        .prepare(`SELECT count(*) FROM gauges WHERE session_id = ? AND label = 'periodic'`)
        .pluck()
        .get(investigation.sessionId) as number;
    await until(() => count() >= 3, 'three periodic readings');
    const [latest] = latestGauges(db, investigation.sessionId);
    expect(latest).toMatchObject({ pid: investigation.servers()[0]!.pid, gc: { enabled: false } });
    expect(latest!.elapsed_ms).toBeGreaterThan(0);
    await investigation.stop();
    const after = count();
    await new Promise((r) => setTimeout(r, 600));
    expect(count()).toBe(after);
  });
});
