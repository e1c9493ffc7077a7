/**
 * Verdict branches the main verdict tests leave alone: a scan of only 3 or 4 points (the steady state then starts
 * at the baseline, and the latest part is too short to bound anything), rounds that added no requests, and cyclic
 * garbage while the app's collector is on but never ran a full collection.
 */
import { describe, expect, it } from 'vitest';
import { assessGrowth, growthVerdict, type Measure, type ScanPoint } from '../../main/analysis/verdict.ts';

const MB = 1048576;
const HEAP = 10_000_000;

const figures = (heap: number): Measure => ({ rss: 60 * MB, heap, blocks: 50_000, gcObjects: 1000 });

/**
 * A scan as the engine records it: a baseline (no stage) measured three times, the idle measurements 512 B either
 * side of it (a standard deviation of exactly 512 B), then rounds of stage 0 after `requests[k]` requests in all,
 * the heap at `heap(k)`.
 */
function points(requests: readonly number[], heap: (k: number) => number): ScanPoint[] {
  return [
    {
      requests: 0,
      pre: null,
      post: figures(HEAP),
      collected: 0,
      garbageBytes: 0,
      gcEnabled: true,
      appFullCollections: 0,
      idle: [figures(HEAP + 512), figures(HEAP - 512)],
    },
    ...requests.map((n, k): ScanPoint => ({
      requests: n,
      pre: figures(heap(k + 1)),
      post: figures(heap(k + 1)),
      collected: 0,
      garbageBytes: 0,
      gcEnabled: true,
      appFullCollections: 1,
      stage: 0,
    })),
  ];
}

describe('a scan of only three or four points', () => {
  it('three points of a 1 KB/request leak: a leak, the baseline part of the fit', () => {
    // The fit runs over all three points (0, 20, 40 requests): slope 1000 B/request, no residual, so its
    // interval comes from the idle noise: 12.706 (t, 1 degree of freedom) × 512 / √800 = ±230 B/request.
    // From the end of the first round on (as with 5 points or more) two points would bound nothing.
    const scan = points([20, 40], (k) => HEAP + 1000 * [0, 20, 40][k]!);
    const a = assessGrowth(scan, { minLeak: 64 });
    expect(a).toEqual({
      verdict: 'leak',
      cause: 'growth',
      confidence: 1,
      metric: 'heap',
      retained_bytes_per_request: 1000,
      retained_range: [770, 1230],
      blocks_per_request: 0,
      garbage_bytes_per_request: 0,
      objects_per_request: 0,
      requests_needed: null,
      // the latest part: the second half (from 20 requests on), whose two points bound nothing, so it cannot
      // read as slowing down
      reason:
        'heap in use after a full collection grows 770 B–1.2 KB/request (95 %), 0.0 MB over 40 requests (trend certain), not slowing down in the last 20 requests',
      // 40 requests are not enough to call a bounded cache a leak: the scan is told to go on
      pending:
        'growing 1000 B/request over 40 requests: a bounded cache grows like this until it is full, so it is followed to 1000 requests',
    });
  });

  it('four flat points: ok, its upper bound over all 60 requests', () => {
    // slope 0 over 0, 20, 40, 60 requests: 4.303 (t, 2 degrees of freedom) × 512 / √2000 = 49.26 B/request
    const scan = points([20, 40, 60], () => HEAP);
    const v = growthVerdict(scan, { minLeak: 64 });
    expect(v).toMatchObject({
      verdict: 'ok',
      cause: null,
      confidence: 1,
      retained_bytes_per_request: 0,
      retained_range: [0, 49],
    });
    expect(v.reason).toBe(
      'heap in use flat after a full collection: retains less than 49 B/request (95 % upper bound, over 60 requests; smallest leak of interest 64 B)',
    );
    // The same rounds with a smallest leak of interest under that bound decide nothing yet.
    const strict = assessGrowth(scan, { minLeak: 32 });
    expect(strict.verdict).toBe('inconclusive');
    expect(strict.pending).toMatch(
      /^heap in use after a full collection moves 0 B–49 B\/request \(95 %\) over 60 requests/,
    );
  });

  it('four points with one step in the last round: undecided, and not judged as a step (that reads the rounds alone)', () => {
    // +4 KB between 40 and 60 requests only. Theil–Sen over the 6 pairs: median of 0, 0, 68.3, 0, 102.4, 204.8
    // (B/request) = 34.1; the residuals widen the interval below zero: neither a leak nor ok.
    const scan = points([20, 40, 60], (k) => HEAP + (k === 3 ? 4096 : 0));
    const v = growthVerdict(scan, { minLeak: 64 });
    expect(v.verdict).toBe('inconclusive');
    expect(v.retained_bytes_per_request).toBe(34);
    expect(v.reason).toMatch(
      /^heap in use after a full collection moves 0 B–\d+ B\/request \(95 %\) over 60 requests: neither clearly above zero nor below 64 B\/request/,
    );
  });

  it('rounds that added no requests are too few rounds, whatever their count', () => {
    // What a round of zero requests records (the last round of a scenario with fewer requests than rounds):
    // three points, all at 0 requests.
    const v = assessGrowth(
      points([0, 0], () => HEAP),
      { minLeak: 64 },
    );
    expect(v).toMatchObject({
      verdict: 'inconclusive',
      reason: 'too few rounds measured (3 points)',
      pending: 'too few rounds measured (3 points)',
      retained_range: null,
    });
  });
});

/** Six points of 25 requests, the heap flat within the idle noise; each round frees `objects` objects (400 B
 * each) per request in the forced collection, with the app's collector as given. */
function garbageScan(
  objects: number,
  round: (k: number) => Pick<ScanPoint, 'gcEnabled' | 'appFullCollections'>,
): ScanPoint[] {
  return points([25, 50, 75, 100, 125], () => HEAP).map((p, k) =>
    k === 0 ? p : { ...p, collected: objects * 25, garbageBytes: objects * 25 * 400, ...round(k) },
  );
}

describe('cyclic garbage with the collector on', () => {
  it('gc on but no full collection ever: the garbage piles up, a leak that says so', () => {
    const v = growthVerdict(
      garbageScan(200, () => ({ gcEnabled: true, appFullCollections: 0 })),
      { minLeak: 64 },
    );
    expect(v).toMatchObject({
      verdict: 'leak',
      cause: 'garbage',
      confidence: 1,
      garbage_bytes_per_request: 80_000,
      // the heap is flat: what the endpoint retains is the garbage
      retained_bytes_per_request: 80_000,
    });
    expect(v.reason).toBe(
      '200 objects/request (~78.1 KB) of cyclic garbage that only a forced gc.collect() frees, and the app ran no full collection',
    );
  });

  it('one full collection of its own in any round: the app frees it, no leak', () => {
    const v = growthVerdict(
      garbageScan(200, (k) => ({ gcEnabled: true, appFullCollections: k === 4 ? 1 : 0 })),
      { minLeak: 64 },
    );
    expect(v.cause).toBeNull();
    expect(v.verdict).toBe('ok');
    expect(v.garbage_bytes_per_request).toBe(80_000);
  });

  it('gc disabled in one round is named as the cause, even when the others collected nothing', () => {
    const v = growthVerdict(
      garbageScan(200, (k) => ({ gcEnabled: k !== 2, appFullCollections: 0 })),
      { minLeak: 64 },
    );
    expect(v.cause).toBe('garbage');
    expect(v.reason).toMatch(/, and the app has gc disabled$/);
  });

  it('below 5 objects or 2 KB a request it is not worth a verdict', () => {
    const never = (): Pick<ScanPoint, 'gcEnabled' | 'appFullCollections'> => ({
      gcEnabled: true,
      appFullCollections: 0,
    });
    // 4 objects (1.6 KB) a request: under the objects' floor
    expect(growthVerdict(garbageScan(4, never)).cause).toBeNull();
    // 5 objects (2,000 B) a request: under the bytes' floor of 2,048
    expect(growthVerdict(garbageScan(5, never)).cause).toBeNull();
    // 6 objects (2,400 B) a request: both floors passed
    expect(growthVerdict(garbageScan(6, never))).toMatchObject({
      verdict: 'leak',
      cause: 'garbage',
      garbage_bytes_per_request: 2400,
      confidence: 0.3,
    });
    // the smallest leak of interest above the garbage's bytes raises the bar
    expect(growthVerdict(garbageScan(6, never), { minLeak: 4096 }).cause).toBeNull();
  });
});
