import type { ProductionCostDto, ScanResultDto } from '../../preload/contract.ts';

const KB = 1024;
const MB = 1024 * 1024;

type Unit = 'B' | 'KB' | 'MB';

/** A byte figure in the unit that suits it, without the unit; `digits` decimals for KB and MB. */
function scaled(bytes: number, digits: number): { value: string; unit: Unit } {
  const b = Math.max(0, bytes);
  if (Math.round(b) < KB) return { value: String(Math.round(b)), unit: 'B' };
  if (Number((b / KB).toFixed(digits)) < KB) return { value: (b / KB).toFixed(digits), unit: 'KB' };
  return { value: (b / MB).toFixed(digits), unit: 'MB' };
}

/** Bytes retained per request as people read them: "43 B", "1.1 KB", "2.4 MB" (never negative). */
export function formatPerRequest(bytes: number): string {
  const { value, unit } = scaled(bytes, 1);
  return `${value} ${unit}`;
}

/** "1.0–1.1 KB", "0–268 B", "800 B–1.2 KB": one unit when both ends share it; null when both ends read the same. */
function rangeText(low: number, high: number, digits: number): string | null {
  const lo = scaled(low, digits);
  const hi = scaled(high, digits);
  if (lo.value === hi.value && lo.unit === hi.unit) return null;
  if (lo.unit === hi.unit || lo.value === '0') return `${lo.value}–${hi.value} ${hi.unit}`;
  return `${lo.value} ${lo.unit}–${hi.value} ${hi.unit}`;
}

function formatRange(low: number, high: number): string {
  // a tight interval keeps a second decimal rather than read "1.0–1.0 KB"
  return rangeText(low, high, 1) ?? rangeText(low, high, 2) ?? formatPerRequest(high);
}

const UNIT_BYTES: Record<Unit, number> = { B: 1, KB, MB };

/**
 * The upper bound an ok verdict was decided on. The verdict states it ("retains less than 43 B/request"): after
 * a bounded cache filled up, that bound is over the latest requests only, where the whole series' interval
 * still holds the early growth. Without that sentence (older sessions), the interval's upper end.
 */
export function okUpperBound(r: Pick<ScanResultDto, 'reason' | 'retained_range'>): number | null {
  const stated = /retains less than (\d+(?:\.\d+)?) (B|KB|MB)\/request/.exec(r.reason);
  if (stated) return Number(stated[1]) * UNIT_BYTES[stated[2] as Unit];
  return r.retained_range?.[1] ?? null;
}

/** A leak made of garbage that only a forced collection frees: the heap after that collection does not grow. */
export function isGarbageLeak(
  r: Pick<
    ScanResultDto,
    'verdict' | 'retained_range' | 'retained_bytes_per_request' | 'garbage_bytes_per_request'
  >,
): boolean {
  return (
    r.verdict === 'leak' &&
    r.garbage_bytes_per_request > 0 &&
    r.retained_range !== null &&
    r.retained_bytes_per_request > r.retained_range[1]
  );
}

/**
 * What an endpoint retains per request, as its verdict reads it: a leak and an undecided endpoint by their 95 %
 * interval ("1.0–1.1 KB/request", "0–268 B/request"), an ok one by the bound it stays under ("< 43 B/request").
 * Garbage leaks, whose interval after a full collection says nothing of them, and results without an interval
 * show the estimate itself.
 */
export function retainedText(
  r: Pick<
    ScanResultDto,
    'verdict' | 'reason' | 'retained_range' | 'retained_bytes_per_request' | 'garbage_bytes_per_request'
  >,
): string {
  if (r.verdict === 'ok') {
    const bound = okUpperBound(r);
    return bound === null
      ? `${formatPerRequest(r.retained_bytes_per_request)}/request`
      : `< ${formatPerRequest(Math.max(1, bound))}/request`;
  }
  if (r.retained_range === null || isGarbageLeak(r))
    return `${formatPerRequest(r.retained_bytes_per_request)}/request`;
  return `${formatRange(r.retained_range[0], r.retained_range[1])}/request`;
}

/** Megabytes with a decimal while they are few, then whole and grouped: "0.6 MB", "12 MB", "4,768 MB". */
export function formatMegabytes(mb: number): string {
  return mb < 10 ? `${mb.toFixed(1)} MB` : `${Math.round(mb).toLocaleString('en-US')} MB`;
}

/** "4,768 MB per 100,000 requests" */
export function costText(cost: Pick<ProductionCostDto, 'mb_per_100k_requests'>): string {
  return `${formatMegabytes(cost.mb_per_100k_requests)} per 100,000 requests`;
}

/** The restart settings of the stop-gap, ready to paste (null: a worker is over the budget already). */
export function stopgapSettings(cost: ProductionCostDto): { gunicorn: string; uwsgi: string } | null {
  if (cost.max_requests === null) return null;
  const jitter = cost.max_requests_jitter ?? 0;
  return {
    gunicorn: `gunicorn --max-requests ${cost.max_requests} --max-requests-jitter ${jitter}`,
    uwsgi: `reload-on-rss = ${cost.worker_budget_mb}\nmax-requests = ${cost.max_requests}`,
  };
}
