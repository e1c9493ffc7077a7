import { describe, expect, it } from 'vitest';
import {
  assessGrowth,
  growthVerdict,
  mannKendallUp,
  perRoundFit,
  overallVerdict,
  theilSen,
  type ScanPoint,
} from '../../main/analysis/verdict.ts';

const MB = 1048576;

/** Synthetic scan: 6 points, 25 requests per round, post-collection RSS given by `rss(k)`. */
function scan(
  rss: (k: number) => number,
  extra: Partial<ScanPoint> & { garbagePerRequest?: number } = {},
): ScanPoint[] {
  const { garbagePerRequest = 0, ...rest } = extra;
  return Array.from({ length: 6 }, (_, k) => ({
    requests: k * 25,
    pre: k === 0 ? null : { rss: rss(k) + garbagePerRequest * 25 * 400, blocks: 0, gcObjects: 1000 + k },
    post: { rss: rss(k), blocks: 0, gcObjects: 1000 + k },
    collected: k === 0 ? 0 : garbagePerRequest * 25,
    garbageBytes: k === 0 ? 0 : garbagePerRequest * 25 * 400,
    gcEnabled: true,
    appFullCollections: 3,
    ...rest,
  }));
}

// A deterministic jitter of a few pages, like an allocator's.
const jitter = (k: number): number => [0, 12288, -8192, 4096, -4096, 8192][k]!;

describe('robust statistics', () => {
  it('Theil–Sen ignores one wild point', () => {
    expect(theilSen([0, 1, 2, 3, 4], [0, 10, 20, 1000, 40])).toBe(10);
  });

  it('Mann–Kendall finds a monotonic rise and not a flat or falling line', () => {
    expect(mannKendallUp([1, 2, 3, 4, 5, 6])).toBeLessThan(0.01);
    expect(mannKendallUp([3, 3, 3, 3, 3, 3])).toBe(1);
    expect(mannKendallUp([6, 5, 4, 3, 2, 1])).toBe(1);
    expect(mannKendallUp([1, 3, 2, 4, 3, 5])).toBeGreaterThan(0.01);
  });

  it('the per-round fit separates a fixed cost per round from growth per request, once round sizes differ', () => {
    // rounds of 20, then 40, then 80 requests: 3 KB a round and 100 B a request, measured exactly
    const x = [0, 20, 40, 60, 100, 140, 220, 300];
    const y = x.map((n, k) => 1_000_000 + 100 * n + 3000 * k);
    const fitted = perRoundFit(x, y, 0)!;
    expect(fitted.fit.slope).toBeCloseTo(100, 6);
    expect(fitted.perRound).toBeCloseTo(3000, 3);
    expect(fitted.fit.high - fitted.fit.low).toBeLessThan(1e-6);
    // the noise of one figure widens the interval, and it still holds the size
    const noisy = perRoundFit(x, y, 800)!;
    expect(noisy.fit.low).toBeLessThan(100);
    expect(noisy.fit.high).toBeGreaterThan(100);
    // equal rounds cannot tell a round's cost from requests' growth
    expect(perRoundFit([0, 20, 40, 60, 80, 100], [0, 1, 2, 3, 4, 5], 0)).toBeNull();
  });
});

/**
 * A synthetic extended scan like the engine runs: 5 rounds of 20 requests, then stages of 4 rounds each twice
 * the size of the one before, up to `upTo` requests. `heap(n, k)` is the heap after n requests and k rounds;
 * blocks follow `blocks(n, k)`. The baseline is measured three times with `idleJitter` between.
 */
function extended(
  upTo: number,
  heap: (n: number, k: number) => number,
  blocks: (n: number, k: number) => number = () => 50_000,
  idleJitter = 512,
): ScanPoint[] {
  const sizes: [number, number][] = [];
  for (let r = 0; r < 5; r++) sizes.push([20, 0]);
  let total = 100;
  for (let stage = 1, size = 100; total < upTo; stage++, size *= 2)
    for (let r = 0; r < 4 && total < upTo; r++) {
      const n = Math.min(size / 4, upTo - total);
      sizes.push([n, stage]);
      total += n;
    }
  const figures = (n: number, k: number) => ({
    rss: 60 * MB,
    heap: heap(n, k),
    blocks: blocks(n, k),
    gcObjects: 1000,
  });
  const points: ScanPoint[] = [
    {
      requests: 0,
      pre: null,
      post: figures(0, 0),
      collected: 0,
      garbageBytes: 0,
      gcEnabled: true,
      appFullCollections: 0,
      idle: [
        { ...figures(0, 0), heap: heap(0, 0) + idleJitter },
        { ...figures(0, 0), heap: heap(0, 0) - idleJitter },
      ],
    },
  ];
  let n = 0;
  sizes.forEach(([size, stage], k) => {
    n += size;
    points.push({
      requests: n,
      pre: figures(n, k + 1),
      post: figures(n, k + 1),
      collected: 0,
      garbageBytes: 0,
      gcEnabled: true,
      appFullCollections: 2,
      stage,
    });
  });
  return points;
}
// Allocator jitter of a couple of KB, deterministic.
const wobble = (k: number): number => [0, 1800, -1200, 600, -2000, 1400, -600, 2200, -1600][k % 9]!;

describe('growthVerdict', () => {
  it('a steady 50 KB/request leak is a leak after the first rounds, its range holding the size', () => {
    const a = assessGrowth(scan((k) => 40 * MB + k * 25 * 50_000 + jitter(k)));
    expect(a.verdict).toBe('leak');
    expect(a.retained_range![0]).toBeLessThanOrEqual(50_000);
    expect(a.retained_range![1]).toBeGreaterThanOrEqual(50_000);
    expect(a.confidence).toBeGreaterThan(0.9);
    // never narrower than 8 % each side: 44.9-53.0 KB
    expect(a.reason).toMatch(/grows 4\d\.\d KB–5\d\.\d KB\/request \(95 %\)/);
    // 6 MB over 125 requests: a bounded cache could still fill up, so the scan follows it further.
    expect(a.pending).toMatch(/followed to 1000 requests/);
    expect(assessGrowth(extended(1500, (n, k) => 40 * MB + n * 50_000 + wobble(k))).pending).toBeNull();
  });

  it("a range is never narrower than a container's steps allow: 16 B or 8 % each side", () => {
    // perfectly regular figures: the statistics alone would give a zero-width interval
    const exact = (perRequest: number) =>
      assessGrowth(
        extended(
          1500,
          (n) => 40 * MB + n * perRequest,
          () => 50_000,
          0,
        ),
      );
    expect(exact(1000).retained_range).toEqual([920, 1080]);
    expect(exact(100).retained_range).toEqual([84, 116]);
    expect(exact(0)).toMatchObject({ verdict: 'ok', retained_range: [0, 16] });
    // a smallest leak of interest under that floor: no number of requests can show it, and the verdict says so
    const tiny = assessGrowth(
      extended(
        1500,
        () => 40 * MB,
        () => 50_000,
        0,
      ),
      { minLeak: 8 },
    );
    expect(tiny).toMatchObject({ verdict: 'inconclusive', requests_needed: null });
    expect(tiny.reason).toMatch(
      /more requests cannot decide it: an interval is never narrower than ±16 B\/request/,
    );
  });

  it('objects kept at a steady rate are not ok while their bytes read just under the bound', () => {
    // slow_leaks' memo of one int per request: a dict's table doubles in steps, and a window between two steps
    // reads 45 B/request for what costs 76 B/request in the long run. +1 block a request keeps it open.
    const between = assessGrowth(
      extended(
        100,
        (n) => 40 * MB + 45 * n,
        (n) => 50_000 + n,
        0,
      ),
    );
    expect(between.verdict).toBe('inconclusive');
    expect(between.pending).not.toBeNull();
    expect(between.reason).toMatch(
      /while it keeps \+1 allocated blocks\/request: objects kept at a steady rate.*; about 100 more requests would decide it$/,
    );
    expect(between.requests_needed).toBe(100);
    // a few bytes a request for each object kept: too small to hold the verdict back
    expect(
      assessGrowth(
        extended(
          100,
          (n) => 40 * MB + 5 * n,
          (n) => 50_000 + n,
          0,
        ),
      ).verdict,
    ).toBe('ok');
    // the same bytes without objects kept: ok
    expect(
      assessGrowth(
        extended(
          100,
          (n) => 40 * MB + 45 * n,
          () => 50_000,
          0,
        ),
      ).verdict,
    ).toBe('ok');
    // extended over the table's steps (it doubles at 342 and 1,366 entries), the rate reaches the bound
    const table = (n: number): number => (n + 50 >= 1366 ? 98_304 : n + 50 >= 342 ? 24_576 : 6144);
    const over = assessGrowth(
      extended(
        1500,
        (n) => 40 * MB + 45 * n + table(n),
        (n) => 50_000 + n,
        0,
      ),
    );
    expect(over.verdict).toBe('leak');
  });

  it('a leak whose first round also paid for warm-up is still a leak (measured on the demo session leak)', () => {
    const post = [95_191_040, 99_266_560, 100_995_072, 102_359_040, 102_961_152, 103_682_048];
    expect(growthVerdict(scan((k) => post[k]!)).verdict).toBe('leak');
  });

  it('a 64-byte leak is found once the scan is extended, and its range holds the size', () => {
    const v = growthVerdict(
      extended(
        1500,
        (n, k) => 30 * MB + 64 * n + wobble(k),
        (n, k) => 50_000 + n + (k % 3),
      ),
    );
    expect(v.verdict).toBe('leak');
    expect(v.retained_range![0]).toBeLessThanOrEqual(64);
    expect(v.retained_range![1]).toBeGreaterThanOrEqual(64);
    expect(v.blocks_per_request).toBeCloseTo(1, 1);
  });

  it('one object a request shows in the blocks while the bytes are too noisy to tell', () => {
    const noisy = (k: number): number => wobble(k) * 40;
    const v = growthVerdict(
      extended(
        1500,
        (n, k) => 30 * MB + 48 * n + noisy(k),
        (n) => 50_000 + n,
      ),
    );
    expect(v.verdict).toBe('leak');
    expect(v.reason).toMatch(/allocated blocks\/request/);
  });

  it("what every round costs whatever its size (the measurement's own footprint) is not a leak", () => {
    // Measured on gunicorn: ~15 KB and ~150 blocks a round, for 20 requests as for 200.
    const perRound = (n: number, k: number): number => 30 * MB + 15_000 * k + wobble(k);
    const v = assessGrowth(extended(1500, perRound, (n, k) => 50_000 + 150 * k));
    expect(v.verdict).toBe('ok');
    expect(v.retained_range![1]).toBeLessThan(64);
    expect(v.reason).toMatch(/retains less than \d+ B\/request \(95 % upper bound/);
    // Equal rounds cannot tell it from 750 B/request: not decided, and the scan is told to go on.
    const first = assessGrowth(extended(100, perRound, (n, k) => 50_000 + 150 * k));
    expect(first.pending).not.toBeNull();
    expect(first.verdict).not.toBe('ok');
  });

  it('a bounded cache of 256 entries of 20 KB is ok once the scan has seen it full', () => {
    const lru = (n: number, k: number): number => 30 * MB + Math.min(n, 206) * 20_000 + wobble(k);
    const early = assessGrowth(extended(100, lru));
    expect(early.pending).not.toBeNull();
    const v = assessGrowth(extended(1500, lru));
    expect(v.verdict).toBe('ok');
    // (a fit with a fixed cost per round read its warm-up as -3 KB/request: the plain slope is judged)
    expect(v.reason).toMatch(/^grew early \(3\.\d MB\) then levelled off/);
  });

  it('a memo that warms up over 500 requests is followed until it levels off', () => {
    const memo = (n: number, k: number): number => 30 * MB + Math.min(n, 450) * 1024 + wobble(k);
    expect(assessGrowth(extended(300, memo)).pending).not.toBeNull();
    expect(growthVerdict(extended(1500, memo)).verdict).toBe('ok');
  });

  it('a large transient allocation caught by one measurement is ok', () => {
    const v = growthVerdict(extended(700, (n, k) => 40 * MB + (k === 7 ? 36 * MB : 0) + wobble(k)));
    expect(v.verdict).toBe('ok');
  });

  it('flat within noise states its upper bound; too noisy to tell is inconclusive with the requests it needs', () => {
    const flat = growthVerdict(extended(700, (n, k) => 40 * MB + wobble(k)));
    expect(flat.verdict).toBe('ok');
    expect(flat.reason).toMatch(/retains less than/);
    const noisy = growthVerdict(scan((k) => 40 * MB + k * 25 * 200 + jitter(k) * 8));
    expect(noisy.verdict).toBe('inconclusive');
    expect(noisy.requests_needed).toBeGreaterThan(0);
    expect(noisy.reason).toMatch(/about \d+ more requests would decide it/);
  });

  it('a smaller leak of interest is a choice: 20 B/request is ok at 64, a leak at 8', () => {
    const points = extended(
      1500,
      (n, k) => 30 * MB + 20 * n + wobble(k) / 4,
      () => 50_000,
    );
    expect(growthVerdict(points, { minLeak: 64 }).verdict).toBe('ok');
    expect(growthVerdict(points, { minLeak: 8 }).verdict).toBe('leak');
  });

  it('big moves without a trend are inconclusive', () => {
    const v = growthVerdict(scan((k) => 40 * MB + [0, 9, 2, 11, 3, 8][k]! * MB));
    expect(v.verdict).toBe('inconclusive');
  });

  it('cyclic garbage that only a forced collection frees is a leak when the app has gc disabled', () => {
    const v = growthVerdict(
      scan((k) => 40 * MB + jitter(k), { garbagePerRequest: 200, gcEnabled: false, appFullCollections: 0 }),
    );
    expect(v.verdict).toBe('leak');
    expect(v.reason).toMatch(/only a forced gc\.collect\(\) frees.*gc disabled/);
    expect(v.retained_bytes_per_request).toBeGreaterThan(50_000);
  });

  it('the same garbage is no leak when the app collects it itself', () => {
    const v = growthVerdict(scan((k) => 40 * MB + jitter(k), { garbagePerRequest: 200 }));
    expect(v.cause).not.toBe('garbage');
    expect(v.verdict).not.toBe('leak');
  });

  it('needs three points', () => {
    expect(growthVerdict(scan((k) => k).slice(0, 2)).verdict).toBe('inconclusive');
  });

  it('sums up a scan', () => {
    expect(overallVerdict(['ok', 'leak', 'inconclusive'])).toBe('leak');
    expect(overallVerdict(['ok', 'inconclusive'])).toBe('inconclusive');
    expect(overallVerdict(['ok'])).toBe('ok');
    expect(overallVerdict([])).toBeNull();
  });
});

describe('while tracemalloc traces', () => {
  const traced = (rss: (k: number) => number, tracedBytes: (k: number) => number, garbagePerRequest = 0) =>
    scan(rss, { garbagePerRequest }).map((p, k) => ({ ...p, post: { ...p.post, traced: tracedBytes(k) } }));

  it('judges the traced bytes, not an RSS that creeps with tracemalloc and fragmentation', () => {
    // The demo's gc leak with a trace window open: RSS after collection +2 MB a round, traced bytes flat.
    const v = growthVerdict(
      traced(
        (k) => 50 * MB + 2 * MB * k,
        (k) => 8 * MB + jitter(k),
        40,
      ).map((p) => ({ ...p, gcEnabled: false, appFullCollections: 0 })),
    );
    expect(v).toMatchObject({ verdict: 'leak', cause: 'garbage' });
    const flat = growthVerdict(
      traced(
        (k) => 50 * MB + 2 * MB * k,
        (k) => 8 * MB + jitter(k),
      ),
    );
    // Page-sized jitter over 125 requests cannot show under 64 B/request: not a leak, and not ok yet.
    expect(flat.verdict).not.toBe('leak');
    expect(flat.reason).toMatch(/^traced memory after a full collection moves/);
  });

  it('a leak grows the traced bytes too, and says so', () => {
    const v = growthVerdict(
      traced(
        (k) => 50 * MB + 2 * MB * k,
        (k) => 8 * MB + 1.2 * MB * k,
      ),
    );
    expect(v).toMatchObject({ verdict: 'leak', cause: 'growth' });
    expect(v.reason).toMatch(/^traced memory after a full collection grows 4\d\.\d KB–\d+\.\d KB\/request/);
  });

  it('uses RSS when a point was measured without tracing', () => {
    const points: ScanPoint[] = traced(
      (k) => 50 * MB + 2 * MB * k,
      () => 8 * MB,
    );
    points[2] = { ...points[2]!, post: { ...points[2]!.post, traced: null } };
    expect(growthVerdict(points)).toMatchObject({ verdict: 'leak', cause: 'growth' });
  });
});

/** A scan measured on a view that returns a constant under runserver: [requests, stage, heap, blocks] a point
 * (the heap and blocks less 30,140,000 and 212,000), with the baseline's idle measurements. */
function measured(rows: [number, number | null, number, number][], idle: [number, number][]): ScanPoint[] {
  const figures = (heap: number, blocks: number) => ({
    rss: 45 * MB,
    heap: 30_140_000 + heap,
    blocks: 212_000 + blocks,
    gcObjects: 49_359,
  });
  return rows.map(([requests, stage, heap, blocks], i) => ({
    requests,
    pre: i ? figures(heap + 9000, blocks + 120) : null,
    post: figures(heap, blocks),
    collected: 0,
    garbageBytes: 0,
    gcEnabled: true,
    appFullCollections: i ? 1 : 0,
    ...(stage === null ? { idle: idle.map(([h, b]) => figures(h, b)) } : { stage }),
  }));
}

describe('a constant view measured with a smallest leak of interest no interval reaches (1 B)', () => {
  it('one step of the heap with the blocks flat is no rate: inconclusive, and it names the step', () => {
    // +2.4 KB between requests 140 and 155, then flat: a fit over all of it read 11-59 B/request, "certain"
    const points = measured(
      [
        [0, null, 4624, 119],
        [4, 0, 4512, 121],
        [8, 0, 4512, 121],
        [12, 0, 4400, 119],
        [16, 0, 4512, 121],
        [20, 0, 4512, 121],
        [30, 1, 4400, 119],
        [40, 1, 4560, 122],
        [50, 1, 4512, 121],
        [60, 1, 4400, 119],
        [80, 2, 4400, 119],
        [100, 2, 4560, 122],
        [120, 2, 4512, 121],
        [140, 2, 4512, 121],
        [155, 3, 6992, 120],
        [170, 3, 6992, 120],
        [185, 3, 6992, 120],
        [200, 3, 7440, 123],
      ],
      [
        [4640, 119],
        [4528, 117],
      ],
    );
    const v = growthVerdict(points, { minLeak: 1 });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toMatch(/rose in one step \(\+2\.4 KB between requests 140 and 155\)/);
    expect(v.requests_needed).toBeGreaterThanOrEqual(100);
    // the measured series with the same step twice more, the blocks flat all along (a list of references
    // growing): a leak
    const earlier = (n: number): number => 2480 * [60, 110].filter((at) => n >= at).length;
    const again = points.map((p) => ({
      ...p,
      post: { ...p.post, heap: p.post.heap! + earlier(p.requests) },
    }));
    expect(growthVerdict(again, { minLeak: 1 }).verdict).toBe('leak');
  });

  it('a fit that falls bounds nothing finer than its floor: not ok', () => {
    // rounds of 4 then 10 requests: a fixed cost per round of 126 B and -20 B/request (95 % -39 to -0.3) fit
    // it; that was "ok, retains less than 1 B/request"
    const points = measured(
      [
        [0, null, 4464, 117],
        [4, 0, 4448, 121],
        [8, 0, 4448, 121],
        [12, 0, 4432, 121],
        [16, 0, 4736, 121],
        [20, 0, 4624, 119],
        [30, 1, 4432, 121],
        [40, 1, 4448, 121],
        [50, 1, 4448, 121],
        [60, 1, 4336, 119],
      ],
      [
        [4576, 119],
        [4464, 117],
      ],
    );
    const v = growthVerdict(points, { minLeak: 1 });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toMatch(/more requests cannot decide it: an interval is never narrower than ±16 B/);
    expect(growthVerdict(points, { minLeak: 64 }).verdict).toBe('ok');
  });

  it('a latest part that falls is not a cache that levelled off', () => {
    // the latest 40 requests read below -15 B/request once a round's fixed cost was taken out; it was "ok,
    // grew early (0.0 MB) then levelled off"
    const points = measured(
      [
        [0, null, 3920, 119],
        [4, 0, 3808, 121],
        [8, 0, 3696, 119],
        [12, 0, 3792, 121],
        [16, 0, 4096, 121],
        [20, 0, 3984, 119],
        [30, 1, 3856, 122],
        [40, 1, 3808, 121],
        [50, 1, 3984, 119],
        [60, 1, 3792, 121],
      ],
      [
        [3936, 119],
        [3824, 117],
      ],
    );
    const v = growthVerdict(points, { minLeak: 1 });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).not.toMatch(/levelled off/);
  });
});

describe('with the heap in use measured', () => {
  const withHeap = (rss: (k: number) => number, heap: (k: number) => number): ScanPoint[] =>
    scan(rss).map((p, k) => ({ ...p, post: { ...p.post, heap: heap(k) } }));

  it('judges the heap, which a leak grows while it reuses memory freed earlier and RSS sits still', () => {
    // The demo's /weakref/leak/ right after /gc/leak/ freed its trees: RSS rose, then sat still; the heap in
    // use grew ~60 KB a request throughout.
    const v = growthVerdict(
      withHeap(
        (k) => 117 * MB + [0, 0.5, 1, 1, 1, 1][k]! * MB + jitter(k),
        (k) => 60 * MB + k * 25 * 60 * 1024 + jitter(k),
      ),
    );
    expect(v).toMatchObject({ verdict: 'leak', cause: 'growth', metric: 'heap' });
    expect(v.reason).toMatch(/^heap in use after a full collection grows \d+\.\d KB–6\d\.\d KB\/request/);
    expect(v.retained_bytes_per_request).toBeGreaterThan(60 * 1024 - 200);
  });

  it('an RSS that creeps with a flat heap is no leak', () => {
    const v = growthVerdict(
      withHeap(
        (k) => 50 * MB + 1.5 * MB * k,
        (k) => 30 * MB + jitter(k),
      ),
    );
    expect(v.verdict).not.toBe('leak');
    expect(v.reason).toMatch(/^heap in use after a full collection moves/);
  });

  it('traced bytes win over the heap while tracing; RSS is used when one point has no heap', () => {
    const points = withHeap(
      (k) => 50 * MB + 1.5 * MB * k,
      (k) => 30 * MB + 1.5 * MB * k,
    ).map((p) => ({ ...p, post: { ...p.post, traced: 8 * MB } }));
    expect(growthVerdict(points).reason).toMatch(/^traced memory/);
    const partial = withHeap(
      (k) => 50 * MB + jitter(k),
      (k) => 30 * MB + 1.5 * MB * k,
    );
    partial[3] = { ...partial[3]!, post: { ...partial[3]!.post, heap: null } };
    expect(growthVerdict(partial)).toMatchObject({ metric: 'rss' });
    expect(growthVerdict(partial).verdict).not.toBe('leak');
    expect(growthVerdict(partial).reason).toMatch(/^memory after a full collection moves/);
  });
});
