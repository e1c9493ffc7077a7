import type { ScanResultDto, VerdictDto } from '../../preload/contract.ts';

export type VerdictCounts = Record<VerdictDto, number>;

/** Leaks first, then what could not be decided, then what is fine. */
const RANK: Record<VerdictDto, number> = { leak: 0, inconclusive: 1, ok: 2 };

export function endpointKey(r: Pick<ScanResultDto, 'method' | 'path'>): string {
  return `${r.method} ${r.path}`;
}

/**
 * Stored results come from the engine already current (one per endpoint: main/analysis/current.ts); a running
 * scan's results arrive after them, and the engine's rule applies to the merge: each endpoint's latest result,
 * except that a measurement cut short (partial) does not replace a finished one. The rows come back leaks
 * first, the most memory retained per request first.
 */
export function latestPerEndpoint(results: readonly ScanResultDto[]): ScanResultDto[] {
  const latest = new Map<string, ScanResultDto>();
  for (const r of results) {
    const key = endpointKey(r);
    const previous = latest.get(key);
    if (!previous || !r.partial || previous.partial) latest.set(key, r);
  }
  return sortByVerdict([...latest.values()]);
}

export function sortByVerdict(results: ScanResultDto[]): ScanResultDto[] {
  return results.sort(
    (a, b) =>
      RANK[a.verdict] - RANK[b.verdict] || b.retained_bytes_per_request - a.retained_bytes_per_request,
  );
}

export function verdictCounts(results: readonly ScanResultDto[]): VerdictCounts {
  const counts: VerdictCounts = { leak: 0, ok: 0, inconclusive: 0 };
  for (const r of results) counts[r.verdict] += 1;
  return counts;
}

/** "2 endpoints leak · 7 ok · 0 inconclusive" */
export function verdictSummary(c: VerdictCounts): string {
  const leaks = c.leak === 1 ? '1 endpoint leaks' : `${c.leak} endpoints leak`;
  return `${leaks} · ${c.ok} ok · ${c.inconclusive} inconclusive`;
}
