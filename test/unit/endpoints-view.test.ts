import { describe, expect, it } from 'vitest';
import type { ProductionCostDto, ScanResultDto } from '../../preload/contract.ts';
import { productionCost } from '../../main/analysis/cost.ts';
import { perRequestBytes } from '../../main/analysis/verdict.ts';
import { decidingScan, scanBlocker } from '../../renderer/src/views/live/decidingScan.ts';
import {
  costText,
  formatPerRequest,
  okUpperBound,
  retainedText,
  stopgapSettings,
} from '../../renderer/src/leakFigures.ts';
import { progressModel } from '../../renderer/src/views/live/scanProgressModel.ts';

function result(patch: Partial<ScanResultDto>): ScanResultDto {
  return {
    method: 'GET',
    path: '/x/',
    route: 'x/',
    sent: 100,
    errors: 0,
    statuses: { '200': 100 },
    verdict: 'inconclusive',
    cause: null,
    confidence: 0,
    retained_bytes_per_request: 0,
    retained_range: null,
    blocks_per_request: 0,
    requests_needed: null,
    cost: null,
    garbage_bytes_per_request: 0,
    objects_per_request: 0,
    reason: '',
    metric: 'heap',
    points: [],
    partial: false,
    started_at: 1000,
    ended_at: 1010,
    ...patch,
  };
}

describe('bytes retained per request', () => {
  it('reads in B, KB or MB, never as a raw figure', () => {
    expect(formatPerRequest(0)).toBe('0 B');
    expect(formatPerRequest(43.4)).toBe('43 B');
    expect(formatPerRequest(1023.4)).toBe('1023 B');
    expect(formatPerRequest(1023.6)).toBe('1.0 KB');
    expect(formatPerRequest(1536)).toBe('1.5 KB');
    expect(formatPerRequest(6_973_991)).toBe('6.7 MB');
    expect(formatPerRequest(-20)).toBe('0 B');
  });

  it('a leak and an undecided endpoint by their 95 % interval, in one unit where both ends share it', () => {
    const leak = (low: number, high: number): string =>
      retainedText(
        result({ verdict: 'leak', retained_range: [low, high], retained_bytes_per_request: high }),
      );
    expect(leak(1030, 1130)).toBe('1.0–1.1 KB/request');
    expect(leak(302_630, 303_243)).toBe('295.5–296.1 KB/request');
    expect(leak(135, 436)).toBe('135–436 B/request');
    expect(leak(800, 1260)).toBe('800 B–1.2 KB/request');
    expect(leak(6_973_991, 7_100_000)).toBe('6.7–6.8 MB/request');
    // an interval tighter than a decimal keeps a second one rather than read "1.0–1.0 KB"
    expect(leak(1030, 1040)).toBe('1.01–1.02 KB/request');
    expect(leak(2048, 2048)).toBe('2.0 KB/request');
    expect(retainedText(result({ retained_range: [0, 268] }))).toBe('0–268 B/request');
    expect(retainedText(result({ retained_range: [0, 5000] }))).toBe('0–4.9 KB/request');
  });

  it('an ok endpoint by the bound its verdict states, also after a cache levelled off', () => {
    const flat = `heap in use flat after a full collection: retains less than ${perRequestBytes(43)}/request (95 % upper bound, over 1480 requests; smallest leak of interest 64 B)`;
    expect(retainedText(result({ verdict: 'ok', reason: flat, retained_range: [0, 43] }))).toBe(
      '< 43 B/request',
    );
    // the whole series' interval still holds the early growth; the verdict is about the latest requests
    const levelled = `grew early (0.1 MB) then levelled off: retains less than ${perRequestBytes(1)}/request over the last 500 requests (95 % upper bound), a bounded cache warming up`;
    expect(retainedText(result({ verdict: 'ok', reason: levelled, retained_range: [0, 80] }))).toBe(
      '< 1 B/request',
    );
    const kb = `heap in use flat: retains less than ${perRequestBytes(1229)}/request (95 % upper bound)`;
    expect(okUpperBound({ reason: kb, retained_range: null })).toBeCloseTo(1228.8);
    expect(retainedText(result({ verdict: 'ok', reason: kb }))).toBe('< 1.2 KB/request');
    // an older result says no bound: the interval's upper end, else the estimate
    expect(retainedText(result({ verdict: 'ok', reason: 'flat', retained_range: [0, 56] }))).toBe(
      '< 56 B/request',
    );
    expect(retainedText(result({ verdict: 'ok', reason: 'flat', retained_bytes_per_request: 3 }))).toBe(
      '3 B/request',
    );
  });

  it('a garbage leak, whose heap after a full collection stays flat, by what it leaves as garbage', () => {
    const gc = result({
      verdict: 'leak',
      retained_range: [0, 667],
      retained_bytes_per_request: 87_563,
      garbage_bytes_per_request: 87_563,
    });
    expect(retainedText(gc)).toBe('85.5 KB/request');
    expect(retainedText(result({ verdict: 'leak', retained_bytes_per_request: 46_070 }))).toBe(
      '45.0 KB/request',
    );
  });
});

describe("a leak's cost and stop-gap", () => {
  it('MB per 100,000 requests, grouped once they are many', () => {
    expect(costText({ mb_per_100k_requests: 4394.3 })).toBe('4,394 MB per 100,000 requests');
    expect(costText({ mb_per_100k_requests: 6.1 })).toBe('6.1 MB per 100,000 requests');
    expect(costText({ mb_per_100k_requests: 27.4 })).toBe('27 MB per 100,000 requests');
  });

  it("the engine's restart settings, ready to paste; none when a worker is over the budget already", () => {
    const cost = productionCost(46_070, 46_290, 60 * 1048576)!;
    const settings = stopgapSettings(cost)!;
    expect(settings.gunicorn).toBe(
      `gunicorn --max-requests ${cost.max_requests} --max-requests-jitter ${cost.max_requests_jitter}`,
    );
    expect(cost.stopgap).toContain(settings.gunicorn.replace(/^gunicorn /, ''));
    expect(settings.uwsgi).toBe(`reload-on-rss = 512\nmax-requests = ${cost.max_requests}`);
    const over: ProductionCostDto = productionCost(46_070, null, 600 * 1048576)!;
    expect(over.max_requests).toBeNull();
    expect(stopgapSettings(over)).toBeNull();
  });
});

describe('the scan that decides an inconclusive endpoint', () => {
  const undecided = result({ path: '/products/', sent: 400, requests_needed: 1420 });

  it('the endpoint alone, up to the requests sent and the ones missing, rounded up to a hundred', () => {
    const plan = decidingScan(undecided, null)!;
    expect(plan.maxRequests).toBe(1900);
    expect(plan.more).toBe(1500);
    // unknown how the session was scanned: as discovery scans
    expect(plan.scenario).toEqual({
      endpoints: [{ method: 'GET', path: '/products/', requests: 100 }],
      warmup: 50,
      max_requests: 1900,
      max_seconds: 240,
    });
  });

  it("driven as the session's last scan drove it, with time for that many requests at the endpoint's pace", () => {
    const plan = decidingScan(
      { ...undecided, started_at: 0, ended_at: 200 }, // 0.5 s a request
      {
        endpoints: [{ path: '/products/', requests: 60 }],
        cookies: 'keep',
        warmup: 5,
        rounds: 6,
        min_leak: 128,
      },
    )!;
    expect(plan.scenario).toEqual({
      endpoints: [{ method: 'GET', path: '/products/', requests: 60 }],
      warmup: 5,
      max_requests: 1900,
      max_seconds: Math.ceil(0.5 * 1900 * 1.5),
      cookies: 'keep',
      rounds: 6,
      min_leak: 128,
    });
  });

  it('nothing to run for a decided endpoint, or one whose verdict names no figure', () => {
    expect(decidingScan({ ...undecided, verdict: 'leak' }, null)).toBeNull();
    expect(decidingScan({ ...undecided, verdict: 'ok' }, null)).toBeNull();
    expect(decidingScan({ ...undecided, requests_needed: null }, null)).toBeNull();
    expect(decidingScan({ ...undecided, requests_needed: 0 }, null)).toBeNull();
  });

  it('says why it cannot run', () => {
    expect(scanBlocker(true, false, false)).toBeNull();
    expect(scanBlocker(false, false, false)?.short).toBe('session not running');
    expect(scanBlocker(true, true, false)?.full).toMatch(/scan is under way/);
    expect(scanBlocker(true, false, true)?.short).toBe('session stopping');
  });
});

describe('scan progress', () => {
  const at = (patch: Partial<Parameters<typeof progressModel>[0] & object>) => ({
    method: 'GET',
    path: '/x/',
    index: 1,
    endpoints: 4,
    round: 3,
    rounds: 5,
    stage: 0,
    extending: null,
    ...patch,
  });

  it('fills with the endpoints measured and the current first rounds', () => {
    expect(progressModel(at({}), 1)).toEqual({
      phase: 'measuring',
      index: 1,
      done: (1 + 2 / 5) / 4,
      busy: null,
    });
  });

  it("an extension has no known end: stripes over the endpoint's share, not a filled bar", () => {
    const m = progressModel(at({ stage: 2, round: 4, rounds: 4, extending: 'to 700 requests: …' }), 1);
    expect(m).toEqual({ phase: 'extending', index: 1, done: 0.25, busy: { from: 0.25, width: 0.25 } });
    const alone = progressModel(at({ index: 0, endpoints: 1, stage: 1, extending: 'to 300 requests: …' }), 0);
    expect(alone.done).toBe(0);
    expect(alone.busy).toEqual({ from: 0, width: 1 });
  });

  it('between endpoints it warms the next one up; after the last it says nothing of a share', () => {
    expect(progressModel(at({ round: 4, rounds: 4, stage: 1, extending: 'x' }), 2)).toEqual({
      phase: 'warming-up',
      index: 2,
      done: 0.5,
      busy: { from: 0.5, width: 0.25 },
    });
    expect(progressModel(at({ index: 3 }), 4)).toEqual({
      phase: 'finishing',
      index: null,
      done: null,
      busy: { from: 0, width: 1 },
    });
    expect(progressModel(null, 0).phase).toBe('discovering');
  });

  it('the diagnosis counts the leaks traced, the one under way in stripes', () => {
    const diagnosing = { method: 'GET', path: '/gc/leak/', index: 1, count: 2, requests: 40 };
    expect(progressModel(at({ index: 3 }), 4, diagnosing)).toEqual({
      phase: 'diagnosing',
      index: 1,
      done: 0.5,
      busy: { from: 0.5, width: 0.5 },
    });
  });
});
