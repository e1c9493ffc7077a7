/**
 * The measurement protocol (main/scan/protocol.ts) against a real Django project under gunicorn with two workers,
 * each with the real probe: figures summed over the workers, the scan's own full collections told apart from the
 * app's, a scenario with fewer requests than rounds, discovery's one endpoint per path, and the verdicts a
 * two-worker scan reaches.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Investigation } from '../../main/investigation.ts';
import type { Measurement } from '../../main/probe/protocol.ts';
import { discoverScenario } from '../../main/scan/discovery.ts';
import { runScan, type ScanTarget } from '../../main/scan/protocol.ts';
import { scenarioSchema } from '../../main/scan/scenario.ts';
import type { ScanResultRow } from '../../main/store/scans.ts';
import { demoPython } from '../helpers/demo.ts';
import { writeDjangoProject } from '../helpers/django-project.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

/** A str of 4,096 characters and a few digits, each request's own: what /leak/ keeps, per worker. */
const KEPT_BYTES = 4096 + 49 + 3;

const URLS = `
import gc
from django.http import HttpResponse
from django.urls import path

KEPT = []

def leak(request):
    KEPT.append('x' * 4096 + str(100 + len(KEPT) % 900))
    return HttpResponse('ok')

def collects(request):
    gc.collect()
    return HttpResponse('ok')

class Node:
    pass

HELD = [None]

def cycles(request):
    # A ring of 8 objects (each with 600 bytes of its own) is held until this worker's next request, which drops
    # it: its gc.collect(1) had moved it to the oldest generation by then, so only a full collection frees it.
    # The collector stays on, and the app never runs a full collection (gc.collect(1) is not one).
    nodes = [Node() for _ in range(8)]
    for i, node in enumerate(nodes):
        node.next = nodes[(i + 1) % 8]
        node.pad = 'y' * 600 + str(i)
    HELD[0] = nodes[0]
    del nodes, node
    gc.collect(1)
    return HttpResponse('ok')

def quiet(request):
    return HttpResponse('ok')

def item(request, pk):
    return HttpResponse(str(pk))

urlpatterns = [
    path('leak/', leak),
    path('collects/', collects),
    path('cycles/', cycles),
    path('quiet/', quiet),
    path('quiet/', quiet, name='quiet-again'),
    path('item/<int:pk>/', item),
]
`;

let investigation: Investigation;
let target: ScanTarget;

beforeAll(async () => {
  const t = tempDir('djleak-protocol-');
  cleanups.push(t.cleanup);
  const project = writeDjangoProject(path.join(t.dir, 'site'), 'protosite', { urls: URLS });
  const engine = testEngine(cleanups);
  investigation = await engine.startInvestigation({
    project,
    python: demoPython,
    server: 'gunicorn',
    workers: 2,
  });
  await until(() => investigation.servers().length === 2, 'two workers', 60_000);
  expect(investigation.servers().map((c) => c.hello?.role)).toEqual(['worker', 'worker']);
  // as a scan of the app holds them: the periodic gauges would run in the workers between measurements
  cleanups.push(investigation.holdPeriodic());
  target = { port: investigation.port, servers: () => investigation.servers() };
});

/** One endpoint scanned on its own. */
async function scanOne(
  ep: { path: string; requests: number },
  extra: Record<string, unknown> = {},
): Promise<ScanResultRow> {
  const results = await runScan(
    target,
    scenarioSchema.parse({ endpoints: [ep], warmup: 0, rounds: 4, max_requests: ep.requests, ...extra }),
  );
  expect(results).toHaveLength(1);
  return results[0]!;
}

/** Each worker's own figures, after a full collection. */
const perWorker = (): Promise<Measurement[]> =>
  Promise.all(investigation.servers().map((c) => c.command('measure', { collect: true }, 60_000)));

/** What each round added: requests, and the full collections counted as the app's. */
const rounds = (row: ScanResultRow): { requests: number[]; app: number[] } => ({
  requests: row.points.slice(1).map((p, i) => p.requests - row.points[i]!.requests),
  app: row.points.slice(1).map((p) => p.appFullCollections),
});

describe('the measurement protocol against gunicorn with two workers', () => {
  it('discovery scans each concrete path once and lists the route it cannot fill', async () => {
    const { scenario, skipped } = await discoverScenario(investigation);
    expect(scenario.endpoints.map((e) => [e.method, e.path, e.requests])).toEqual([
      ['GET', '/leak/', 100],
      ['GET', '/collects/', 100],
      ['GET', '/cycles/', 100],
      ['GET', '/quiet/', 100],
    ]);
    expect(skipped.map((s) => s.route)).toEqual(['item/<int:pk>/']);
  });

  it('a measurement adds up the workers: objects, RSS and the heap are the sums of each one’s', async () => {
    const row = await scanOne({ path: '/quiet/', requests: 20 });
    const last = row.points.at(-1)!.post;
    const each = await perWorker();
    const sum = (pick: (m: Measurement) => number): number => each.reduce((s, m) => s + pick(m), 0);
    const objects = sum((m) => m.after!.gc_objects);
    // an idle Django worker's tracked objects move by a few dozen between two readings, of tens of thousands
    expect(last.gcObjects / objects, `${last.gcObjects} vs ${objects}`).toBeGreaterThan(0.99);
    expect(last.gcObjects / objects).toBeLessThan(1.01);
    // and each worker is about half of it: one worker's reading alone would be far off
    for (const m of each) expect(m.after!.gc_objects / objects).toBeGreaterThan(0.4);
    expect(last.rss / sum((m) => m.after!.rss ?? 0)).toBeGreaterThan(0.9);
    expect(last.rss / sum((m) => m.after!.rss ?? 0)).toBeLessThan(1.1);
    expect(typeof last.heap).toBe('number');
    expect(last.heap! / sum((m) => m.after!.heap!)).toBeGreaterThan(0.9);
    expect(last.heap! / sum((m) => m.after!.heap!)).toBeLessThan(1.1);
    expect(last.traced).toBeNull();
    expect(row.metric).toBe('heap');
  });

  it('traced bytes count only when every worker traces', async () => {
    const [first, second] = investigation.servers();
    try {
      await first!.command('trace_start', { frames: 1 });
      const one = await scanOne({ path: '/quiet/', requests: 8 });
      expect(one.points.map((p) => p.post.traced)).toEqual(one.points.map(() => null));
      expect(one.metric).toBe('heap');

      await second!.command('trace_start', { frames: 1 });
      const both = await scanOne({ path: '/quiet/', requests: 8 });
      for (const p of both.points) expect(p.post.traced).toBeGreaterThan(0);
      expect(both.metric).toBe('traced');
    } finally {
      await Promise.all([first!, second!].map((c) => c.command('trace_stop', {})));
    }
  });

  it('a scenario with fewer requests than rounds sends its requests, each round at least one', async () => {
    // 2 requests in 4 rounds: rounds of one request, at most 2 of them. (The budget of 2 requests, the first rounds
    // included, leaves no extension.)
    const row = await scanOne({ path: '/quiet/', requests: 2 });
    const { requests } = rounds(row);
    expect(row.sent, `rounds of ${requests.join(', ')} requests`).toBe(2);
    expect(row.statuses).toEqual({ '200': 2 });
    expect(
      requests.every((n) => n >= 1),
      `rounds of ${requests.join(', ')} requests`,
    ).toBe(true);
  });

  // KNOWN BUG, kept failing on purpose (it.fails): a measurement runs two or three full collections and the scan
  // subtracts one per process, so every round reads as if the app collected, and "collector on, no full
  // collection of the app's" is never reached. The probe now says how many it ran (probe_full_collections);
  // counting them turned the demo's /report/queries/ into an intermittent garbage leak (1 run in 3: its app
  // disables gc), so the fix waits for that to be judged. When it lands these three pass and must become it().
  it.fails(
    "a view that never collects: none of the scan's own full collections counts as the app's",
    async () => {
      const row = await scanOne({ path: '/quiet/', requests: 40 });
      const { requests, app } = rounds(row);
      expect(requests).toEqual([10, 10, 10, 10]);
      expect(app, 'full collections counted as the app’s, per round').toEqual([0, 0, 0, 0]);
    },
  );

  it.fails(
    'a view that runs gc.collect() once a request: the app’s full collections are its requests',
    async () => {
      const row = await scanOne({ path: '/collects/', requests: 40 });
      const { requests, app } = rounds(row);
      expect(requests).toEqual([10, 10, 10, 10]);
      expect(app, 'full collections counted as the app’s, per round').toEqual([10, 10, 10, 10]);
    },
  );

  it.fails(
    'cyclic garbage with the collector on and no full collection of the app’s: a leak, and it says why',
    async () => {
      // warm-up: each worker's first request has no ring to drop yet
      const row = await scanOne({ path: '/cycles/', requests: 100 }, { warmup: 20, rounds: 5 });
      expect(row.points.slice(1).every((p) => p.gcEnabled)).toBe(true);
      // Every request but a worker's first drops one ring of 8 (20 requests a round; Django's own cycles, which the
      // view's gc.collect(1) may promote too, can add to it).
      for (const p of row.points.slice(1)) expect(p.collected).toBeGreaterThanOrEqual(19 * 8);
      expect(row, `${row.reason}; app collections ${rounds(row).app.join(', ')}`).toMatchObject({
        verdict: 'leak',
        cause: 'garbage',
      });
      expect(row.reason).toMatch(
        /^\d+ objects\/request \(~\d+\.\d KB\) of cyclic garbage that only a forced gc\.collect\(\) frees, and the app ran no full collection/,
      );
    },
  );

  it('two workers’ verdicts: the view that keeps 4 KB a request leaks about that much, the quiet one is ok', async () => {
    const results = await runScan(
      target,
      scenarioSchema.parse({
        endpoints: [
          { path: '/leak/', requests: 100 },
          { path: '/quiet/', requests: 100 },
        ],
        warmup: 10,
        rounds: 5,
        min_leak: 1024,
        max_requests: 300,
      }),
    );
    const [leaking, quiet] = results;
    expect(leaking, leaking!.reason).toMatchObject({
      path: '/leak/',
      verdict: 'leak',
      cause: 'growth',
      metric: 'heap',
    });
    const ratio = leaking!.retained_bytes_per_request / KEPT_BYTES;
    expect(ratio, `${leaking!.retained_bytes_per_request} B/request`).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
    expect(quiet, quiet!.reason).toMatchObject({ path: '/quiet/', verdict: 'ok', cause: null });
  });
});
