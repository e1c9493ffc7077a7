/**
 * Growth verdicts: is an endpoint leaking? Pure functions over the figures a scan measured between rounds of
 * requests. Memory is compared after a full collection (so garbage the app would free does not count), with a
 * robust slope (Theil–Sen), a trend test (Mann–Kendall) and a noise floor; garbage that only a forced
 * collection frees counts as a leak when the app's own collector would not run.
 */

export interface Measure {
  rss: number;
  blocks: number;
  gcObjects: number;
  /** tracemalloc's traced bytes, when every process traces (older scans: absent). */
  traced?: number | null;
  /** Bytes the allocators have handed out (pymalloc + malloc), when every process can read it (older scans:
   * absent). */
  heap?: number | null;
}

/** Which figure a verdict compares: traced bytes while tracemalloc runs (RSS creeps with tracing), else the
 * heap in use (a leak that reuses memory freed earlier does not move RSS), else RSS. */
export type MemoryMetric = 'traced' | 'heap' | 'rss';

export function memoryMetric(measures: readonly Measure[]): MemoryMetric {
  if (measures.length === 0) return 'rss';
  if (measures.every((m) => typeof m.traced === 'number')) return 'traced';
  if (measures.every((m) => typeof m.heap === 'number')) return 'heap';
  return 'rss';
}

export function memoryValue(m: Measure, metric: MemoryMetric): number {
  return metric === 'traced' ? m.traced! : metric === 'heap' ? m.heap! : m.rss;
}

const METRIC_LABEL: Record<MemoryMetric, string> = {
  traced: 'traced memory',
  heap: 'heap in use',
  rss: 'memory',
};

/** One point of the scan: the state after `requests` requests to the endpoint. */
export interface ScanPoint {
  requests: number;
  /** Before the forced collection (null for the baseline). */
  pre: Measure | null;
  /** After the forced collection. */
  post: Measure;
  /** Objects the forced collection freed, and the bytes they held. */
  collected: number;
  garbageBytes: number;
  gcEnabled: boolean;
  /** Full (generation 2) collections the app ran itself since the previous point. */
  appFullCollections: number;
}

export type Verdict = 'leak' | 'ok' | 'inconclusive';

export interface GrowthVerdict {
  verdict: Verdict;
  /** What made it a leak: memory that stays after a full collection, or garbage only a forced one frees. */
  cause: 'growth' | 'garbage' | null;
  confidence: number;
  retained_bytes_per_request: number;
  garbage_bytes_per_request: number;
  objects_per_request: number;
  reason: string;
  /** The figure compared: traced bytes, the heap in use, or RSS. */
  metric: MemoryMetric;
}

/** Total growth below this over the measured rounds is allocator noise, whatever its slope. */
export const NOISE_FLOOR_BYTES = 1024 * 1024;
/** Garbage that only a forced collection frees, per request, below which it is not worth a verdict. */
const GARBAGE_OBJECTS_FLOOR = 5;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Theil–Sen: the median of the slopes between every pair of points; one outlier cannot move it. */
export function theilSen(x: readonly number[], y: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      if (x[j] !== x[i]) slopes.push((y[j]! - y[i]!) / (x[j]! - x[i]!));
    }
  }
  return median(slopes);
}

/** Standard normal upper tail. */
function upperTail(z: number): number {
  // Abramowitz–Stegun 7.1.26 on erfc, accurate to ~1e-7.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Mann–Kendall test for an upward trend: one-sided p-value (normal approximation, continuity corrected). */
export function mannKendallUp(y: readonly number[]): number {
  const n = y.length;
  if (n < 3) return 1;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j]! - y[i]!);
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  if (s <= 0) return 1;
  return upperTail((s - 1) / Math.sqrt(variance));
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const clamp01 = (v: number): number => Math.max(0, Math.min(1, v));
const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The verdict for one endpoint from its scan points (baseline first). Needs at least 3 points.
 * - leak: post-collection memory grows with requests (significant trend, above the noise floor, still
 *   growing in the second half, so a warm-up that plateaus is not a leak), or garbage piles up that only a
 *   forced collection frees while the app's collector is disabled or never runs a full collection;
 * - ok: flat after collection, or growth below the noise floor, or a plateau;
 * - inconclusive: growth above the floor without a consistent trend (noise, too few rounds).
 */
export function growthVerdict(points: readonly ScanPoint[]): GrowthVerdict {
  const x = points.map((p) => p.requests);
  const metric = memoryMetric(points.map((p) => p.post));
  const values = points.map((p) => memoryValue(p.post, metric));
  const memory = METRIC_LABEL[metric];
  const objects = points.map((p) => p.post.gcObjects);
  const total = x[x.length - 1]! - x[0]!;
  const base = {
    retained_bytes_per_request: 0,
    garbage_bytes_per_request: 0,
    objects_per_request: 0,
    metric,
  };
  if (points.length < 3 || total <= 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      cause: null,
      confidence: 0,
      reason: `too few rounds measured (${points.length} points)`,
    };
  }

  // The steady state: from the end of the first round on, when enough rounds remain, so that warm-up the
  // first round still paid for (first sessions, connections, pages) neither hides nor fakes a trend.
  const from = points.length >= 5 ? 1 : 0;
  const xs = x.slice(from);
  const ys = values.slice(from);
  const span = xs[xs.length - 1]! - xs[0]!;
  const slope = Math.max(0, theilSen(xs, ys));
  const objectSlope = theilSen(x, objects);
  const growth = slope * span;
  const p = mannKendallUp(ys);
  const half = Math.floor(xs.length / 2);
  const lateSlope = Math.max(0, theilSen(xs.slice(half), ys.slice(half)));

  // Garbage only a forced collection frees: objects collected per request, and the memory it held.
  const rounds = points.slice(1);
  const garbageObjects = median(
    rounds.map((r, i) => r.collected / Math.max(1, r.requests - points[i]!.requests)),
  );
  const garbageBytes = median(
    rounds.map((r, i) => r.garbageBytes / Math.max(1, r.requests - points[i]!.requests)),
  );
  const appCollectorOff = rounds.every((r) => !r.gcEnabled || r.appFullCollections === 0);
  const figures = {
    metric,
    retained_bytes_per_request: Math.round(slope),
    garbage_bytes_per_request: Math.round(garbageBytes),
    objects_per_request: round(objectSlope, 2),
  };

  // Still growing in the last rounds at half the rate or more: a warm-up that levels off is not a leak.
  if (growth >= NOISE_FLOOR_BYTES && p < 0.05 && lateSlope >= 0.5 * slope) {
    const confidence = round(
      clamp01((1 - p) * clamp01(growth / (3 * NOISE_FLOOR_BYTES)) * clamp01(lateSlope / slope)),
    );
    return {
      ...figures,
      verdict: 'leak',
      cause: 'growth',
      confidence,
      reason: `${memory} after a full collection grows ${kb(slope)}/request (${mb(growth)} over ${span} requests, trend p=${p.toFixed(3)}), still growing in the last rounds`,
    };
  }
  if (
    garbageObjects >= GARBAGE_OBJECTS_FLOOR &&
    appCollectorOff &&
    garbageBytes * total >= NOISE_FLOOR_BYTES
  ) {
    const why = rounds.some((r) => !r.gcEnabled)
      ? 'the app has gc disabled'
      : 'the app ran no full collection';
    return {
      ...figures,
      retained_bytes_per_request: Math.max(
        figures.retained_bytes_per_request,
        figures.garbage_bytes_per_request,
      ),
      verdict: 'leak',
      cause: 'garbage',
      confidence: round(clamp01(garbageObjects / (4 * GARBAGE_OBJECTS_FLOOR))),
      reason: `${Math.round(garbageObjects)} objects/request (~${kb(garbageBytes)}) of cyclic garbage that only a forced gc.collect() frees, and ${why}`,
    };
  }
  // Flat means flat: a small slope through points that swing by megabytes says nothing. One outlier at each
  // end is left out (a transient allocation caught by one measurement).
  const sorted = [...ys].sort((a, b) => a - b);
  const trim = sorted.length >= 4 ? 1 : 0;
  const spread = sorted[sorted.length - 1 - trim]! - sorted[trim]!;
  if (growth < NOISE_FLOOR_BYTES && spread < 2 * NOISE_FLOOR_BYTES) {
    return {
      ...figures,
      verdict: 'ok',
      cause: null,
      confidence: round(clamp01(1 - growth / NOISE_FLOOR_BYTES)),
      reason: `${metric === 'rss' ? '' : `${memory} `}flat after a full collection: ${mb(growth)} over ${span} requests, under the ${mb(NOISE_FLOOR_BYTES)} noise floor`,
    };
  }
  // A plateau: the last rounds sit still (their spread is under the floor), after an early rise.
  const late = ys.slice(half);
  const lateSpread = Math.max(...late) - Math.min(...late);
  if (lateSlope < 0.5 * slope && lateSpread < NOISE_FLOOR_BYTES) {
    return {
      ...figures,
      verdict: 'ok',
      cause: null,
      confidence: round(clamp01(1 - lateSlope / slope)),
      reason: `grew early (${mb(growth)}) then levelled off: ${kb(lateSlope)}/request in the last rounds, a bounded cache warming up`,
    };
  }
  return {
    ...figures,
    verdict: 'inconclusive',
    cause: null,
    confidence: round(clamp01(p)),
    reason: `${memory} moved by ${mb(growth)} without a consistent trend (p=${p.toFixed(2)}): run more rounds or requests`,
  };
}

/** The whole scan's verdict: any leak wins, then any inconclusive. */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict | null {
  if (verdicts.length === 0) return null;
  if (verdicts.includes('leak')) return 'leak';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'ok';
}
