/**
 * Growth verdicts: is an endpoint leaking? Pure functions over the figures a scan measured between rounds of
 * requests. Memory is compared after a full collection (so garbage the app would free does not count). The
 * decision comes from a 95 % interval of the growth per request, whose width is set by the noise measured in
 * this process (the spread of measurements repeated without traffic, and the residuals of the round series),
 * not by a fixed floor: with enough requests a 64-byte leak is as clear as a 64-kilobyte one. Two figures are
 * read: bytes (the heap in use, traced bytes or RSS) and pymalloc's allocated blocks, an integer that a leak of
 * one small object a request moves by one a request while bytes jitter. Garbage that only a forced collection
 * frees counts as a leak when the app's own collector would not run.
 */

import type { ScanFiguresDto, ScanPointDto, ScanResultDto, VerdictDto } from '../../preload/contract.ts';

/** A measurement summed over the serving processes (rss, blocks, objects; traced bytes and the heap in use when
 * every process has them). */
export type Measure = ScanFiguresDto;

/** Which figure a verdict compares: traced bytes while tracemalloc runs (RSS creeps with tracing), else the
 * heap in use (a leak that reuses memory freed earlier does not move RSS), else RSS. */
export type MemoryMetric = ScanResultDto['metric'];

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
export type ScanPoint = ScanPointDto;

export type Verdict = VerdictDto;

/** A verdict and the figures behind it, as a scan result carries them. */
export type GrowthVerdict = Pick<
  ScanResultDto,
  | 'verdict'
  | 'cause'
  | 'confidence'
  | 'retained_bytes_per_request'
  | 'retained_range'
  | 'blocks_per_request'
  | 'garbage_bytes_per_request'
  | 'objects_per_request'
  | 'reason'
  | 'metric'
  | 'requests_needed'
>;

/** What a verdict needs beyond the points. */
export interface VerdictOptions {
  /** The smallest leak of interest, in bytes per request: an endpoint shown to retain less is ok. */
  minLeak: number;
}

/** What a scan does when a verdict is not decided yet: the verdict as it stands, and why more requests help. */
export interface Assessment extends GrowthVerdict {
  /** Null: decided. Otherwise what more requests would settle (the scan extends the endpoint while it may). */
  pending: string | null;
}

export const DEFAULT_MIN_LEAK = 64;
/** A bounded cache grows like a leak until it is full. Growth is called a leak once it has kept its rate over
 * this many requests, or kept this many bytes, whichever comes first (the scan extends to see that far). */
export const CONFIRM_REQUESTS = 1000;
export const CONFIRM_BYTES = 8 * 1024 * 1024;
/** What one more entry of a container costs is not a constant: a list over-allocates by an eighth, a dict's
 * tables double, so the same entries cost more or fewer bytes a request depending on where a window of requests
 * falls against those steps (slow_leaks' cache-backed session: 1,123 B/request over requests 600-2,600 of its
 * dicts, 1,148-1,181 over requests 150-1,650; its bound-method widget 1,032-1,034 and 1,028-1,031). A bytes
 * interval is never narrower than 16 B or 8 % of the rate each side, so that it holds the long-run rate. */
export const CONTAINER_STEP_BYTES = 16;
export const CONTAINER_STEP_SHARE = 0.08;
/** Blocks per request at or above which a steady rise in allocated blocks is a leak on its own: one object
 * kept every fourth request. Warm-up (interned strings, URL resolver and template caches) levels off. */
const BLOCKS_FLOOR = 0.25;
/** Garbage that only a forced collection frees, per request, below which it is not worth a verdict: objects,
 * and bytes. Under runserver (a thread per request) with the collector off, a finished thread's database
 * connection wrapper (a 16-object cycle, ~1.3 KB) is left behind every few requests that query: real, but a
 * development server's, and left below these floors. */
const GARBAGE_OBJECTS_FLOOR = 5;
const GARBAGE_BYTES_FLOOR = 2048;

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

/** Student's t, two-sided 95 %, by degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086,
];
export function t975(dof: number): number {
  return dof <= T975.length ? T975[Math.max(1, dof) - 1]! : 1.96 + 2.4 / dof;
}

/** A slope with its 95 % interval. */
export interface SlopeFit {
  slope: number;
  low: number;
  high: number;
  /** Standard error of the slope. */
  se: number;
  /** The half-width the interval is never narrower than, whatever the requests (atLeast). */
  floor?: number;
}

/**
 * The Theil–Sen slope of y against x with a 95 % interval from the residuals around that line, never narrower
 * than the measured noise of one figure (`noise`, a standard deviation) allows. From five points on, the one
 * largest residual is left out of the spread: a transient allocation caught by one measurement. Fewer than 3
 * points bound nothing.
 */
export function slopeFit(x: readonly number[], y: readonly number[], noise: number): SlopeFit {
  const slope = theilSen(x, y);
  const n = x.length;
  if (n < 3) return { slope, low: -Infinity, high: Infinity, se: Infinity };
  const meanX = x.reduce((s, v) => s + v, 0) / n;
  const sxx = x.reduce((s, v) => s + (v - meanX) ** 2, 0);
  if (sxx === 0) return { slope, low: -Infinity, high: Infinity, se: Infinity };
  const intercept = median(y.map((v, i) => v - slope * x[i]!));
  const squares = y.map((v, i) => (v - intercept - slope * x[i]!) ** 2).sort((a, b) => a - b);
  const kept = n >= 5 ? squares.slice(0, -1) : squares;
  const dof = kept.length - 2;
  const variance = Math.max(kept.reduce((s, v) => s + v, 0) / Math.max(1, dof), noise ** 2);
  const se = Math.sqrt(variance / sxx);
  const half = t975(Math.max(1, dof)) * se;
  return { slope, low: slope - half, high: slope + half, se };
}

/** The interval widened to at least `half` each side of the slope. */
function atLeast(f: SlopeFit, half: number, share = 0): SlopeFit {
  const h = Math.max(half, share * Math.abs(f.slope));
  return { ...f, low: Math.min(f.low, f.slope - h), high: Math.max(f.high, f.slope + h), floor: h };
}

/** The series with its steepest rise between two consecutive measurements (bytes per request in between: a
 * burst of requests is no step) taken out of every later one, and that rise: the trend the rest shows. */
export function withoutSteepestRise(
  x: readonly number[],
  y: readonly number[],
): { rest: number[]; rise: number; at: number } {
  const steep = (i: number): number => (y[i]! - y[i - 1]!) / Math.max(1, x[i]! - x[i - 1]!);
  let at = 1;
  for (let i = 2; i < y.length; i++) if (steep(i) > steep(at)) at = i;
  const rise = y.length > 1 ? y[at]! - y[at - 1]! : 0;
  return { rest: y.map((v, i) => (i >= at ? v - rise : v)), rise, at };
}

/** Inverse of a symmetric 3×3 matrix (null when singular). */
function inverse3(m: readonly (readonly number[])[]): number[][] | null {
  const [a, b, c] = m as [number[], number[], number[]];
  const cof = [
    [b[1]! * c[2]! - b[2]! * c[1]!, a[2]! * c[1]! - a[1]! * c[2]!, a[1]! * b[2]! - a[2]! * b[1]!],
    [b[2]! * c[0]! - b[0]! * c[2]!, a[0]! * c[2]! - a[2]! * c[0]!, a[2]! * b[0]! - a[0]! * b[2]!],
    [b[0]! * c[1]! - b[1]! * c[0]!, a[1]! * c[0]! - a[0]! * c[1]!, a[0]! * b[1]! - a[1]! * b[0]!],
  ];
  const det = a[0]! * cof[0]![0]! + a[1]! * cof[1]![0]! + a[2]! * cof[2]![0]!;
  const scale = Math.abs(a[0]! * b[1]! * c[2]!) || 1;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-9 * scale) return null;
  return cof.map((row) => row.map((v) => v / det));
}

/**
 * The one measurement that jumped away from both its neighbours and came back, the largest if several: its
 * two steps of opposite signs and over `limit`, its neighbours within a quarter of the smaller step of each
 * other (a leak's rise between them would have to be an eighth of the jump). -1 when there is none.
 */
export function spikeAt(y: readonly number[], limit: number): number {
  let at = -1;
  let size = 0;
  for (let i = 1; i < y.length - 1; i++) {
    const away = y[i]! - y[i - 1]!;
    const back = y[i + 1]! - y[i]!;
    const step = Math.min(Math.abs(away), Math.abs(back));
    if (
      Math.sign(away) === -Math.sign(back) &&
      step > Math.max(limit, size) &&
      Math.abs(y[i + 1]! - y[i - 1]!) < step / 4
    ) {
      at = i;
      size = step;
    }
  }
  return at;
}

/** Least squares of y on the columns of `rows` (three), with the residuals; null when they are collinear. */
function leastSquares3(
  rows: readonly (readonly number[])[],
  y: readonly number[],
): { coef: number[]; inv: number[][]; residuals: number[] } | null {
  const ata = [0, 1, 2].map((p) => [0, 1, 2].map((q) => rows.reduce((s, r) => s + r[p]! * r[q]!, 0)));
  const inv = inverse3(ata);
  if (!inv) return null;
  const aty = [0, 1, 2].map((p) => rows.reduce((s, r, i) => s + r[p]! * y[i]!, 0));
  const coef = inv.map((row) => row.reduce((s, v, j) => s + v * aty[j]!, 0));
  const residuals = rows.map((r, i) => y[i]! - r.reduce((t, v, j) => t + v * coef[j]!, 0));
  return { coef, inv, residuals };
}

/**
 * Growth per request when every round also costs a fixed amount, whatever its size: y = a + b·requests +
 * c·round. What a measurement leaves behind (measured here: ~15 KB and ~150 blocks a round on a gunicorn
 * worker, the same for 20 requests as for 200) would otherwise read as a leak of c/round-size bytes a request.
 * The two can only be told apart when rounds differ in size (an extended scan): otherwise null. Least squares,
 * the interval from the residuals, never narrower than the measured noise. From seven points on, a
 * measurement that jumped away and came back (a transient allocation it caught: spikeAt) is left out, as least
 * squares would otherwise bend every coefficient to it.
 */
export function perRoundFit(
  x: readonly number[],
  y: readonly number[],
  noise: number,
): { fit: SlopeFit; perRound: number } | null {
  const n = x.length;
  const sizes = new Set(x.slice(1).map((v, i) => v - x[i]!));
  if (n < 6 || sizes.size < 2) return null;
  const spike = n >= 7 ? spikeAt(y, 5 * noise) : -1;
  const rows = x.map((v, i) => [1, v, i]).filter((_, i) => i !== spike);
  const ls = leastSquares3(
    rows,
    y.filter((_, i) => i !== spike),
  );
  if (!ls) return null;
  const dof = rows.length - 3;
  const residual = ls.residuals.reduce((s, r) => s + r ** 2, 0);
  const variance = Math.max(residual / dof, noise ** 2);
  const se = Math.sqrt(Math.max(0, variance * ls.inv[1]![1]!));
  const half = t975(dof) * se;
  const slope = ls.coef[1]!;
  return { fit: { slope, low: slope - half, high: slope + half, se }, perRound: ls.coef[2]! };
}

/** Standard deviation of a figure measured repeatedly without traffic (0 when there is one measurement). */
export function idleNoise(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
/** Bytes per request as people read them: 37 B, 1.2 KB. */
export function perRequestBytes(bytes: number): string {
  const b = Math.max(0, bytes);
  return b < 1024 ? `${Math.round(b)} B` : b < 1048576 ? kb(b) : `${(b / 1048576).toFixed(2)} MB`;
}
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const clamp01 = (v: number): number => Math.max(0, Math.min(1, v));
const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;
const range = (f: SlopeFit): [number, number] | null =>
  Number.isFinite(f.low) && Number.isFinite(f.high)
    ? [Math.max(0, Math.round(f.low)), Math.max(0, Math.round(f.high))]
    : null;
/** How sure we are that the true slope lies beyond `than` (above it, or below with `below`). */
const sure = (f: SlopeFit, than: number, below = false): number =>
  Number.isFinite(f.se)
    ? round(clamp01(1 - upperTail(((below ? -1 : 1) * (f.slope - than)) / (f.se || 1e-9))))
    : 0;

/** What an interval bounds the retention by: its upper end, never below its floor (a leak's growth cannot be
 * negative, so a fit that falls bounds nothing finer than a container's steps; measured on a constant view, 56
 * requests in rounds of 4 and 10: -20 B/request (95 % -39 to -0.3) once a fixed cost per round was taken out). */
const bound = (f: SlopeFit): number => Math.max(f.high, f.floor ?? 0);

/** More requests that would bring the interval's half-width down to `target` (it narrows about as 1/span). */
function moreRequests(f: SlopeFit, span: number, target: number): number | null {
  // no number of requests narrows it past its floor
  if (!Number.isFinite(f.high) || target <= (f.floor ?? 0)) return null;
  const half = (f.high - f.low) / 2;
  const more = span * (half / target) - span;
  return Math.max(10, Math.ceil(more / 10) * 10);
}

/**
 * The verdict for one endpoint from its scan points (baseline first), and what would decide it when it is not
 * decided yet.
 * - leak: bytes (or allocated blocks) after a full collection grow per request with a 95 % interval above
 *   zero, in the whole steady state and in its latest part, and the interval reaches the smallest leak of
 *   interest; or garbage piles up that only a forced collection frees while the app's collector is off or
 *   never runs a full collection;
 * - ok: the interval's upper end is below the smallest leak of interest, over the whole steady state or over
 *   its latest part (a cache that warmed up, then levelled off);
 * - inconclusive: neither yet (`pending` says why, `requests_needed` about how many more requests would do).
 */
export function assessGrowth(
  points: readonly ScanPoint[],
  opts: VerdictOptions = { minLeak: DEFAULT_MIN_LEAK },
): Assessment {
  const minLeak = opts.minLeak;
  const x = points.map((p) => p.requests);
  const metric = memoryMetric(points.map((p) => p.post));
  const values = points.map((p) => memoryValue(p.post, metric));
  const memory = METRIC_LABEL[metric];
  const total = x[x.length - 1]! - x[0]!;
  const undecided = {
    retained_bytes_per_request: 0,
    retained_range: null,
    blocks_per_request: 0,
    garbage_bytes_per_request: 0,
    objects_per_request: 0,
    metric,
    verdict: 'inconclusive' as const,
    cause: null,
    confidence: 0,
    requests_needed: null,
  };
  if (points.length < 3 || total <= 0) {
    const reason = `too few rounds measured (${points.length} points)`;
    return { ...undecided, reason, pending: reason };
  }

  // The steady state: from the end of the first round on, when enough rounds remain, so that warm-up the
  // first round still paid for (first sessions, connections, pages) neither hides nor fakes a trend.
  const from = points.length >= 5 ? 1 : 0;
  const steady = points.slice(from);
  const xs = x.slice(from);
  const span = xs[xs.length - 1]! - xs[0]!;
  // The latest part: the last extension with the point it started from, else the second half.
  const lastStage = steady[steady.length - 1]!.stage ?? 0;
  const stageStart = steady.findIndex((p) => (p.stage ?? 0) === lastStage);
  const lateFrom =
    lastStage > 0 && stageStart > 0 && steady.length - stageStart >= 3
      ? stageStart - 1
      : Math.floor(steady.length / 2);
  const late = (v: readonly number[]): number[] => v.slice(lateFrom);
  const lateSpan = xs[xs.length - 1]! - xs[lateFrom]!;

  const baseline = points[0]!;
  const idle = [baseline.post, ...(baseline.idle ?? [])];
  const bytesNoise = idleNoise(idle.map((m) => memoryValue(m, metric)));
  const blocksNoise = idleNoise(idle.map((m) => m.blocks));
  // Each figure's growth per request, with what every round costs taken out where that can be measured; the
  // latest part is judged on the figures less that per-round cost.
  // Only a scan's rounds end in a measurement of their own (they carry a stage); a recording's intervals are
  // the probe's schedule, where a fixed cost per interval is drift over time, fitted by the recording itself.
  const scanRounds = steady.every((p) => p.stage !== undefined);
  const fits = (series: readonly number[], noise: number, step = 0, share = 0): [SlopeFit, SlopeFit] => {
    // A fit that takes a fixed cost per round and gives requests a growth clearly below zero does not describe
    // the series (no leak shrinks): a cache warming up, whose early rounds are many and short, reads as a
    // round's cost and a falling rate (-3 KB/request for a 20 KB-entry cache full after 206 requests); then the
    // plain slope is judged.
    const fitted = scanRounds ? perRoundFit(xs, series, noise) : null;
    const rounds = fitted && fitted.fit.high >= 0 ? fitted : null;
    const net = rounds ? series.map((v, i) => v - rounds.perRound * i) : series;
    return [
      atLeast(rounds?.fit ?? slopeFit(xs, net, noise), step, share),
      atLeast(slopeFit(late(xs), late(net), noise), step, share),
    ];
  };
  const [bytesFit, bytesLate] = fits(
    values.slice(from),
    bytesNoise,
    CONTAINER_STEP_BYTES,
    CONTAINER_STEP_SHARE,
  );
  const [blocksFit, blocksLate] = fits(
    steady.map((p) => p.post.blocks),
    blocksNoise,
  );
  const slope = Math.max(0, bytesFit.slope);
  const growth = slope * span;

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
    retained_range: range(bytesFit),
    blocks_per_request: round(blocksFit.slope, 2),
    garbage_bytes_per_request: Math.round(garbageBytes),
    objects_per_request: round(
      theilSen(
        x,
        points.map((p) => p.post.gcObjects),
      ),
      2,
    ),
    requests_needed: null,
  };
  const between = figures.retained_range
    ? `${perRequestBytes(figures.retained_range[0])}–${perRequestBytes(figures.retained_range[1])}/request (95 %)`
    : `${perRequestBytes(slope)}/request`;

  // Growth slowing down: the latest rate clearly below the whole steady state's (a cache filling up). A leak
  // keeps its rate; a noisy latest part does not make it slow down.
  const slowing = slope > 0 && bytesLate.high < 0.5 * slope;
  const bytesUp = bytesFit.low > 0 && !slowing;
  const blocksUp = blocksFit.low > BLOCKS_FLOOR && blocksLate.high >= 0.5 * blocksFit.slope;
  // Bytes whose rise rests on one steep step between two measurements (no trend without it), with no objects kept: a
  // container's table resized once (a dict doubling, a list over-allocating) or a one-off cache fill. Measured on
  // a view that returns a constant under runserver: +2.4 KB between requests 140 and 155 of 200, blocks flat,
  // which a fit over the whole series reads as 11-59 B/request "certain". A leak of that shape steps again; one
  // step alone is not a rate.
  const stepped = withoutSteepestRise(xs, values.slice(from));
  // (a scan's rounds only: a recording's intervals rise with its traffic, which comes in bursts)
  const oneStep = scanRounds && !blocksUp && bytesFit.low > 0 && fits(stepped.rest, bytesNoise)[0].low <= 0;
  // Levelled off: the latest rate is clearly below the whole series' and below the smallest leak of interest
  // (a cache that filled up). A latest part that is merely noisy decides nothing.
  const levelledOff = slowing && bound(bytesLate) < minLeak && lateFrom > 0;
  if ((bytesUp || blocksUp) && bytesFit.high >= minLeak && !levelledOff && !oneStep) {
    const confirmed = span >= CONFIRM_REQUESTS || growth >= CONFIRM_BYTES;
    const by = bytesUp
      ? `trend ${sure(bytesFit, 0) >= 0.999 ? 'certain' : `confidence ${sure(bytesFit, 0)}`}`
      : `+${round(blocksFit.slope, 2)} allocated blocks/request (95 % from ${round(blocksFit.low, 2)})`;
    return {
      ...figures,
      verdict: 'leak',
      cause: 'growth',
      confidence: bytesUp ? sure(bytesFit, 0) : sure(blocksFit, BLOCKS_FLOOR),
      reason: `${memory} after a full collection grows ${between}, ${mb(growth)} over ${span} requests (${by}), not slowing down in the last ${lateSpan} requests`,
      pending: confirmed
        ? null
        : `growing ${perRequestBytes(slope)}/request over ${span} requests: a bounded cache grows like this until it is full, so it is followed to ${CONFIRM_REQUESTS} requests`,
    };
  }
  if (
    garbageObjects >= GARBAGE_OBJECTS_FLOOR &&
    appCollectorOff &&
    garbageBytes >= Math.max(minLeak, GARBAGE_BYTES_FLOOR)
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
      pending: null,
    };
  }
  const what = metric === 'rss' ? '' : `${memory} `;
  // Objects kept at a steady rate are not ok while the bytes are merely near the bound: a dict's entries cost
  // their table's doubling in steps, and a window between two steps reads a 76 B/request memo at ~45-56 B.
  // Far under it (a few bytes a request for each object), the objects are too small to matter.
  const keptNearBound = blocksUp && bytesFit.high >= minLeak / 2;
  if (bound(bytesFit) < minLeak && !keptNearBound)
    return {
      ...figures,
      verdict: 'ok',
      cause: null,
      confidence: sure(bytesFit, minLeak, true),
      reason: `${what}flat after a full collection: retains less than ${perRequestBytes(bound(bytesFit))}/request (95 % upper bound, over ${span} requests; smallest leak of interest ${perRequestBytes(minLeak)})`,
      pending: null,
    };
  if (levelledOff && !keptNearBound)
    return {
      ...figures,
      verdict: 'ok',
      cause: null,
      confidence: sure(bytesLate, minLeak, true),
      reason: `grew early (${mb(growth)}) then levelled off: retains less than ${perRequestBytes(bound(bytesLate))}/request over the last ${lateSpan} requests (95 % upper bound), a bounded cache warming up`,
      pending: null,
    };
  // Undecided: how much narrower the interval must get to call it either way.
  const fit = slowing ? bytesLate : bytesFit;
  const fitSpan = slowing ? lateSpan : span;
  const target = Math.max(fit.slope, minLeak - fit.slope, minLeak / 2);
  // Objects kept near the bound: a window as long again spans the next doubling of a table.
  // (under the interval's floor nothing decides it, objects kept or not)
  const needed =
    (keptNearBound || oneStep) && !slowing && target > (fit.floor ?? 0)
      ? Math.max(100, span)
      : moreRequests(fit, fitSpan, target);
  const why = oneStep
    ? `${memory} after a full collection rose in one step (+${kb(stepped.rise)} between requests ${xs[stepped.at - 1]} and ${xs[stepped.at]}) with no more allocated blocks, and shows no trend without it: a container resized once or a one-off, which a leak would repeat`
    : slowing
      ? `growth slowing down (${perRequestBytes(slope)}/request overall, ${perRequestBytes(Math.max(0, bytesLate.slope))}/request in the last ${lateSpan} requests): a cache still filling up`
      : keptNearBound
        ? `${memory} after a full collection grows ${between} over ${span} requests while it keeps +${round(blocksFit.slope, 2)} allocated blocks/request: objects kept at a steady rate, too close to ${perRequestBytes(minLeak)}/request to call`
        : `${memory} after a full collection moves ${between} over ${span} requests: neither clearly above zero nor below ${perRequestBytes(minLeak)}/request`;
  return {
    ...figures,
    verdict: 'inconclusive',
    cause: null,
    confidence: 0,
    requests_needed: needed,
    reason: `${why}${
      needed
        ? `; about ${needed} more requests would decide it`
        : target <= (fit.floor ?? 0)
          ? `; more requests cannot decide it: an interval is never narrower than ±${perRequestBytes(fit.floor!)}/request (a container's steps)`
          : ''
    }`,
    pending: why,
  };
}

/** The verdict once no more requests will come: a decided assessment, or what it stands at. */
export function growthVerdict(
  points: readonly ScanPoint[],
  opts: VerdictOptions = { minLeak: DEFAULT_MIN_LEAK },
): GrowthVerdict {
  const { pending: _pending, ...verdict } = assessGrowth(points, opts);
  return verdict;
}

/** The whole scan's verdict: any leak wins, then any inconclusive. */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict | null {
  if (verdicts.length === 0) return null;
  if (verdicts.includes('leak')) return 'leak';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'ok';
}
