import { describe, expect, it } from 'vitest';
import { attribute, CHECKLIST_ITEMS, detect, type ScanEvidence } from '../../main/analysis/detectors.ts';
import type { GaugesDto, HeldByDto } from '../../preload/contract.ts';

/** Gauges of one process, with every part present and quiet unless overridden. */
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
    },
    sessions: { engine: 'django.contrib.sessions.backends.db', stored: 10, bytes: 1000, expired: 0 },
    containers: [],
    lru_caches: [],
    signals: [],
    threads: { count: 2, by_name: {} },
    elapsed_ms: 1,
    ...over,
  };
}

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

const panels = (len: number) => ({
  containers: [{ name: 'app.PANELS', type: 'dict', len, bytes: len * 1000 }],
});

describe('checklist detectors', () => {
  it('a garbage-only leak is garbage collection, whatever else grew', () => {
    const a = attribute(
      leak({
        cause: 'garbage',
        garbage_bytes_per_request: 28_000,
        gauges: { before: [gauges(panels(0))], after: [gauges(panels(100))] },
      }),
    );
    expect(a).toMatchObject({ item: 'garbage-collection', actions: [{ name: 'gc_collect' }] });
    expect(a!.why).toContain('28000 bytes per request');
  });

  it('connections left open by background threads beat everything but garbage', () => {
    const before = gauges();
    const after = gauges({
      db: { ...(before.db as object), open: 95, open_outside_requests: 95 } as GaugesDto['db'],
      ...panels(100),
    });
    const a = attribute(leak({ gauges: { before: [before], after: [after] } }));
    expect(a?.item).toBe('close-db-connections');
    expect(a?.why).toBe('0.95 database connections per request left open by threads that serve no requests');
  });

  it('a process-wide dict that grows with the stored sessions is session data, not a cache', () => {
    const before = gauges(panels(0));
    const after = gauges({
      ...panels(100),
      sessions: { engine: 'db', stored: 110, bytes: 9000, expired: 0 },
    });
    const a = attribute(
      leak({
        gauges: { before: [before], after: [after] },
        diagnosis: {
          top_sites: [],
          top_types: [],
          held_by: heldBy('module global', 'app.PANELS'),
          snapshots: null,
        },
      }),
    );
    expect(a).toMatchObject({
      item: 'destroy-session-data',
      why: '1 new stored session per request, never destroyed',
    });
    expect(a!.actions).toEqual([
      expect.objectContaining({ name: 'clear_expired_sessions', irreversible: true }),
    ]);
  });

  it('one kept session growing in bytes is session data too', () => {
    const a = attribute(
      leak({
        gauges: {
          before: [gauges()],
          after: [gauges({ sessions: { engine: 'db', stored: 10, bytes: 31_000, expired: 0 } })],
        },
      }),
    );
    expect(a?.why).toBe('stored session data grows by 300 bytes per request');
  });

  it('sessions are one store: their figures are read from one process, not summed over workers', () => {
    const two = (stored: number) =>
      [gauges({ pid: 1 }), gauges({ pid: 2 })].map((g) => ({
        ...g,
        sessions: { engine: 'db', stored, bytes: 1000, expired: 0 },
      }));
    expect(attribute(leak({ sent: 100, gauges: { before: two(10), after: two(40) } }))).toBeNull();
  });

  it('strong signal receivers, from the referrers or from the gauges, are weakref', () => {
    const sig = (strong: number) => ({
      signals: [{ name: 'app.signals.changed', receivers: strong, strong }],
    });
    expect(
      attribute(leak({ gauges: { before: [gauges(sig(3))], after: [gauges(sig(103))] } })),
    ).toMatchObject({
      item: 'weakref',
      why: '1 strong receiver per request on app.signals.changed (connected with weak=False)',
    });
    const held = attribute(
      leak({
        diagnosis: {
          top_sites: [],
          top_types: [],
          held_by: heldBy('signal receivers', 'app.signals.changed'),
          snapshots: null,
        },
      }),
    );
    expect(held).toMatchObject({ item: 'weakref', why: 'held by the receivers of app.signals.changed' });
  });

  it('a module global, a growing container or an unbounded lru_cache is a cache, with a clear action', () => {
    const byHolder = attribute(
      leak({
        gauges: { before: [gauges(panels(5))], after: [gauges(panels(5))] },
        diagnosis: {
          top_sites: [],
          top_types: [],
          held_by: heldBy('module global', 'app.PANELS'),
          snapshots: null,
        },
      }),
    );
    expect(byHolder).toMatchObject({
      item: 'clear-caches',
      actions: [{ name: 'container_clear', target: 'app.PANELS', irreversible: true }],
    });
    const byGrowth = attribute(
      leak({ gauges: { before: [gauges(panels(0))], after: [gauges(panels(60))] } }),
    );
    expect(byGrowth?.why).toBe('app.PANELS grows by 0.6 entries per request');
    const lru = (currsize: number, maxsize: number | null) => ({
      lru_caches: [{ name: 'app.render', maxsize, currsize, hits: 0, misses: currsize }],
    });
    expect(
      attribute(leak({ gauges: { before: [gauges(lru(0, null))], after: [gauges(lru(100, null))] } })),
    ).toMatchObject({ item: 'clear-caches', actions: [{ name: 'lru_clear', target: 'app.render' }] });
    // A bounded lru_cache filling up is not it.
    expect(
      attribute(leak({ gauges: { before: [gauges(lru(0, 64))], after: [gauges(lru(64, 64))] } })),
    ).toBeNull();
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
        gauges: { before: [gauges(panels(0))], after: [gauges(panels(100))] },
      }),
      leak({ path: '/mystery/', retained_bytes_per_request: 2048 }),
      {
        ...leak({ path: '/control/' }),
        verdict: 'ok',
        gauges: { before: [gauges(panels(0))], after: [gauges(panels(64))] },
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
      endpoints: [{ path: '/cache/' }],
    });
    for (const item of ['close-db-connections', 'destroy-session-data', 'weakref'] as const)
      expect(by[item]).toMatchObject({ status: 'clear', endpoints: [] });
    expect(unexplained).toEqual([{ method: 'GET', path: '/mystery/', retained_bytes_per_request: 2048 }]);
    expect(findings.flatMap((f) => f.endpoints).some((e) => e.path === '/control/')).toBe(false);
  });

  it('session-wide figures make an item suspect without any scan; nothing measured says so', () => {
    const busy = gauges({
      db: { ...(gauges().db as object), open: 12, open_outside_requests: 12 } as GaugesDto['db'],
      sessions: { engine: 'db', stored: 5000, bytes: 1, expired: 4000 },
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
    const none = detect({ scans: [], gauges: [] });
    expect(none.findings.every((f) => f.status === 'not-measured')).toBe(true);
    // A part the probe could not read is no evidence either way.
    const broken = detect({ scans: [], gauges: [gauges({ db: { error: 'OperationalError: locked' } })] });
    expect(broken.findings.find((f) => f.item === 'close-db-connections')!.status).toBe('clear');
  });
});
