import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../preload/contract.ts';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { demoPython } from '../helpers/demo.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('scans through the handler map (what the app calls)', () => {
  it('scans a running session in the background, reports progress and results, stores them; cancel works', async () => {
    const engine = testEngine(cleanups);
    const handlers = createHandlers(engine);
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const { sessionId } = await dispatch(handlers, 'investigation.start', { demo: true, python: demoPython });
    await expect(
      dispatch(handlers, 'scan.start', { sessionId, scenario: { endpoints: [{ path: 'x' }] } }),
    ).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining('scenario.endpoints.0.path'),
    });

    await dispatch(handlers, 'scan.start', {
      sessionId,
      scenario: {
        endpoints: [
          { path: '/weakref/leak/', requests: 60 },
          { path: '/', requests: 60 },
        ],
        rounds: 4,
      },
    });
    await expect(dispatch(handlers, 'scan.start', { sessionId })).rejects.toMatchObject({
      message: expect.stringContaining('already being scanned'),
    });
    await until(() => events.some((e) => e.kind === 'scan-done'), 'the scan to end', 60_000);
    const done = events.find((e) => e.kind === 'scan-done');
    expect(done).toMatchObject({ results: 2, interrupted: false, cancelled: false, error: null });
    // 4 rounds per endpoint, then the extensions of an endpoint not decided yet, each saying why
    const progress = events.flatMap((e) => (e.kind === 'scan-progress' ? [e] : []));
    expect(progress.filter((p) => p.stage === 0)).toHaveLength(8);
    for (const p of progress.filter((e) => e.stage > 0)) expect(p.extending).toMatch(/^to \d+ requests: /);
    expect(
      events
        .filter((e) => e.kind === 'scan-result')
        .map((e) => (e.kind === 'scan-result' ? e.result.path : '')),
    ).toEqual(['/weakref/leak/', '/']);
    const stored = await dispatch(handlers, 'sessions.scans', { id: sessionId });
    expect(stored.map((r) => [r.path, r.route, r.verdict])).toEqual([
      ['/weakref/leak/', 'weakref/leak/', 'leak'],
      ['/', '', 'ok'],
    ]);
    // the baseline, then a point per round
    expect(stored[0]!.points).toHaveLength(1 + progress.filter((p) => p.path === '/weakref/leak/').length);

    events.length = 0;
    await dispatch(handlers, 'scan.start', {
      sessionId,
      scenario: { endpoints: [{ path: '/', requests: 500 }], rounds: 10 },
    });
    await until(() => events.some((e) => e.kind === 'scan-progress'), 'the second scan to start');
    await dispatch(handlers, 'scan.cancel', { sessionId });
    await until(() => events.some((e) => e.kind === 'scan-done'), 'the cancelled scan to end', 60_000);
    expect(events.find((e) => e.kind === 'scan-done')).toMatchObject({ cancelled: true });
    await expect(dispatch(handlers, 'scan.cancel', { sessionId })).rejects.toMatchObject({
      code: 'not-found',
    });
    await dispatch(handlers, 'investigation.stop', { sessionId });
    await expect(dispatch(handlers, 'scan.start', { sessionId })).rejects.toMatchObject({
      message: expect.stringContaining('is not running'),
    });
  });
});
