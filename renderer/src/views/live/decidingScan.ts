import type { ScanRequestDto, ScanResultDto } from '../../../../preload/contract.ts';

/** What a discovered scan gives each route (SCAN_EXPLANATION): 50 warm-up requests, then 100 measured. */
const DISCOVERY_REQUESTS = 100;
const DISCOVERY_WARMUP = 50;
/** The engine's time budget per endpoint when a scenario sets none, and the most it takes. */
const DEFAULT_MAX_SECONDS = 240;
const MAX_SECONDS = 24 * 3600;

/** A scan of one undecided endpoint, long enough to decide it. */
export interface DecidingScan {
  /** Requests beyond those the endpoint was sent so far. */
  more: number;
  /** What the scan may send at most: the requests so far and `more`. */
  maxRequests: number;
  scenario: ScanRequestDto;
}

/**
 * The scan that should decide an inconclusive endpoint: the endpoint alone, measured again from a new baseline
 * and extended up to the requests it was sent plus the ones its verdict says are missing (rounded up to a
 * hundred, as the CLI's re-run command does). It is driven as the session's last scan drove it (`previous`,
 * when known: cookies, warm-up, rounds, first-round size; otherwise as discovery does), with time enough for
 * that many requests at the pace the endpoint answered. Null when the verdict is decided or names no figure.
 */
export function decidingScan(
  r: Pick<
    ScanResultDto,
    'verdict' | 'method' | 'path' | 'sent' | 'requests_needed' | 'started_at' | 'ended_at'
  >,
  previous: ScanRequestDto | null,
): DecidingScan | null {
  if (r.verdict !== 'inconclusive' || !r.requests_needed || r.requests_needed <= 0) return null;
  const maxRequests = Math.ceil((r.sent + r.requests_needed) / 100) * 100;
  const same = previous?.endpoints.find((e) => (e.method ?? 'GET') === r.method && e.path === r.path);
  const first = Math.min(same?.requests ?? DISCOVERY_REQUESTS, maxRequests);
  // the endpoint's pace (warm-up and measurements included), with room to spare
  const perRequestS = r.sent > 0 ? Math.max(0, r.ended_at - r.started_at) / r.sent : 0;
  const maxSeconds = Math.min(
    MAX_SECONDS,
    Math.max(DEFAULT_MAX_SECONDS, Math.ceil(perRequestS * maxRequests * 1.5)),
  );
  const scenario: ScanRequestDto = {
    endpoints: [{ method: r.method, path: r.path, requests: first }],
    warmup: previous?.warmup ?? DISCOVERY_WARMUP,
    max_requests: maxRequests,
    max_seconds: maxSeconds,
  };
  if (previous?.cookies) scenario.cookies = previous.cookies;
  if (previous?.rounds) scenario.rounds = previous.rounds;
  if (previous?.min_leak) scenario.min_leak = previous.min_leak;
  return { more: maxRequests - r.sent, maxRequests, scenario };
}

/** Why the session cannot scan now, in a few words and in full (null: it can). */
export interface ScanBlocker {
  short: string;
  full: string;
}

export function scanBlocker(running: boolean, scanning: boolean, stopping: boolean): ScanBlocker | null {
  if (!running)
    return {
      short: 'session not running',
      full: 'The session is not running: start the project again to scan it.',
    };
  if (stopping) return { short: 'session stopping', full: 'The session is stopping.' };
  if (scanning)
    return {
      short: 'scan under way',
      full: 'A scan is under way in this session: wait for it to end, or cancel it.',
    };
  return null;
}

/** What "Scan again with up to N requests" does, in a sentence (null: nothing to run). */
export function decideText(
  result: Pick<ScanResultDto, 'method' | 'path'>,
  plan: DecidingScan | null,
): string | null {
  if (!plan) return null;
  return (
    `Scan again measures ${result.method} ${result.path} alone from a new ` +
    `baseline, extending it until it is decided or ${plan.maxRequests.toLocaleString('en-US')} requests are sent.`
  );
}
