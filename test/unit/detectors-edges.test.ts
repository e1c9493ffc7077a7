/**
 * Detector branches the main detector tests leave alone: referrer chains to a class attribute or an lru_cache, an
 * unreachable cycle behind a leak whose verdict said growth, figures from several processes (summed per process
 * where each holds its own, read once where they share), and several endpoints on one checklist item.
 */
import { describe, expect, it } from 'vitest';
import { attribute, detect, type ScanEvidence } from '../../main/analysis/detectors.ts';
import type { ContainerGaugeDto, GaugesDto, HeldByDto } from '../../preload/contract.ts';

/** One quiet process's gauges: every part present and empty unless given. */
function gauges(over: Partial<GaugesDto> = {}): GaugesDto {
  return {
    pid: 1,
    t: 0,
    gc: { enabled: true, threshold: [700, 10, 10], count: [0, 0, 0], stats: [], garbage: 0, frozen: 0 },
    caches: [],
    db: {
      wrappers: 1,
      open: 0,
      open_by_alias: {},
      open_outside_requests: 0,
      open_by_thread_name: {},
      oldest_open_s: null,
      queries_logged: 0,
      debug: false,
      background_bytes: 0,
    },
    sessions: {
      engine: 'django.contrib.sessions.backends.signed_cookies',
      in_memory: null,
      stored: null,
      bytes: null,
      expired: null,
    },
    containers: [],
    lru_caches: [],
    signals: [],
    threads: { count: 2, by_name: {} },
    elapsed_ms: 12,
    ...over,
  };
}

const container = (
  name: string,
  len: number,
  entry: number,
  extra: Partial<ContainerGaugeDto> = {},
): ContainerGaugeDto => ({
  name,
  type: 'list',
  holder: 'module global',
  len,
  bytes: 100 + len * entry,
  entry_bytes: entry,
  ...extra,
});

const lru = (name: string, currsize: number, entry: number, maxsize: number | null = null) => ({
  name,
  maxsize,
  currsize,
  hits: 0,
  misses: currsize,
  bytes: currsize * entry,
  entry_bytes: entry,
});

const signal = (name: string, strong: number, each: number) => ({
  name,
  receivers: strong,
  strong,
  strong_bytes: strong * each,
});

function leak(over: Partial<ScanEvidence> = {}): ScanEvidence {
  return {
    method: 'GET',
    path: '/x/',
    verdict: 'leak',
    cause: 'growth',
    retained_bytes_per_request: 1000,
    garbage_bytes_per_request: 0,
    sent: 100,
    ...over,
  };
}

const heldBy = (kind: string, name: string): HeldByDto => ({
  type: 'dict',
  root: { kind, name },
  chain: `${name} → dict`,
  partial: false,
});

const diagnosis = (held: HeldByDto, sizes: number[] = []) => ({
  top_sites: sizes.map((size_diff, i) => ({
    file: `app/views.py`,
    line: 10 + i,
    size_diff,
    count_diff: 100,
    code: null,
    traceback: [],
  })),
  top_types: [],
  held_by: held,
  snapshots: null,
});

describe('referrer chains to a class attribute or an lru_cache', () => {
  // A class-level list gains a 256 B entry a request; strong receivers keep 400 B a request. By bytes alone the
  // receivers (weakref) win; a chain to the class makes its list direct evidence (counted double: 512 > 400).
  const before = gauges({
    containers: [container('news.audit.Audit.entries', 10, 256, { holder: 'class attribute' })],
    signals: [signal('news.signals.published', 0, 400)],
  });
  const after = gauges({
    containers: [container('news.audit.Audit.entries', 110, 256, { holder: 'class attribute' })],
    signals: [signal('news.signals.published', 100, 400)],
  });
  const scan = leak({ gauges: { before: [before], after: [after] } });
  const clearEntries = {
    name: 'container_clear',
    target: 'news.audit.Audit.entries',
    label: 'Clear news.audit.Audit.entries',
    irreversible: true,
  };

  it('without a chain the larger estimate wins', () => {
    expect(attribute(scan)).toMatchObject({
      item: 'weakref',
      explained_bytes_per_request: 400,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 256 }],
    });
  });

  it("a chain to the class names its attribute's row (the name and a dot), which says where it is held", () => {
    expect(
      attribute({ ...scan, diagnosis: diagnosis(heldBy('class attribute', 'news.audit.Audit')) }),
    ).toEqual({
      item: 'clear-caches',
      why: 'news.audit.Audit.entries (class attribute) grows by 1 entry per request (~256 B each)',
      actions: [clearEntries],
      explained_bytes_per_request: 256,
      alternatives: [{ item: 'weakref', bytes_per_request: 400 }],
    });
  });

  it('a root whose name only begins the same is another object: not the measured row', () => {
    // news.audit.Aud is no parent of news.audit.Audit.entries: the chain's root is a root no gauge measured
    // (its own candidate, direct, with no bytes beyond the measured list's), and it is what the finding names.
    const other = attribute({ ...scan, diagnosis: diagnosis(heldBy('class attribute', 'news.audit.Aud')) });
    expect(other).toMatchObject({
      item: 'clear-caches',
      why: 'kept in class attribute news.audit.Aud; and 1 more',
      explained_bytes_per_request: 256,
    });
    // no clear action for a root no gauge lists: only the measured list's
    expect(other!.actions).toEqual([clearEntries]);
  });

  it('a chain to an lru_cache makes its growth direct, and only an lru_cache row can be it', () => {
    const at = (entries: number, strong: number) =>
      gauges({
        lru_caches: [lru('news.text.slugify', entries, 180)],
        // a container of the same name is not what an lru_cache root names
        containers: [container('news.text.slugify', entries * 3, 200)],
        signals: [signal('news.signals.published', strong, 1000)],
      });
    const s = leak({ gauges: { before: [at(0, 0)], after: [at(100, 100)] } });
    // without the chain: receivers 1,000 B, the list and the cache 600 + 180 B a request
    expect(attribute(s)).toMatchObject({ item: 'weakref', explained_bytes_per_request: 1000 });
    expect(attribute({ ...s, diagnosis: diagnosis(heldBy('lru_cache', 'news.text.slugify')) })).toEqual({
      item: 'clear-caches',
      why: 'unbounded lru_cache news.text.slugify grows by 1 entry per request (~180 B each); and 1 more',
      actions: [
        {
          name: 'lru_clear',
          target: 'news.text.slugify',
          label: 'Clear news.text.slugify',
          irreversible: true,
        },
        {
          name: 'container_clear',
          target: 'news.text.slugify',
          label: 'Clear news.text.slugify',
          irreversible: true,
        },
      ],
      // (600 + 180) counted double outweighs the receivers' 1,000
      explained_bytes_per_request: 780,
      alternatives: [{ item: 'weakref', bytes_per_request: 1000 }],
    });
  });

  it('an lru_cache root no gauge measured: the cache to clear, for the top allocation site’s share', () => {
    const a = attribute(
      leak({
        retained_bytes_per_request: 1000,
        diagnosis: diagnosis(heldBy('lru_cache', 'app.lookup'), [30_000, 10_000]),
      }),
    );
    expect(a).toEqual({
      item: 'clear-caches',
      why: 'kept in lru_cache app.lookup',
      actions: [{ name: 'lru_clear', target: 'app.lookup', label: 'Clear app.lookup', irreversible: true }],
      explained_bytes_per_request: 750,
      alternatives: [],
    });
  });
});

describe('an unreachable cycle behind a leak the verdict called growth', () => {
  // A list grows 100 B a request beside it.
  const g = (len: number) => gauges({ containers: [container('app.LOG', len, 100)] });
  const base = leak({ gauges: { before: [g(0)], after: [g(100)] } });

  it('the cycle is garbage collection, for the top site’s share when the verdict measured no garbage', () => {
    const a = attribute({
      ...base,
      diagnosis: diagnosis(heldBy('unreachable cycle', 'a cycle of 12 objects'), [30_000, 10_000]),
    });
    expect(a).toEqual({
      item: 'garbage-collection',
      why: 'held in a cycle of 12 objects',
      actions: [{ name: 'gc_collect', label: 'Run gc.collect()', irreversible: false }],
      explained_bytes_per_request: 750,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 100 }],
    });
    // no top sites: all of what the endpoint retains
    expect(
      attribute({ ...base, diagnosis: diagnosis(heldBy('unreachable cycle', 'a cycle of 12 objects')) }),
    ).toMatchObject({ item: 'garbage-collection', explained_bytes_per_request: 1000 });
  });

  it('the garbage the verdict measured counts before the top site’s share; gc.garbage is the same', () => {
    const a = attribute({
      ...base,
      garbage_bytes_per_request: 300,
      diagnosis: diagnosis(heldBy('gc.garbage', 'gc.garbage'), [30_000, 10_000]),
    });
    expect(a).toMatchObject({
      item: 'garbage-collection',
      why: 'held in gc.garbage',
      explained_bytes_per_request: 300,
    });
  });

  it('a chain ending at a thread makes the connections it keeps direct evidence, and nothing else', () => {
    const at = (open: number, len: number) => ({
      ...g(len),
      db: {
        ...(gauges().db as Exclude<GaugesDto['db'], { error: string }>),
        open_outside_requests: open,
        background_bytes: open * 300,
      },
    });
    const s = leak({ gauges: { before: [at(0, 0)], after: [at(100, 500)] } });
    // the list: 5 entries of 100 B a request; the connections 300 B
    expect(attribute(s)).toMatchObject({ item: 'clear-caches', explained_bytes_per_request: 500 });
    expect(
      attribute({ ...s, diagnosis: diagnosis(heldBy('thread', 'Thread-7 (stock-watch)')) }),
    ).toMatchObject({
      item: 'close-db-connections',
      explained_bytes_per_request: 300,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 500 }],
    });
    // a thread that holds no connection: no item of its own, the bytes decide
    expect(attribute({ ...base, diagnosis: diagnosis(heldBy('thread', 'Thread-7')) })).toMatchObject({
      item: 'clear-caches',
      explained_bytes_per_request: 100,
    });
  });
});

describe('several processes', () => {
  it('session-wide figures: connections, receivers and gc.garbage add up over processes', () => {
    const worker = (pid: number) =>
      gauges({
        pid,
        db: {
          ...(gauges().db as Exclude<GaugesDto['db'], { error: string }>),
          open_outside_requests: 6,
        },
        signals: [signal('app.changed', 60, 100)],
        gc: { enabled: true, threshold: [700, 10, 10], count: [0, 0, 0], stats: [], garbage: pid, frozen: 0 },
      });
    const one = detect({ scans: [], gauges: [worker(1)] });
    const by = (d: ReturnType<typeof detect>) => Object.fromEntries(d.findings.map((f) => [f.item, f]));
    // one process: 6 connections and 60 receivers are under the thresholds (10 and 100); gc.garbage holds 1
    expect(by(one)['close-db-connections']!.status).toBe('clear');
    expect(by(one).weakref!.status).toBe('clear');
    expect(by(one)['garbage-collection']!.summary).toBe(
      '1 objects sit in gc.garbage (uncollectable, or DEBUG_SAVEALL)',
    );
    const two = by(detect({ scans: [], gauges: [worker(1), worker(2)] }));
    expect(two['close-db-connections']).toMatchObject({
      status: 'suspect',
      summary: '12 database connections are held by threads that serve no requests',
    });
    expect(two.weakref).toMatchObject({
      status: 'suspect',
      summary: 'app.changed holds 120 receivers strongly (weak=False)',
    });
    expect(two['garbage-collection']!.summary).toBe(
      '3 objects sit in gc.garbage (uncollectable, or DEBUG_SAVEALL)',
    );
  });

  it('what the processes share is read once: expired sessions are the first process’s count', () => {
    const worker = (pid: number) =>
      gauges({
        pid,
        sessions: {
          engine: 'django.contrib.sessions.backends.db',
          in_memory: null,
          stored: 900,
          bytes: 1,
          expired: 600,
          table: 'django_session',
        },
      });
    // 600 + 600 would pass the threshold of 1,000; one table holds 600
    const found = detect({ scans: [], gauges: [worker(1), worker(2)] });
    expect(found.findings.find((f) => f.item === 'destroy-session-data')!.status).toBe('clear');
  });

  it('an lru_cache of each process is its own: 6,000 entries in each of two is no cache of 10,000', () => {
    const worker = (pid: number, n: number) => gauges({ pid, lru_caches: [lru('app.f', n, 100)] });
    const wide = (g: GaugesDto[]) =>
      detect({ scans: [], gauges: g }).findings.find((f) => f.item === 'clear-caches')!;
    expect(wide([worker(1, 6000), worker(2, 6000)]).status).toBe('clear');
    expect(wide([worker(1, 6000), worker(2, 10_000)])).toMatchObject({
      status: 'suspect',
      summary: 'lru_cache app.f has no maxsize and holds 10000 entries',
    });
  });

  it('growth pairs each process with its own earlier gauges, by pid, and adds up over them', () => {
    // Worker 1's cache 0 -> 50 entries of 100 B, worker 2's 40 -> 50 entries of 300 B, over 100 requests:
    // 0.6 entries and (5,000 + 3,000) / 100 = 80 B a request.
    const w1 = (n: number) => gauges({ pid: 1, lru_caches: [lru('app.f', n, 100)] });
    const w2 = (n: number) => gauges({ pid: 2, lru_caches: [lru('app.f', n, 300)] });
    const s = leak({
      retained_bytes_per_request: 500,
      gauges: { before: [w2(40), w1(0)], after: [w1(50), w2(50)] },
    });
    expect(attribute(s)).toMatchObject({
      item: 'clear-caches',
      why: 'unbounded lru_cache app.f grows by 0.6 entries per request (~133 B each)',
      explained_bytes_per_request: 80,
    });
    // A worker with no gauges before (started during the rounds) is left out: worker 1 alone gains 0.5 a request.
    expect(attribute({ ...s, gauges: { before: [w1(0)], after: [w1(50), w2(50)] } })).toMatchObject({
      explained_bytes_per_request: 50,
    });
    // and worker 2 alone, 0.1 entries a request, ties the endpoint to nothing
    expect(attribute({ ...s, gauges: { before: [w2(40)], after: [w1(50), w2(50)] } })).toBeNull();
  });

  it('strong receivers and background connections add up over workers too', () => {
    const w = (pid: number, strong: number, open: number) =>
      gauges({
        pid,
        signals: [signal('app.saved', strong, 800)],
        db: {
          ...(gauges().db as Exclude<GaugesDto['db'], { error: string }>),
          open_outside_requests: open,
          background_bytes: open * 2000,
        },
      });
    // each worker: 30 more receivers (800 B each) over the 100 requests, 0.6 a request in all
    const receivers = { before: [w(1, 0, 0), w(2, 0, 0)], after: [w(1, 30, 0), w(2, 30, 40)] };
    // worker 2 alone left 40 connections: 0.4 a request, under one every other request, no evidence
    expect(attribute(leak({ retained_bytes_per_request: 3000, gauges: receivers }))).toMatchObject({
      item: 'weakref',
      why: '0.6 strong receivers per request on app.saved (connected with weak=False) (~800 B each)',
      explained_bytes_per_request: 480,
      alternatives: [],
    });
    // with worker 1's 20 as well, 0.6 a request of 2,000 B each: the connections outweigh the receivers
    const both = { before: receivers.before, after: [w(1, 30, 20), w(2, 30, 40)] };
    expect(attribute(leak({ retained_bytes_per_request: 3000, gauges: both }))).toMatchObject({
      item: 'close-db-connections',
      why: '0.6 database connections per request left open by threads that serve no requests (~2.0 KB each with what its thread keeps)',
      explained_bytes_per_request: 1200,
      alternatives: [{ item: 'weakref', bytes_per_request: 480 }],
    });
  });
});

describe('several endpoints on one item', () => {
  const at = (seen: number, slug: number) =>
    gauges({ containers: [container('app.SEEN', seen, 1500)], lru_caches: [lru('app.slug', slug, 12_000)] });
  const scans: ScanEvidence[] = [
    leak({
      path: '/a/',
      retained_bytes_per_request: 1600,
      gauges: { before: [at(0, 0)], after: [at(100, 0)] },
    }),
    leak({
      path: '/b/',
      method: 'POST',
      retained_bytes_per_request: 3200,
      gauges: { before: [at(100, 0)], after: [at(300, 0)] },
    }),
    leak({
      path: '/c/',
      retained_bytes_per_request: 12_500,
      gauges: { before: [at(300, 0)], after: [at(300, 100)] },
    }),
  ];

  it('one finding lists them in order, its severity the worst, each action once', () => {
    const { findings, unexplained } = detect({ scans, gauges: [at(300, 100)] });
    expect(unexplained).toEqual([]);
    const caches = findings.find((f) => f.item === 'clear-caches')!;
    expect(caches).toMatchObject({
      status: 'suspect',
      // /c/ retains 12.5 KB a request: high (the others alone would be medium)
      severity: 'high',
      summary: 'GET /a/, POST /b/, GET /c/: app.SEEN grows by 1 entry per request (~1.5 KB each)',
      actions: [
        { name: 'container_clear', target: 'app.SEEN', label: 'Clear app.SEEN', irreversible: true },
        { name: 'lru_clear', target: 'app.slug', label: 'Clear app.slug', irreversible: true },
      ],
    });
    expect(
      caches.endpoints.map((e) => [
        `${e.method} ${e.path}`,
        e.explained_bytes_per_request,
        e.unexplained_bytes_per_request,
        e.why,
      ]),
    ).toEqual([
      ['GET /a/', 1500, 100, 'app.SEEN grows by 1 entry per request (~1.5 KB each)'],
      ['POST /b/', 3000, 200, 'app.SEEN grows by 2 entries per request (~1.5 KB each)'],
      ['GET /c/', 12_000, 500, 'unbounded lru_cache app.slug grows by 1 entry per request (~11.7 KB each)'],
    ]);
    expect(findings.filter((f) => f.status === 'suspect').map((f) => f.item)).toEqual(['clear-caches']);
    // the first two alone: medium
    expect(
      detect({ scans: scans.slice(0, 2), gauges: [at(300, 0)] }).findings.find(
        (f) => f.item === 'clear-caches',
      )!.severity,
    ).toBe('medium');
  });

  it('a session-wide figure of the same item is added to the summary, with its action', () => {
    // the latest gauges: another lru_cache, unbounded, of 20,000 entries
    const latest = {
      ...at(300, 100),
      lru_caches: [lru('app.slug', 100, 12_000), lru('app.other', 20_000, 50)],
    };
    const caches = detect({ scans: scans.slice(0, 2), gauges: [latest] }).findings.find(
      (f) => f.item === 'clear-caches',
    )!;
    expect(caches.summary).toBe(
      'GET /a/, POST /b/: app.SEEN grows by 1 entry per request (~1.5 KB each); lru_cache app.other has no maxsize and holds 20000 entries',
    );
    expect(caches.actions).toEqual([
      { name: 'container_clear', target: 'app.SEEN', label: 'Clear app.SEEN', irreversible: true },
      { name: 'lru_clear', target: 'app.other', label: 'Clear app.other', irreversible: true },
    ]);
  });

  it('the session-wide cache is offered too when an endpoint already offers to clear another lru_cache', () => {
    const latest = {
      ...at(300, 100),
      lru_caches: [lru('app.slug', 100, 12_000), lru('app.other', 20_000, 50)],
    };
    const caches = detect({ scans, gauges: [latest] }).findings.find((f) => f.item === 'clear-caches')!;
    // The summary names app.other: its clear action must be there, beside the endpoints' app.slug.
    // (Fails on main/ as of this writing: detect() drops a session-wide action whose name an endpoint's action
    // has already, whatever its target, so 'lru_clear app.other' is lost behind 'lru_clear app.slug'.)
    expect(caches.summary).toMatch(/; lru_cache app\.other has no maxsize and holds 20000 entries$/);
    expect(caches.actions.map((a) => `${a.name} ${a.target}`)).toEqual([
      'container_clear app.SEEN',
      'lru_clear app.slug',
      'lru_clear app.other',
    ]);
  });
});
