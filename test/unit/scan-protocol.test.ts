/**
 * The measurement protocol's branches that need no probe (main/scan/protocol.ts): a target whose serving processes
 * are gone before the first measurement, a login with no process to make the session, a scan aborted before it
 * starts. The requests go to a real HTTP server on a real socket. (Its figures against real probes: the
 * integration test scan-protocol.test.ts.)
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { requestBase, runScan, ScanInterrupted } from '../../main/scan/protocol.ts';
import { scenarioSchema } from '../../main/scan/scenario.ts';
import type { ScanResultRow } from '../../main/store/scans.ts';
import { cleanupList } from '../helpers/engine.ts';

const { cleanups, runAll } = cleanupList();
afterEach(runAll);

/** A plain HTTP server that answers 200 and lists what it was sent. */
async function site(): Promise<{ port: number; seen: http.IncomingHttpHeaders[] }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, seen };
}

describe('runScan without a serving process', () => {
  it('warms up, then stops at the baseline: ScanInterrupted with the endpoint kept, partial', async () => {
    const { port, seen } = await site();
    const scenario = scenarioSchema.parse({
      endpoints: [
        { path: '/first/', requests: 20 },
        { path: '/second/', requests: 20 },
      ],
      warmup: 3,
      rounds: 2,
      headers: { 'X-Tenant': 'acme' },
    });
    const results: ScanResultRow[] = [];
    const error = await runScan({ port, servers: () => [] }, scenario, {
      onResult: (r) => results.push(r),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanInterrupted);
    expect((error as Error).message).toBe('no serving process is connected');
    // the results so far travel with the error, and each was told as it was made
    const attached = (error as ScanInterrupted & { results: ScanResultRow[] }).results;
    expect(attached).toEqual(results);
    expect(attached).toHaveLength(1);
    expect(attached[0]).toMatchObject({
      method: 'GET',
      path: '/first/',
      partial: true,
      // the warm-up is not counted: nothing was measured
      sent: 0,
      errors: 0,
      statuses: {},
      points: [],
      verdict: 'inconclusive',
      reason: 'too few rounds measured (0 points) (partial: the scan was cut short)',
    });
    // the warm-up went out, marked as the engine's own (the probe leaves it out of its records), with the
    // scenario's headers; the second endpoint was never reached
    expect(seen).toHaveLength(3);
    for (const headers of seen)
      expect(headers).toMatchObject({
        'x-djleak-internal': '1',
        'user-agent': 'djleak-scenario',
        'x-tenant': 'acme',
      });
  });

  it('a scan logged in needs a process to make the session', async () => {
    const { port, seen } = await site();
    const scenario = scenarioSchema.parse({ endpoints: [{ path: '/' }], login: 'reader' });
    await expect(requestBase({ port, servers: () => [] }, scenario)).rejects.toThrow(
      new ScanInterrupted('no serving process is connected'),
    );
    await expect(runScan({ port, servers: () => [] }, scenario)).rejects.toBeInstanceOf(ScanInterrupted);
    expect(seen).toEqual([]);
    // without a login there is nothing to ask: the scenario's headers only
    expect(
      await requestBase(
        { port, servers: () => [] },
        scenarioSchema.parse({ endpoints: [{ path: '/' }], headers: { A: 'b' } }),
      ),
    ).toEqual({ headers: { A: 'b' }, cookies: undefined });
  });

  it('an abort before the first endpoint sends nothing and returns no result', async () => {
    const { port, seen } = await site();
    const controller = new AbortController();
    controller.abort();
    const scenario = scenarioSchema.parse({ endpoints: [{ path: '/' }] });
    expect(await runScan({ port, servers: () => [] }, scenario, { signal: controller.signal })).toEqual([]);
    expect(seen).toEqual([]);
  });
});
