/**
 * Verdicts for a recording (`DJLEAK_RECORD`), where no engine drove one endpoint at a time: each process wrote
 * a measurement after a full collection every minute or so, with the requests it had served per route. The
 * memory change between two measurements is split over the routes served in between (non-negative least
 * squares, with an intercept for drift that traffic does not explain); each route then gets the usual growth
 * verdict on its own series: its requests against the memory left once the other routes' share is taken out.
 */
import {
  growthVerdict,
  memoryMetric,
  memoryValue,
  type GrowthVerdict,
  type Measure,
  type ScanPoint,
} from './verdict.ts';

export interface RecordedMeasure {
  t: number;
  /** Requests per "METHOD route" served by the process so far. */
  routes: Record<string, number>;
  /** After the measurement's full collection. */
  post: Measure;
  collected: number;
  garbageBytes: number;
  gcEnabled: boolean;
  /** gc.get_stats()[2]['collections'] at this measurement. */
  fullCollections: number;
}

export interface RouteVerdict extends GrowthVerdict {
  key: string;
  method: string;
  route: string | null;
  sent: number;
  points: ScanPoint[];
  started_at: number;
  ended_at: number;
}

/** A rate at least this many standard errors above zero is the route's own (about 95 % one-sided). */
const T_SIGNIFICANT = 2;

/**
 * Non-negative least squares by cyclic coordinate descent: minimises |A·x − b|² with x ≥ 0, except column
 * `free` (the intercept), which may take any sign. Small problems (a few dozen routes), so this is plenty.
 */
export function nnls(a: readonly number[][], b: readonly number[], free = -1, sweeps = 500): number[] {
  const cols = a[0]?.length ?? 0;
  const x = new Array<number>(cols).fill(0);
  const residual = [...b];
  const norms = Array.from({ length: cols }, (_, j) => a.reduce((s, row) => s + row[j]! * row[j]!, 0));
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let moved = 0;
    for (let j = 0; j < cols; j++) {
      if (norms[j] === 0) continue;
      const gradient = a.reduce((s, row, i) => s + row[j]! * residual[i]!, 0);
      let next = x[j]! + gradient / norms[j]!;
      if (j !== free) next = Math.max(0, next);
      const step = next - x[j]!;
      if (step === 0) continue;
      for (let i = 0; i < a.length; i++) residual[i]! -= step * a[i]![j]!;
      x[j] = next;
      moved = Math.max(moved, Math.abs(step));
    }
    if (moved < 1e-9) break;
  }
  return x;
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan); null when it is singular. */
function inverse(m: readonly number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    if (Math.abs(a[pivot]![c]!) < 1e-12) return null;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const div = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= div;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * t statistics of the fitted rates: rate / standard error (0 when the design cannot separate the columns).
 * A route whose traffic rose and fell with another's gets a large error, and so a small t.
 */
export function tStatistics(a: readonly number[][], b: readonly number[], x: readonly number[]): number[] {
  // Every column with traffic, fitted or not: a route in lockstep with another makes the matrix (near)
  // singular, and both errors large.
  const active = x.map((_, j) => (a.some((row) => row[j] !== 0) ? j : -1)).filter((j) => j >= 0);
  const t = new Array<number>(x.length).fill(0);
  const dof = a.length - active.length;
  if (dof <= 0) return t;
  const residual = a.reduce((s, row, i) => s + (b[i]! - row.reduce((r, v, j) => r + v * x[j]!, 0)) ** 2, 0);
  const sigma2 = residual / dof;
  const ata = active.map((p) => active.map((q) => a.reduce((s, row) => s + row[p]! * row[q]!, 0)));
  const inv = inverse(ata);
  if (!inv) return t;
  active.forEach((j, k) => {
    const se = Math.sqrt(Math.max(0, sigma2 * inv[k]![k]!));
    t[j] = se > 0 ? x[j]! / se : x[j]! > 0 ? Infinity : 0;
  });
  return t;
}

/** The figure growthVerdict will compare for this process's series (traced, heap or RSS). */
function memoryOf(series: readonly RecordedMeasure[]): (m: RecordedMeasure) => number {
  const metric = memoryMetric(series.map((m) => m.post));
  return (m) => memoryValue(m.post, metric);
}

/** From the last measurement before the process served its first request: start-up is not drift. */
function serving(p: readonly RecordedMeasure[]): readonly RecordedMeasure[] {
  const first = p.findIndex((m) => Object.values(m.routes).some((n) => n > 0));
  return first < 0 ? [] : p.slice(Math.max(0, first - 1));
}

export function recordingVerdicts(processes: readonly (readonly RecordedMeasure[])[]): RouteVerdict[] {
  const series = processes.map(serving).filter((p) => p.length >= 2);
  const keys = [...new Set(series.flatMap((p) => Object.keys(p[p.length - 1]!.routes)))].sort();
  if (keys.length === 0) return [];
  // One row per interval between two measurements of a process: requests per route served in it, and the
  // change of memory, garbage freed and objects collected.
  const rows: number[][] = [];
  const memory: number[] = [];
  const garbage: number[] = [];
  const collected: number[] = [];
  for (const p of series) {
    const mem = memoryOf(p);
    for (let i = 1; i < p.length; i++) {
      rows.push([...keys.map((k) => (p[i]!.routes[k] ?? 0) - (p[i - 1]!.routes[k] ?? 0)), 1]);
      memory.push(mem(p[i]!) - mem(p[i - 1]!));
      garbage.push(p[i]!.garbageBytes);
      collected.push(p[i]!.collected);
    }
  }
  const intercept = keys.length;
  const perRequest = nnls(rows, memory, intercept);
  const significance = tStatistics(rows, memory, perRequest);
  const byRouteOnly = rows.map((r) => r.slice(0, intercept));
  const garbagePerRequest = nnls(byRouteOnly, garbage);
  const objectsPerRequest = nnls(byRouteOnly, collected);

  return keys.map((key, r) => {
    // The process that served this route most: its series, with the other routes' share taken out.
    const p = [...series].sort(
      (x, y) => (y[y.length - 1]!.routes[key] ?? 0) - (x[x.length - 1]!.routes[key] ?? 0),
    )[0]!;
    const mem = memoryOf(p);
    const others = (m: RecordedMeasure): number =>
      keys.reduce((s, k, j) => (j === r ? s : s + perRequest[j]! * (m.routes[k] ?? 0)), 0);
    const drift = perRequest[intercept]!;
    const metric = memoryMetric(p.map((m) => m.post));
    const points: ScanPoint[] = p.map((m, i) => {
      const served = (m.routes[key] ?? 0) - (i > 0 ? (p[i - 1]!.routes[key] ?? 0) : 0);
      const adjusted = mem(m) - others(m) - drift * i;
      return {
        requests: m.routes[key] ?? 0,
        pre: null,
        // The figure the verdict compares becomes the route's own share; the others stay as measured.
        post: { ...m.post, [metric]: adjusted },
        collected: i === 0 ? 0 : Math.round(objectsPerRequest[r]! * served),
        garbageBytes: i === 0 ? 0 : Math.round(garbagePerRequest[r]! * served),
        gcEnabled: m.gcEnabled,
        // Our own measurement's collection counts once per interval.
        appFullCollections: i === 0 ? 0 : Math.max(0, m.fullCollections - p[i - 1]!.fullCollections - 1),
      };
    });
    const [method, ...route] = key.split(' ');
    const routeText = route.join(' ');
    let verdict = growthVerdict(points);
    // Served at the same rate in every interval, a route is indistinguishable from drift over time; served
    // in step with other routes, its share of the growth is uncertain. Either way it is no leak on its own.
    const counts = rows.map((row) => row[r]!);
    const mean = counts.reduce((s, c) => s + c, 0) / counts.length;
    const why =
      mean > 0 && Math.max(...counts) - Math.min(...counts) <= 0.05 * mean
        ? 'served at the same rate in every interval, so its growth cannot be told apart from drift over time'
        : verdict.cause === 'growth' && significance[r]! < T_SIGNIFICANT
          ? `its traffic rose and fell with other routes', so its share of the growth is uncertain (t=${significance[r]!.toFixed(1)})`
          : null;
    if (verdict.verdict === 'leak' && verdict.cause === 'growth' && why)
      verdict = {
        ...verdict,
        verdict: 'inconclusive',
        cause: null,
        confidence: 0,
        reason: `${why} (${verdict.reason})`,
      };
    return {
      key,
      method: method!,
      route: routeText === 'None' ? null : routeText,
      sent: p[p.length - 1]!.routes[key] ?? 0,
      ...verdict,
      points,
      started_at: p[0]!.t,
      ended_at: p[p.length - 1]!.t,
    };
  });
}
