/**
 * What a leak costs in production, and the stop-gap that bounds it until it is fixed: restart each worker
 * before the leak takes it past a memory budget (gunicorn's max_requests with jitter, uWSGI's reload-on-rss).
 * Pure; the stop-gap never replaces the fix.
 */
import type { ProductionCostDto } from '../../preload/contract.ts';

export const DEFAULT_WORKER_BUDGET_MB = 512;
const MiB = 1048576;

/**
 * From the bytes an endpoint retains per request (the upper end of its interval, so that the restart comes
 * early enough) and a worker's size without the leak (its RSS at the start).
 */
export function productionCost(
  retainedPerRequest: number,
  retainedHigh: number | null,
  workerRss: number | null,
  budgetMb = DEFAULT_WORKER_BUDGET_MB,
): ProductionCostDto | null {
  if (!(retainedPerRequest > 0)) return null;
  const perRequest = Math.max(retainedPerRequest, retainedHigh ?? 0);
  const headroom = budgetMb * MiB - (workerRss ?? 0);
  const mbPer100k = Math.round(((retainedPerRequest * 100_000) / MiB) * 10) / 10;
  if (headroom <= 0)
    return {
      mb_per_100k_requests: mbPer100k,
      worker_budget_mb: budgetMb,
      max_requests: null,
      max_requests_jitter: null,
      stopgap: `a worker is already ${Math.round((workerRss ?? 0) / MiB)} MB, over the ${budgetMb} MB budget: raise --worker-budget or fix the leak first`,
    };
  // Rounded down to two significant figures: a restart a little early costs nothing.
  const raw = headroom / perRequest;
  const scale = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 1);
  const maxRequests = Math.max(1, Math.floor(raw / scale) * scale);
  const jitter = Math.max(1, Math.round(maxRequests / 10));
  // Jitter adds up to `jitter` requests: keep the worst case within the budget.
  const bounded = Math.max(1, maxRequests - jitter);
  return {
    mb_per_100k_requests: mbPer100k,
    worker_budget_mb: budgetMb,
    max_requests: bounded,
    max_requests_jitter: jitter,
    stopgap: `until it is fixed, restart workers before they pass ${budgetMb} MB: gunicorn --max-requests ${bounded} --max-requests-jitter ${jitter}, or uWSGI reload-on-rss = ${budgetMb} (max-requests = ${bounded})`,
  };
}

/** A serving process's size before the leak grew it: the smallest first RSS among the processes that serve
 * requests (a gunicorn master serves none). */
export function workerBaseRss(
  processes: readonly { role: string; rss_first: number | null }[],
): number | null {
  const sizes = processes
    .filter((p) => p.role !== 'master' && typeof p.rss_first === 'number')
    .map((p) => p.rss_first!);
  return sizes.length ? Math.min(...sizes) : null;
}

/** The scan results with the cost of each leak (other verdicts: null). */
export function withCost<
  T extends { verdict: string; retained_bytes_per_request: number; retained_range: [number, number] | null },
>(
  scans: readonly T[],
  workerRss: number | null,
  budgetMb = DEFAULT_WORKER_BUDGET_MB,
): (T & { cost: ProductionCostDto | null })[] {
  return scans.map((s) => ({
    ...s,
    cost:
      s.verdict === 'leak'
        ? productionCost(s.retained_bytes_per_request, s.retained_range?.[1] ?? null, workerRss, budgetMb)
        : null,
  }));
}
