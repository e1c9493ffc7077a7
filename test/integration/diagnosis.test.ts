import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../main/analysis/report.ts';
import { demoEndpoints, findingMismatches, runCli } from '../helpers/demo.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('diagnosis of the demo leaks (tracemalloc window after the verdicts)', () => {
  it(
    'attributes each leak to a project line, keeps library frames, and names what holds it',
    { timeout: 240_000 },
    async () => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const leaks = demoEndpoints().filter((e) => e.leaks);
      const scenario = path.join(t.dir, 'leaks.json');
      writeFileSync(
        scenario,
        JSON.stringify({ endpoints: leaks.map((e) => ({ path: e.path, requests: 100 })) }),
      );
      const json = path.join(t.dir, 'report.json');
      const result = await runCli(
        ['run', '--demo', '--scenario', scenario, '--json', json, '--db', path.join(t.dir, 'l.sqlite')],
        t.dir,
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      const byPath = new Map(report.endpoints.map((e) => [e.path, e] as const));

      for (const leak of leaks) {
        const e = byPath.get(leak.path)!;
        expect(e.verdict, leak.path).toBe('leak');
        expect(e.top_sites?.length, `${leak.path} top sites`).toBeGreaterThan(0);
        for (const site of e.top_sites!) expect(site.size_diff).toBeGreaterThan(0);
      }
      const first = (p: string): string =>
        `${byPath.get(p)!.top_sites![0]!.file}:${byPath.get(p)!.top_sites![0]!.line}`;
      const planted = (p: string): string => leaks.find((l) => l.path === p)!.planted!;
      // The planted line is where the leaked memory is allocated (leaks.json: `cause` names the line that keeps
      // it alive when that is another one, as for the weakref and gc leaks).
      for (const leak of leaks) expect(first(leak.path), leak.path).toBe(planted(leak.path));
      // Library frames stay in the traceback: the ORM call under the db leak's line.
      expect(byPath.get('/db/leak/')!.top_sites![0]!.traceback.some((f) => f.file.includes('django'))).toBe(
        true,
      );
      expect(byPath.get('/cache/leak/')!.top_sites![0]!.code).toContain('_PRICE_LIST_FRAGMENTS');

      expect(byPath.get('/cache/leak/')!.held_by).toMatchObject({
        root: { kind: 'module global', name: 'shop.fragments._PRICE_LIST_FRAGMENTS' },
      });
      expect(byPath.get('/weakref/leak/')!.held_by).toMatchObject({
        root: { kind: 'signal receivers', name: 'shop.signals.prices_changed' },
      });
      expect(byPath.get('/gc/leak/')!.held_by).toMatchObject({ root: { kind: 'unreachable cycle' } });
      expect(findingMismatches(report.findings)).toEqual([]);
      expect(byPath.get('/session/leak/')!.held_by).toMatchObject({
        root: { kind: 'module global', name: 'shop.history._RECENT_PANELS' },
      });
      // The watcher thread's own frame keeps its catalogue snapshot (and its connection) alive.
      // (`previous` and `snapshot` name the same dict after the first check.)
      expect(byPath.get('/db/leak/')!.held_by?.root.kind).toBe('frame local');
      expect(byPath.get('/db/leak/')!.held_by?.root.name).toMatch(
        /^shop\.stock\._watch_stock:(snapshot|previous)$/,
      );
    },
  );
});
