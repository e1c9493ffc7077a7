import { describe, expect, it } from 'vitest';
import { attribute, CHECKLIST_ITEMS, detect, type ScanEvidence } from '../../main/analysis/detectors.ts';
import type { ContainerGaugeDto, GaugesDto, HeldByDto } from '../../preload/contract.ts';

/** Gauges of one process as the probe reads them from a quiet Django app, every part present unless overridden. */
function gauges(over: Partial<GaugesDto> = {}): GaugesDto {
  return {
    pid: 1,
    t: 0,
    gc: { enabled: true, threshold: [700, 10, 10], count: [0, 0, 0], stats: [], garbage: 0, frozen: 0 },
    caches: [
      {
        alias: 'default',
        backend: 'django.core.cache.backends.locmem.LocMemCache',
        entries: 0,
        bytes: 0,
        entry_bytes: 0,
        max_entries: 300,
        cull_frequency: 3,
        default_timeout: 300,
      },
    ],
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
      engine: 'django.contrib.sessions.backends.db',
      in_memory: null,
      stored: 10,
      bytes: 1000,
      expired: 0,
      table: 'django_session',
    },
    containers: [
      {
        name: 'shop.urls.urlpatterns',
        type: 'list',
        holder: 'module global',
        len: 12,
        bytes: 824,
        entry_bytes: 1332,
      },
    ],
    lru_caches: [],
    signals: [{ name: 'django.core.signals.request_finished', receivers: 3, strong: 0, strong_bytes: 0 }],
    threads: { count: 2, by_name: {} },
    elapsed_ms: 12,
    ...over,
  };
}

const row = (
  name: string,
  len: number,
  entry: number,
  extra: Partial<ContainerGaugeDto> = {},
): ContainerGaugeDto => ({
  name,
  type: 'dict',
  holder: 'module global',
  len,
  bytes: 200 + len * entry,
  entry_bytes: entry,
  ...extra,
});

/** The quiet gauges with these containers (besides the URL patterns). */
const withRows = (...rows: ContainerGaugeDto[]): GaugesDto => {
  const base = gauges();
  return { ...base, containers: [...(base.containers as ContainerGaugeDto[]), ...rows] };
};

const sessionsAt = (stored: number, bytes = stored * 120): GaugesDto['sessions'] => ({
  engine: 'django.contrib.sessions.backends.db',
  in_memory: null,
  stored,
  bytes,
  expired: 0,
  table: 'django_session',
});

function leak(over: Partial<ScanEvidence> = {}): ScanEvidence {
  return {
    method: 'GET',
    path: '/x/',
    verdict: 'leak',
    cause: 'growth',
    retained_bytes_per_request: 40_000,
    garbage_bytes_per_request: 0,
    sent: 100,
    ...over,
  };
}

const heldBy = (kind: string, name: string): HeldByDto => ({
  type: 'str',
  root: { kind, name },
  chain: `${name} → str`,
  partial: false,
});

const diagnosis = (held: HeldByDto) => ({ top_sites: [], top_types: [], held_by: held, snapshots: null });

describe('checklist detectors: each leaking endpoint goes to the item that explains most of its bytes', () => {
  it('an endpoint that writes fresh DB sessions and grows a dict is the dict: the session rows are a note', () => {
    // The case: 100 requests with fresh cookies add 100 rows to django_session (storage) while a
    // module-level dict gains one ~2 KB entry per request (the process's memory).
    const before = { ...withRows(row('news.views._SEEN', 400, 2100)), sessions: sessionsAt(10) };
    const after = { ...withRows(row('news.views._SEEN', 500, 2100)), sessions: sessionsAt(110) };
    const scan = leak({ retained_bytes_per_request: 2300, gauges: { before: [before], after: [after] } });
    expect(attribute(scan)).toMatchObject({
      item: 'clear-caches',
      why: 'news.views._SEEN grows by 1 entry per request (~2.1 KB each)',
      explained_bytes_per_request: 2100,
      actions: [{ name: 'container_clear', target: 'news.views._SEEN', irreversible: true }],
    });
    const { findings, notes } = detect({ scans: [scan], gauges: [after] });
    const sessions = findings.find((f) => f.item === 'destroy-session-data')!;
    expect(sessions.status).toBe('clear');
    expect(notes).toEqual([
      'GET /x/: 1 new row per request in django_session: storage that grows until clearsessions runs, not process memory',
    ]);
    expect(sessions.notes).toEqual(notes);
    expect(findings.find((f) => f.item === 'clear-caches')!.endpoints[0]).toMatchObject({
      retained_bytes_per_request: 2300,
      explained_bytes_per_request: 2100,
      unexplained_bytes_per_request: 200,
      alternatives: [],
    });
  });

  it('DB-stored sessions alone explain no memory: the endpoint stays unexplained, with the note', () => {
    const scan = leak({
      retained_bytes_per_request: 600,
      gauges: {
        before: [{ ...gauges(), sessions: sessionsAt(10) }],
        after: [{ ...gauges(), sessions: sessionsAt(110) }],
      },
    });
    expect(attribute(scan)).toBeNull();
    const { findings, unexplained, notes } = detect({ scans: [scan], gauges: [gauges()] });
    expect(unexplained).toEqual([{ method: 'GET', path: '/x/', retained_bytes_per_request: 600 }]);
    expect(findings.every((f) => f.status === 'clear')).toBe(true);
    expect(notes).toHaveLength(1);
    // A control (verdict ok) writing the same rows gets the note too, and no finding.
    const control = detect({ scans: [{ ...scan, verdict: 'ok' }], gauges: [gauges()] });
    expect(control.notes).toEqual(notes);
    expect(control.findings.every((f) => f.endpoints.length === 0)).toBe(true);
  });

  it("a dict keyed by session keys is session data kept in the process (the demo's recently-viewed panels)", () => {
    const panels = (len: number) => row('shop.history._RECENT_PANELS', len, 35_234, { session_keys: true });
    const scan = leak({
      retained_bytes_per_request: 46_000,
      gauges: {
        before: [{ ...withRows(panels(80)), sessions: sessionsAt(80) }],
        after: [{ ...withRows(panels(180)), sessions: sessionsAt(180) }],
      },
    });
    expect(attribute(scan)).toMatchObject({
      item: 'destroy-session-data',
      why: 'shop.history._RECENT_PANELS grows by 1 entry per request (~34.4 KB each), keyed by session keys and never dropped with the sessions',
      explained_bytes_per_request: 35_234,
    });
  });

  it('cache-backed sessions with fresh cookies are session data; the cache alias does not claim them too', () => {
    const at = (stored: number, other: number): GaugesDto => {
      const base = gauges();
      const cache = (base.caches as Exclude<GaugesDto['caches'], { error: string }>)[0]!;
      return {
        ...base,
        caches: [{ ...cache, entries: stored + other, bytes: (stored + other) * 2300, entry_bytes: 2300 }],
        sessions: {
          engine: 'django.contrib.sessions.backends.cache',
          in_memory: { alias: 'default', stored, bytes: stored * 2300 },
          stored,
          bytes: null,
          expired: null,
        },
      };
    };
    const scan = leak({
      retained_bytes_per_request: 2500,
      gauges: { before: [at(50, 10)], after: [at(150, 10)] },
    });
    const a = attribute(scan)!;
    expect(a).toMatchObject({
      item: 'destroy-session-data',
      why: "1 new session per request kept in this process's memory (cache 'default'), never destroyed (~2.2 KB each)",
      explained_bytes_per_request: 2300,
      alternatives: [],
    });
    expect(detect({ scans: [scan], gauges: [at(150, 10)] }).notes).toEqual([]); // nothing in a table
  });

  it('a LocMemCache filling with unique keys is the cache; one at its MAX_ENTRIES explains nothing', () => {
    const fragments = (entries: number, max: number) => ({
      ...gauges(),
      caches: [
        {
          alias: 'fragments',
          backend: 'django.core.cache.backends.locmem.LocMemCache',
          entries,
          bytes: entries * 4300,
          entry_bytes: 4300,
          max_entries: max,
          cull_frequency: 3,
          default_timeout: null,
        },
      ],
    });
    expect(
      attribute(
        leak({
          retained_bytes_per_request: 4500,
          gauges: { before: [fragments(60, 1e6)], after: [fragments(160, 1e6)] },
        }),
      ),
    ).toMatchObject({
      item: 'clear-caches',
      why: "cache 'fragments' (LocMemCache, MAX_ENTRIES 1000000) gains 1 entry per request (~4.2 KB each)",
      explained_bytes_per_request: 4300,
      actions: [{ name: 'cache_clear', alias: 'fragments', irreversible: true }],
    });
    expect(
      attribute(leak({ gauges: { before: [fragments(300, 300)], after: [fragments(300, 300)] } })),
    ).toBeNull();
  });

  it('a registry of bound methods that is not a Django signal is weakref, by what its callbacks keep', () => {
    const handlers = (callbacks: number) =>
      row('news.events.bus._handlers', callbacks, 1313, {
        type: 'list',
        holder: 'instance attribute',
        callbacks,
      });
    const scan = leak({
      retained_bytes_per_request: 1500,
      gauges: { before: [withRows(handlers(7))], after: [withRows(handlers(107))] },
    });
    expect(attribute(scan)).toMatchObject({
      item: 'weakref',
      why: 'news.events.bus._handlers (instance attribute), a registry of callbacks, holds 1 more strong reference per request (~1.3 KB each): bound methods keep their objects alive',
      explained_bytes_per_request: 1313,
      actions: [],
    });
    // A dict of lists ({event: [handler, ...]}) gains no entries, only callbacks: the same.
    const byEvent = (callbacks: number) => row('news.events.HANDLERS', 2, 900, { callbacks });
    expect(
      attribute(
        leak({
          retained_bytes_per_request: 1000,
          gauges: { before: [withRows(byEvent(3))], after: [withRows(byEvent(103))] },
        }),
      ),
    ).toMatchObject({ item: 'weakref', explained_bytes_per_request: 900 });
  });

  it('strong signal receivers are weakref, by what each keeps', () => {
    const sig = (strong: number) => ({
      signals: [
        { name: 'shop.signals.prices_changed', receivers: strong, strong, strong_bytes: strong * 21_000 },
      ],
    });
    expect(
      attribute(
        leak({
          retained_bytes_per_request: 60_000,
          gauges: { before: [gauges(sig(3))], after: [gauges(sig(103))] },
        }),
      ),
    ).toMatchObject({
      item: 'weakref',
      why: '1 strong receiver per request on shop.signals.prices_changed (connected with weak=False) (~20.5 KB each)',
      explained_bytes_per_request: 21_000,
    });
  });

  it('background threads left holding connections outweigh the small list that tracks them', () => {
    // The demo's /db/leak/: one watcher thread per request keeps its connection and a ~50 KB snapshot on its
    // stack; the module-level list of watchers gains a Thread object (~1.6 KB) per request as well.
    const at = (threads: number): GaugesDto => {
      const base = withRows(row('shop.stock._watchers', threads, 1644, { type: 'list' }));
      return {
        ...base,
        db: {
          ...(base.db as Exclude<GaugesDto['db'], { error: string }>),
          open: threads + 1,
          open_outside_requests: threads,
          open_by_thread_name: { 'stock-watch': threads },
          background_bytes: threads * 52_000,
        },
      };
    };
    const a = attribute(
      leak({ retained_bytes_per_request: 60_000, gauges: { before: [at(50)], after: [at(150)] } }),
    );
    expect(a).toMatchObject({
      item: 'close-db-connections',
      why: '1 database connection per request left open by threads that serve no requests (~50.8 KB each with what its thread keeps)',
      explained_bytes_per_request: 52_000,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 1644 }],
    });
  });

  it("a referrer chain to a measured root weighs double; an unmeasured root explains the top site's share", () => {
    const before = withRows(
      row('news.audit.Audit.entries', 10, 256, { holder: 'class attribute', type: 'list' }),
      row('news.views.SEEN', 10, 300),
    );
    const after = withRows(
      row('news.audit.Audit.entries', 110, 256, { holder: 'class attribute', type: 'list' }),
      row('news.views.SEEN', 110, 300),
    );
    // Two containers explain 556 B a request, new strong receivers 400 B: the chain to the signal tips it.
    const sig = (strong: number) => [
      { name: 'news.signals.published', receivers: strong, strong, strong_bytes: strong * 400 },
    ];
    const scan = leak({
      retained_bytes_per_request: 1000,
      gauges: { before: [{ ...before, signals: sig(0) }], after: [{ ...after, signals: sig(100) }] },
    });
    expect(attribute(scan)).toMatchObject({ item: 'clear-caches', explained_bytes_per_request: 556 });
    expect(
      attribute({ ...scan, diagnosis: diagnosis(heldBy('signal receivers', 'news.signals.published')) }),
    ).toMatchObject({
      item: 'weakref',
      explained_bytes_per_request: 400,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 556 }],
    });
    // A root no gauge measured: the top allocation site's share of what the endpoint retains.
    const unmeasured = attribute(
      leak({
        retained_bytes_per_request: 1000,
        diagnosis: {
          top_sites: [
            { file: 'news/feeds.py', line: 12, size_diff: 30_000, count_diff: 40, code: null, traceback: [] },
            { file: 'news/views.py', line: 40, size_diff: 10_000, count_diff: 40, code: null, traceback: [] },
          ],
          top_types: [],
          held_by: heldBy('module global', 'news.feeds._latest'),
          snapshots: null,
        },
      }),
    );
    expect(unmeasured).toMatchObject({
      item: 'clear-caches',
      why: 'kept in module global news.feeds._latest',
      explained_bytes_per_request: 750,
    });
  });

  it('a chain to a root no gauge measured explains only what the measured evidence leaves', () => {
    // slow_leaks' newsletter sign-up: cache-backed sessions kept in memory explain ~1,118 of 1,148 B a request;
    // the referrer lookup from one traced string ended at encodings._cache, which no gauge measured.
    const sessions = (stored: number): GaugesDto['sessions'] => ({
      engine: 'django.contrib.sessions.backends.cache',
      in_memory: { alias: 'sessions', stored, bytes: stored * 1118 },
      stored,
      bytes: null,
      expired: null,
    });
    const scan = leak({
      retained_bytes_per_request: 1148,
      gauges: {
        before: [{ ...gauges(), sessions: sessions(100) }],
        after: [{ ...gauges(), sessions: sessions(200) }],
      },
      diagnosis: diagnosis(heldBy('module global', 'encodings._cache')),
    });
    expect(attribute(scan)).toMatchObject({
      item: 'destroy-session-data',
      explained_bytes_per_request: 1118,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 30 }],
    });
  });

  it('a chain naming a listed container whose growth was not measured still names it, with its clear action', () => {
    const panels = row('app.PANELS', 5, 1000);
    expect(
      attribute(
        leak({
          gauges: { before: [withRows(panels)], after: [withRows(panels)] },
          diagnosis: diagnosis(heldBy('module global', 'app.PANELS')),
        }),
      ),
    ).toMatchObject({
      item: 'clear-caches',
      actions: [{ name: 'container_clear', target: 'app.PANELS', irreversible: true }],
    });
  });

  it('garbage found by the verdict is garbage collection, whatever small container grew beside it', () => {
    const a = attribute(
      leak({
        cause: 'garbage',
        garbage_bytes_per_request: 82_700,
        retained_bytes_per_request: 82_700,
        gauges: { before: [withRows(row('app.LOG', 0, 100))], after: [withRows(row('app.LOG', 100, 100))] },
      }),
    );
    expect(a).toMatchObject({
      item: 'garbage-collection',
      actions: [{ name: 'gc_collect' }],
      explained_bytes_per_request: 82_700,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 100 }],
    });
    expect(a!.why).toContain('82700 bytes per request');
  });

  it('an unbounded lru_cache is a cache by its entries; a bounded one filling up is not', () => {
    const lru = (currsize: number, maxsize: number | null) => ({
      lru_caches: [
        {
          name: 'news.text.slugify',
          maxsize,
          currsize,
          hits: 0,
          misses: currsize,
          bytes: currsize * 180,
          entry_bytes: 180,
        },
      ],
    });
    expect(
      attribute(
        leak({
          retained_bytes_per_request: 200,
          gauges: { before: [gauges(lru(0, null))], after: [gauges(lru(100, null))] },
        }),
      ),
    ).toMatchObject({
      item: 'clear-caches',
      explained_bytes_per_request: 180,
      actions: [{ name: 'lru_clear', target: 'news.text.slugify' }],
    });
    expect(
      attribute(leak({ gauges: { before: [gauges(lru(156, 256))], after: [gauges(lru(256, 256))] } })),
    ).toBeNull();
  });

  it('figures are per process: growth sums over workers, the session table is read from one', () => {
    const two = (len: number, stored: number) =>
      [1, 2].map((pid) => ({ ...withRows(row('app.SEEN', len, 500)), pid, sessions: sessionsAt(stored) }));
    const scan = leak({
      retained_bytes_per_request: 600,
      sent: 100,
      gauges: { before: two(0, 10), after: two(50, 110) },
    });
    expect(attribute(scan)).toMatchObject({ item: 'clear-caches', explained_bytes_per_request: 500 });
    expect(detect({ scans: [scan], gauges: two(50, 110) }).notes).toEqual([
      'GET /x/: 1 new row per request in django_session: storage that grows until clearsessions runs, not process memory',
    ]);
  });

  it('a dict whose table doubled between the gauges is sized per entry, not by the jump', () => {
    // A queue of pings gains one int -> int entry (~64 B with its table share) per request; its hash table
    // doubled in between (+294 KB at once), which divided by 100 requests would claim ~3 KB a request.
    const pings = (len: number, bytes: number) => row('news.analytics._UNSENT_PINGS', len, 64, { bytes });
    const scan = leak({
      retained_bytes_per_request: 70,
      gauges: { before: [withRows(pings(5430, 295_000))], after: [withRows(pings(5530, 589_000))] },
    });
    expect(attribute(scan)).toMatchObject({ item: 'clear-caches', explained_bytes_per_request: 64 });
  });

  it('a row absent from a full list may have been left out: no growth from zero is made up', () => {
    const filler = Array.from({ length: 50 }, (_, i) => row(`app.BIG${i}`, 10, 100_000));
    const before = { ...gauges(), containers: filler };
    const after = { ...gauges(), containers: [...filler.slice(0, 49), row('app.NEW', 400, 2000)] };
    expect(attribute(leak({ gauges: { before: [before], after: [after] } }))).toBeNull();
    // From a shorter list, absent means empty: 400 new entries.
    expect(
      attribute(
        leak({ gauges: { before: [{ ...before, containers: filler.slice(0, 10) }], after: [after] } }),
      ),
    ).toMatchObject({ item: 'clear-caches', explained_bytes_per_request: 8000 });
  });

  it('gauges from an older probe (no entry sizes) still attribute, by bytes per entry', () => {
    const old = (len: number) => ({
      ...gauges(),
      containers: [{ name: 'app.PANELS', type: 'dict', len, bytes: len * 1000 }],
    });
    expect(attribute(leak({ gauges: { before: [old(0)], after: [old(60)] } }))).toMatchObject({
      item: 'clear-caches',
      why: 'app.PANELS grows by 0.6 entries per request (~1000 B each)',
      explained_bytes_per_request: 600,
    });
  });

  it('detect: one finding per item, endpoints only on the item that explains them, controls never', () => {
    const scans: ScanEvidence[] = [
      leak({
        path: '/gc/',
        cause: 'garbage',
        garbage_bytes_per_request: 500,
        retained_bytes_per_request: 500,
      }),
      leak({
        path: '/cache/',
        gauges: { before: [withRows(row('app.P', 0, 45_000))], after: [withRows(row('app.P', 100, 45_000))] },
      }),
      leak({ path: '/mystery/', retained_bytes_per_request: 2048 }),
      {
        ...leak({ path: '/control/' }),
        verdict: 'ok',
        gauges: { before: [withRows(row('app.P', 0, 100))], after: [withRows(row('app.P', 64, 100))] },
      },
    ];
    const { findings, unexplained } = detect({ scans, gauges: [gauges()] });
    expect(findings.map((f) => f.item)).toEqual(CHECKLIST_ITEMS);
    const by = Object.fromEntries(findings.map((f) => [f.item, f]));
    expect(by['garbage-collection']).toMatchObject({
      status: 'suspect',
      severity: 'low',
      endpoints: [{ path: '/gc/' }],
    });
    expect(by['clear-caches']).toMatchObject({
      status: 'suspect',
      severity: 'high',
      endpoints: [{ path: '/cache/', explained_bytes_per_request: 40_000, unexplained_bytes_per_request: 0 }],
    });
    for (const item of ['close-db-connections', 'destroy-session-data', 'weakref'] as const)
      expect(by[item]).toMatchObject({ status: 'clear', endpoints: [] });
    expect(unexplained).toEqual([{ method: 'GET', path: '/mystery/', retained_bytes_per_request: 2048 }]);
    expect(findings.flatMap((f) => f.endpoints).some((e) => e.path === '/control/')).toBe(false);
  });

  it('session-wide figures make an item suspect without any scan; nothing measured says so', () => {
    const busy = gauges({
      db: { ...(gauges().db as object), open: 12, open_outside_requests: 12 } as GaugesDto['db'],
      sessions: { engine: 'django.contrib.sessions.backends.db', stored: 5000, bytes: 1, expired: 4000 },
      gc: { enabled: true, threshold: [700, 10, 10], count: [0, 0, 0], stats: [], garbage: 3, frozen: 0 },
      signals: [{ name: 'app.changed', receivers: 150, strong: 150 }],
      lru_caches: [{ name: 'app.f', maxsize: null, currsize: 20_000, hits: 0, misses: 0 }],
    });
    const { findings } = detect({ scans: [], gauges: [busy] });
    expect(findings.map((f) => [f.item, f.status, f.severity])).toEqual(
      CHECKLIST_ITEMS.map((item) => [item, 'suspect', 'medium']),
    );
    expect(findings.find((f) => f.item === 'destroy-session-data')!.summary).toBe(
      '4000 expired sessions wait for clearsessions',
    );
    // A registry holding many callbacks strongly is suspect on its own too.
    const registry = detect({
      scans: [],
      gauges: [withRows(row('app.bus.handlers', 150, 900, { type: 'list', callbacks: 150 }))],
    });
    expect(registry.findings.find((f) => f.item === 'weakref')).toMatchObject({
      status: 'suspect',
      summary: 'app.bus.handlers holds 150 callbacks strongly',
      evidence: { containers: [expect.objectContaining({ name: 'app.bus.handlers' })] },
    });
    const none = detect({ scans: [], gauges: [] });
    expect(none.findings.every((f) => f.status === 'not-measured')).toBe(true);
    // A part the probe could not read is no evidence either way.
    const broken = detect({ scans: [], gauges: [gauges({ db: { error: 'OperationalError: locked' } })] });
    expect(broken.findings.find((f) => f.item === 'close-db-connections')!.status).toBe('clear');
  });
});
