import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import type { EngineEvent } from '../../preload/contract.ts';
import { demoPython, repoRoot } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('verify a fix: re-run a scan after editing the code', () => {
  it(
    'makes a new session that follows the old one and shows the leak fixed, per endpoint and per item',
    { timeout: 240_000 },
    async () => {
      const t = tempDir('djleak-fix-');
      cleanups.push(t.cleanup);
      const project = path.join(t.dir, 'shop_copy');
      cpSync(path.join(repoRoot, 'assets', 'examples', 'leaky_shop'), project, {
        recursive: true,
        filter: (src) => !src.includes('__pycache__'),
      });
      const engine = testEngine(cleanups);
      const handlers = createHandlers(engine);
      const done = new Set<number>();
      engine.onEvent((e: EngineEvent) => void (e.kind === 'scan-done' && done.add(e.sessionId)));

      const { sessionId: first } = await dispatch(handlers, 'investigation.start', {
        project,
        python: demoPython,
      });
      await expect(dispatch(handlers, 'scan.rerun', { sessionId: first })).rejects.toMatchObject({
        code: 'bad-input',
        message: `session ${first} has no scan to re-run`,
      });
      await dispatch(handlers, 'scan.start', {
        sessionId: first,
        scenario: {
          endpoints: [
            { path: '/cache/leak/', requests: 80 },
            { path: '/', requests: 80 },
          ],
          rounds: 4,
          warmup: 10,
        },
      });
      await until(() => done.has(first), 'the first scan', 120_000);
      const before = await dispatch(handlers, 'sessions.scans', { id: first });
      expect(before.map((r) => [r.path, r.verdict])).toEqual([
        ['/cache/leak/', 'leak'],
        ['/', 'ok'],
      ]);

      // The fix the planted comment suggests: a per-minute key, so the memo holds one fragment a minute.
      const file = path.join(project, 'shop', 'fragments.py');
      const source = readFileSync(file, 'utf8');
      const fixed = source.replace(
        'key = (currency, now.isoformat())',
        'key = (currency, now.replace(second=0, microsecond=0).isoformat())',
      );
      expect(fixed).not.toBe(source);
      writeFileSync(file, fixed);

      const { sessionId: second } = await dispatch(handlers, 'scan.rerun', { sessionId: first });
      expect(second).not.toBe(first);
      expect(engine.running.has(first)).toBe(false); // stopped first: the code changed
      await until(() => done.has(second), 'the re-run scan', 120_000);

      const compare = await dispatch(handlers, 'sessions.compare', { before: first, after: second });
      expect(compare.after.follows).toBe(first);
      expect(compare.after.name).toMatch(/\(re-run\)$/);
      expect(compare.endpoints.map((e) => [e.path, e.before?.verdict, e.after?.verdict, e.change])).toEqual([
        ['/cache/leak/', 'leak', 'ok', 'fixed'],
        ['/', 'ok', 'ok', 'no-leak'],
      ]);
      const cache = compare.checklist.find((c) => c.item === 'clear-caches')!;
      expect(cache).toMatchObject({ before: 'suspect', after: 'clear', change: 'fixed' });
      expect(
        compare.checklist.filter((c) => c.item !== 'clear-caches').every((c) => c.change === 'no-finding'),
      ).toBe(true);
      await expect(
        dispatch(handlers, 'sessions.compare', { before: first, after: 9999 }),
      ).rejects.toMatchObject({
        code: 'not-found',
      });
    },
  );
});
