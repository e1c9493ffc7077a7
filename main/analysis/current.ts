/**
 * Which scan results count for an endpoint. A session may be scanned several times (a re-scan after a fix, a
 * scan cut short): every reader (the API and so the app, the report, the comparison of two sessions, the
 * checklist's detectors) reads the same current results, through this one rule.
 */
import type { ScanResultDto } from '../../preload/contract.ts';
import { memoryMetric } from './verdict.ts';

/** A scan result as stored: the figure its verdict compared is read back from its points. */
export type StoredScan = Omit<ScanResultDto, 'metric'>;

const key = (r: Pick<ScanResultDto, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/**
 * Per endpoint (method and path), the latest finished result; a partial one (its scan was cut short) counts only
 * while the endpoint has no finished one, so a scan interrupted later never hides a finished verdict. `stored`
 * comes in the order it was stored; the results keep that order.
 */
export function currentScans(stored: readonly StoredScan[]): ScanResultDto[] {
  const chosen = new Map<string, StoredScan>();
  for (const r of stored) {
    const previous = chosen.get(key(r));
    if (!previous || !r.partial || previous.partial) chosen.set(key(r), r);
  }
  const kept = new Set(chosen.values());
  return stored
    .filter((r) => kept.has(r))
    .map((r) => ({ ...r, metric: memoryMetric(r.points.map((p) => p.post)) }));
}
