import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { sessionReport } from '../../main/headless.ts';
import { scanResults } from '../../main/store/scans.ts';
import type { EngineEvent } from '../../preload/contract.ts';
import { demoPython } from '../helpers/demo.ts';
import { writeDjangoProject } from '../helpers/django-project.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

// A module-level list that keeps ~2 KB a request while the project's LEAKING file exists: switching that off
// is a fix the running process takes without a restart, so one session is scanned before and after it.
const URLS = `
import os
from django.http import HttpResponse
from django.urls import path

FLAG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'LEAKING')
MEMO = []

def memo(request):
    if os.path.exists(FLAG):
        MEMO.append('x' * 2048 + str(len(MEMO)))
    return HttpResponse('ok')

def home(request):
    return HttpResponse('home')

urlpatterns = [path('memo/', memo), path('', home)]
`;

describe('which scan results count', () => {
  it(
    'a session scanned twice, the second time after a fix: the old leak counts nowhere',
    { timeout: 300_000 },
    async () => {
      const t = tempDir('djleak-current-');
      cleanups.push(t.cleanup);
      const project = writeDjangoProject(path.join(t.dir, 'site'), 'memosite', { urls: URLS });
      const flag = path.join(project, 'LEAKING');
      writeFileSync(flag, '');
      const engine = testEngine(cleanups);
      const handlers = createHandlers(engine);
      const done = new Set<number>();
      let scansDone = 0;
      engine.onEvent((e: EngineEvent) => {
        if (e.kind === 'scan-done') {
          done.add(e.sessionId);
          scansDone++;
        }
      });
      const { sessionId } = await dispatch(handlers, 'investigation.start', { project, python: demoPython });
      const scan = async (paths: string[], expected: number): Promise<void> => {
        await dispatch(handlers, 'scan.start', {
          sessionId,
          scenario: {
            endpoints: paths.map((p) => ({ path: p, requests: 80 })),
            rounds: 4,
            warmup: 10,
            min_leak: 512,
          },
        });
        await until(() => scansDone === expected, `scan ${expected}`, 150_000);
      };

      await scan(['/memo/', '/'], 1);
      const first = await dispatch(handlers, 'sessions.scans', { id: sessionId });
      expect(first.map((r) => [r.path, r.verdict])).toEqual([
        ['/memo/', 'leak'],
        ['/', 'ok'],
      ]);
      const before = await dispatch(handlers, 'checklist.get', { sessionId });
      expect(before.findings.some((f) => f.endpoints.some((e) => e.path === '/memo/'))).toBe(true);

      rmSync(flag);
      expect(existsSync(flag)).toBe(false);
      await scan(['/memo/'], 2);

      // Both results are kept in the library; the latest one counts.
      expect(scanResults(engine.library.db, sessionId).map((r) => [r.path, r.verdict])).toEqual([
        ['/memo/', 'leak'],
        ['/', 'ok'],
        ['/memo/', 'ok'],
      ]);
      // The API (the app reads it): one result per endpoint.
      const current = await dispatch(handlers, 'sessions.scans', { id: sessionId });
      expect(current.map((r) => [r.path, r.verdict])).toEqual([
        ['/', 'ok'],
        ['/memo/', 'ok'],
      ]);
      // The checklist's detectors.
      const after = await dispatch(handlers, 'checklist.get', { sessionId });
      expect(after.findings.flatMap((f) => f.endpoints.map((e) => e.path))).not.toContain('/memo/');
      expect(after.unexplained).toEqual([]);
      // The report: the endpoint once, with the latest verdict.
      const report = sessionReport(engine, sessionId);
      expect(report.verdict).toBe('ok');
      expect(report.endpoints.filter((e) => e.path === '/memo/').map((e) => e.verdict)).toEqual(['ok']);
      expect(report.unexplained).toEqual([]);
      // The comparison with another session reads the same current results.
      const compare = await dispatch(handlers, 'sessions.compare', { before: sessionId, after: sessionId });
      expect(compare.endpoints.find((e) => e.path === '/memo/')).toMatchObject({
        before: { verdict: 'ok' },
        after: { verdict: 'ok' },
        change: 'no-leak',
      });
      expect(done.has(sessionId)).toBe(true);
    },
  );
});
