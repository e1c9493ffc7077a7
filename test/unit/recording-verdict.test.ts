import { describe, expect, it } from 'vitest';
import { nnls, recordingVerdicts, type RecordedMeasure } from '../../main/analysis/recording-verdict.ts';

const MB = 1048576;

/** A process measured 8 times; `traffic(i)` gives the requests per route in interval i. */
function recording(
  traffic: (i: number) => Record<string, number>,
  bytesPerRequest: Record<string, number>,
  extra: { garbagePerRequest?: Record<string, number>; gcEnabled?: boolean; drift?: number } = {},
): RecordedMeasure[] {
  const totals: Record<string, number> = {};
  let memory = 60 * MB;
  const out: RecordedMeasure[] = [];
  for (let i = 0; i < 8; i++) {
    let garbage = 0;
    if (i > 0)
      for (const [k, n] of Object.entries(traffic(i))) {
        totals[k] = (totals[k] ?? 0) + n;
        memory += n * (bytesPerRequest[k] ?? 0);
        garbage += n * (extra.garbagePerRequest?.[k] ?? 0);
      }
    memory += extra.drift ?? 0;
    out.push({
      t: 1000 + 60 * i,
      routes: { ...totals },
      post: { rss: memory + [0, 8192, -4096, 12288, 0, -8192, 4096, 0][i]!, blocks: 1000, gcObjects: 5000 },
      collected: Math.round(garbage / 100),
      garbageBytes: garbage,
      gcEnabled: extra.gcEnabled ?? true,
      fullCollections: i, // only our own
    });
  }
  return out;
}

const mixed = (i: number) => ({
  'GET cache/leak/': 20 + 7 * (i % 3),
  'GET ': 35 - 5 * (i % 2),
  'GET report/': 8 + ((i * 5) % 7),
});

/**
 * A route that keeps nothing: no leak, and its interval stays within what 8 measurements jittering by ±12 KB can
 * resolve over its few hundred requests (under 1 KB a request); ok once that bound is under 64 B.
 */
function control(v: { key: string; verdict: string; retained_range: [number, number] | null }): void {
  expect(v.verdict, v.key).not.toBe('leak');
  expect(v.retained_range, v.key).not.toBeNull();
  expect(v.retained_range![1], v.key).toBeLessThan(1024);
  if (v.retained_range![1] < 64) expect(v.verdict, v.key).toBe('ok');
}

describe('verdicts from a recording (mixed traffic)', () => {
  it('nnls recovers non-negative per-column rates and a free intercept', () => {
    const a = [
      [1, 0, 1],
      [0, 1, 1],
      [2, 1, 1],
      [1, 3, 1],
    ];
    const x = nnls(a, [5 - 1, -1, 10 - 1, 5 - 1], 2);
    expect(x[0]).toBeCloseTo(5, 6);
    expect(x[1]).toBeCloseTo(0, 6);
    expect(x[2]).toBeCloseTo(-1, 6);
  });

  it('splits the growth over the routes: the leaking one is a leak at its rate, the others are not', () => {
    const verdicts = recordingVerdicts([recording(mixed, { 'GET cache/leak/': 46_000 })]);
    const by = Object.fromEntries(verdicts.map((v) => [v.key, v]));
    expect(by['GET cache/leak/']).toMatchObject({
      verdict: 'leak',
      cause: 'growth',
      method: 'GET',
      route: 'cache/leak/',
    });
    expect(by['GET cache/leak/']!.retained_bytes_per_request).toBeGreaterThan(46_000 * 0.9);
    expect(by['GET cache/leak/']!.retained_bytes_per_request).toBeLessThan(46_000 * 1.1);
    control(by['GET ']!);
    control(by['GET report/']!);
    expect(by['GET cache/leak/']!.sent).toBe([1, 2, 3, 4, 5, 6, 7].reduce((n, i) => n + 20 + 7 * (i % 3), 0));
  });

  it('drift that traffic does not explain is not pinned on a route', () => {
    const verdicts = recordingVerdicts([recording(mixed, {}, { drift: 3 * MB })]);
    // 3 MB an interval against routes served 8-40 times an interval: no route takes it, none is cleared of it
    for (const v of verdicts) expect(v.verdict, v.key).not.toBe('leak');
  });

  it('garbage only a forced collection frees, with the app collector off, is the route that made it', () => {
    const verdicts = recordingVerdicts([
      recording(mixed, {}, { garbagePerRequest: { 'GET report/': 60_000 }, gcEnabled: false }),
    ]);
    const by = Object.fromEntries(verdicts.map((v) => [v.key, v]));
    expect(by['GET report/']).toMatchObject({ verdict: 'leak', cause: 'garbage' });
    control(by['GET cache/leak/']!);
  });

  it('two worker processes: each route judged on the worker that served it most', () => {
    const w1 = recording((i) => ({ 'GET cache/leak/': 30 + (i % 2) * 10, 'GET ': 5 }), {
      'GET cache/leak/': 46_000,
    });
    const w2 = recording((i) => ({ 'GET cache/leak/': 2, 'GET ': 40 + (i % 3) * 3 }), {
      'GET cache/leak/': 46_000,
    });
    const by = Object.fromEntries(recordingVerdicts([w1, w2]).map((v) => [v.key, v]));
    expect(by['GET cache/leak/']!.verdict).toBe('leak');
    expect(by['GET ']!.verdict).toBe('ok');
    expect(by['GET ']!.sent).toBe(w2[w2.length - 1]!.routes['GET ']);
  });

  it('a route served at the same rate every interval cannot be told apart from drift: inconclusive', () => {
    const steady = (i: number) => ({ 'GET cache/leak/': 20 + 7 * (i % 3), 'GET feed/': 12 });
    const by = Object.fromEntries(
      recordingVerdicts([recording(steady, { 'GET feed/': 40_000 })]).map((v) => [v.key, v]),
    );
    expect(by['GET feed/']).toMatchObject({ verdict: 'inconclusive', cause: null });
    expect(by['GET feed/']!.reason).toMatch(/^served at the same rate in every interval/);
    control(by['GET cache/leak/']!);
  });

  it("a route whose traffic rose and fell with the leaking one's is uncertain, not a leak", () => {
    // Both routes scale with the load of each interval: their shares cannot be told apart.
    const load = (i: number) => [3, 7, 4, 9, 5, 8, 6][i - 1]!;
    const lockstep = (i: number) => ({ 'GET cache/leak/': 2 * load(i), 'GET ': 3 * load(i) });
    const by = Object.fromEntries(
      recordingVerdicts([recording(lockstep, { 'GET cache/leak/': 46_000 })]).map((v) => [v.key, v]),
    );
    for (const key of ['GET cache/leak/', 'GET ']) {
      expect(by[key]!.verdict, key).not.toBe('leak');
    }
    expect(
      Object.values(by)
        .map((v) => v.reason)
        .join('\n'),
    ).toMatch(/rose and fell with other routes'/);
  });

  it('start-up before the first request is not drift', () => {
    const measures = recording(mixed, { 'GET cache/leak/': 46_000 });
    const startup = [0, 1, 2].map((k) => ({
      ...measures[0]!,
      t: 900 + k,
      post: { ...measures[0]!.post, rss: 20 * MB + 13 * MB * k },
    }));
    const by = Object.fromEntries(recordingVerdicts([[...startup, ...measures]]).map((v) => [v.key, v]));
    expect(by['GET cache/leak/']!.verdict).toBe('leak');
    control(by['GET ']!);
  });

  it('nothing to judge without two measurements', () => {
    expect(recordingVerdicts([recording(mixed, {}).slice(0, 1)])).toEqual([]);
  });
});
