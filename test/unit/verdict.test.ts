import { describe, expect, it } from 'vitest';
import {
  growthVerdict,
  mannKendallUp,
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
});

describe('growthVerdict', () => {
  it('a steady 50 KB/request leak is a leak, with the size measured', () => {
    const v = growthVerdict(scan((k) => 40 * MB + k * 25 * 50_000 + jitter(k)));
    expect(v.verdict).toBe('leak');
    expect(v.retained_bytes_per_request).toBeGreaterThan(45_000);
    expect(v.retained_bytes_per_request).toBeLessThan(55_000);
    expect(v.confidence).toBeGreaterThan(0.9);
    expect(v.reason).toMatch(/grows 48\.\d KB\/request/);
  });

  it('a leak whose first round also paid for warm-up is still a leak (measured on the demo session leak)', () => {
    const post = [95_191_040, 99_266_560, 100_995_072, 102_359_040, 102_961_152, 103_682_048];
    const v = growthVerdict(scan((k) => post[k]!));
    expect(v.verdict).toBe('leak');
    expect(v.confidence).toBeLessThan(0.9);
  });

  it('a bounded cache that fills in the first rounds then plateaus is ok', () => {
    const v = growthVerdict(scan((k) => 40 * MB + Math.min(k, 2) * 25 * 30_000 + jitter(k)));
    expect(v.verdict).toBe('ok');
    // Filling over the first two rounds and flat after: a plateau, or flat once the first round is out.
    expect(v.reason).toMatch(/levelled off|flat after a full collection/);
    const slower = growthVerdict(scan((k) => 40 * MB + Math.min(k, 3) * 25 * 30_000 + jitter(k)));
    expect(slower.verdict).toBe('ok');
  });

  it('a large transient allocation that is freed is ok', () => {
    const v = growthVerdict(scan((k) => 40 * MB + (k === 3 ? 36 * MB : 0) + jitter(k)));
    expect(v.verdict).toBe('ok');
  });

  it('page-sized jitter is under the noise floor', () => {
    const v = growthVerdict(scan((k) => 40 * MB + k * 4096 + jitter(k)));
    expect(v).toMatchObject({ verdict: 'ok' });
    expect(v.reason).toMatch(/noise floor/);
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

  it('the same garbage is ok when the app collects it itself', () => {
    const v = growthVerdict(scan((k) => 40 * MB + jitter(k), { garbagePerRequest: 200 }));
    expect(v.verdict).toBe('ok');
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
    expect(flat.verdict).toBe('ok');
    expect(flat.reason).toMatch(/^traced memory flat after a full collection/);
  });

  it('a leak grows the traced bytes too, and says so', () => {
    const v = growthVerdict(
      traced(
        (k) => 50 * MB + 2 * MB * k,
        (k) => 8 * MB + 1.2 * MB * k,
      ),
    );
    expect(v).toMatchObject({ verdict: 'leak', cause: 'growth' });
    expect(v.reason).toMatch(/^traced memory after a full collection grows 49\.2 KB\/request/);
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
    expect(v.reason).toMatch(/^heap in use after a full collection grows 60\.\d KB\/request/);
    expect(v.retained_bytes_per_request).toBeGreaterThan(60 * 1024 - 200);
  });

  it('an RSS that creeps with a flat heap is no leak', () => {
    const v = growthVerdict(
      withHeap(
        (k) => 50 * MB + 1.5 * MB * k,
        (k) => 30 * MB + jitter(k),
      ),
    );
    expect(v.verdict).toBe('ok');
    expect(v.reason).toMatch(/^heap in use flat after a full collection/);
  });

  it('traced bytes win over the heap while tracing; RSS is used when one point has no heap', () => {
    const points = withHeap(
      (k) => 50 * MB + 1.5 * MB * k,
      (k) => 30 * MB + 1.5 * MB * k,
    ).map((p) => ({ ...p, post: { ...p.post, traced: 8 * MB } }));
    expect(growthVerdict(points).reason).toMatch(/^traced memory flat/);
    const partial = withHeap(
      (k) => 50 * MB + jitter(k),
      (k) => 30 * MB + 1.5 * MB * k,
    );
    partial[3] = { ...partial[3]!, post: { ...partial[3]!.post, heap: null } };
    expect(growthVerdict(partial)).toMatchObject({ verdict: 'ok', metric: 'rss' });
    expect(growthVerdict(partial).reason).toMatch(/^flat after a full collection/);
  });
});
