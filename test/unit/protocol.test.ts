import { describe, expect, it } from 'vitest';
import { parseCommandReply, parseProbeLine } from '../../main/probe/protocol.ts';

const sample = {
  t: 1700000000.2,
  rss: 41234432,
  heap: 30112000,
  gc_count: [412, 3, 1],
  gc_collections: [20, 1, 0],
  gc_collected: [100, 5, 0],
  gc_uncollectable: [0, 0, 0],
  gc_enabled: true,
  threads: 3,
  fds: 7,
};

describe('parseProbeLine', () => {
  it('accepts each message kind of PROTOCOL.md', () => {
    const lines = [
      {
        type: 'hello',
        v: 1,
        token: 'x',
        pid: 5,
        ppid: 1,
        role: 'main',
        t: 1,
        python: '3.11.7',
        argv: ['manage.py'],
      },
      { type: 'samples', items: [sample] },
      {
        type: 'requests',
        items: [
          {
            t: 1,
            method: 'GET',
            route: 'a/',
            view: 'v',
            path: '/a/',
            status: 200,
            duration_ms: 1.5,
            rss_before: 1,
            rss_after: 2,
          },
        ],
      },
      { type: 'django', version: '5.2.17', settings: 'p.settings', middleware: true },
      { type: 'log', level: 'warning', message: 'hi' },
      { type: 'reply', id: 3, ok: true, result: { t: 1 } },
      { type: 'bye', t: 2, reason: 'exit' },
    ];
    for (const line of lines) {
      const parsed = parseProbeLine(JSON.stringify(line));
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (parsed.ok) expect(parsed.message.type).toBe(line.type);
    }
  });

  it('keeps fields it does not know out of the way', () => {
    const parsed = parseProbeLine(
      JSON.stringify({ type: 'samples', items: [{ ...sample, extra: 1 }], more: true }),
    );
    expect(parsed.ok).toBe(true);
  });

  it('names what is wrong in a bad line', () => {
    expect(parseProbeLine('{not json')).toEqual({ ok: false, error: 'not JSON' });
    const wrongType = parseProbeLine(JSON.stringify({ type: 'samples', items: [{ ...sample, rss: 'big' }] }));
    expect(wrongType.ok).toBe(false);
    if (!wrongType.ok) expect(wrongType.error).toContain('items.0.rss');
    const negative = parseProbeLine(JSON.stringify({ type: 'samples', items: [{ ...sample, rss: -1 }] }));
    expect(negative.ok).toBe(false);
    expect(parseProbeLine(JSON.stringify({ type: 'launch_missiles' })).ok).toBe(false);
    expect(parseProbeLine(JSON.stringify([1, 2])).ok).toBe(false);
    expect(parseProbeLine('null').ok).toBe(false);
  });
});

describe('record mode gauges lines', () => {
  const gauges = {
    type: 'gauges',
    t: 1,
    gc: { error: 'gc state unreadable' },
    caches: [
      {
        alias: 'default',
        backend: 'LocMemCache',
        entries: 1,
        bytes: 2000,
        max_entries: 300,
        cull_frequency: 3,
        default_timeout: 300,
      },
    ],
    db: { error: 'Django is not set up' },
    sessions: { engine: 'django.contrib.sessions.backends.db', stored: 4 },
    containers: [{ name: 'shop.fragments._PRICE_LIST_FRAGMENTS', type: 'dict', len: 40, bytes: 1_800_000 }],
    lru_caches: [],
    signals: [{ name: 'shop.signals.prices_changed', receivers: 3, strong: 3 }],
    threads: { count: 4, by_name: { MainThread: 1 } },
    elapsed_ms: 18.2,
  };

  it('are accepted with parts that failed, and the detectors never see a malformed figure', () => {
    expect(parseProbeLine(JSON.stringify(gauges)).ok).toBe(true);
    const bad = parseProbeLine(
      JSON.stringify({ ...gauges, containers: [{ name: 'x', type: 'dict', len: 'many', bytes: 1 }] }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain('containers');
    expect(parseProbeLine(JSON.stringify({ ...gauges, signals: { error: 42 } })).ok).toBe(false);
    const { threads: _threads, ...missing } = gauges;
    expect(parseProbeLine(JSON.stringify(missing)).ok).toBe(false);
  });

  it('keep the byte figures the detectors divide by the requests (a recording is explained by them)', () => {
    const sized = {
      ...gauges,
      sessions: {
        engine: 'django.contrib.sessions.backends.cache',
        in_memory: { alias: 'sessions', stored: 40, bytes: 45_000 },
        stored: 40,
        table: null,
      },
      containers: [
        {
          name: 'newsroom.events.breaking_news._subscribers',
          type: 'list',
          holder: 'instance attribute',
          len: 40,
          bytes: 952,
          entry_bytes: 1031,
          callbacks: 40,
        },
        { name: 'shop.history._RECENT_PANELS', type: 'dict', len: 3, bytes: 1e5, session_keys: true },
      ],
      lru_caches: [
        { name: 'a.f', maxsize: null, currsize: 2, hits: 0, misses: 2, bytes: 300, entry_bytes: 124 },
      ],
      signals: [{ name: 's', receivers: 3, strong: 3, strong_bytes: 129_000 }],
    };
    const parsed = parseProbeLine(JSON.stringify(sized));
    expect(parsed.ok && parsed.message).toMatchObject(sized);
    const wrongHolder = { ...sized, containers: [{ ...sized.containers[0], holder: 'closure' }] };
    expect(parseProbeLine(JSON.stringify(wrongHolder)).ok).toBe(false);
  });
});

describe('command replies', () => {
  it('takes what a real probe answers: long reasons, an unreadable RSS, long type names', () => {
    // Django's Resolver404 text, quoted in a reason, lists every pattern it tried: 2,007 characters on a
    // project with 40 routes and the admin.
    const urls = parseCommandReply('urls', {
      patterns: [
        {
          route: 'shop/<slug:slug>/',
          name: 'shop:item',
          view: 'shop.views.ItemView',
          has_params: true,
          regex: false,
          example: null,
          why: `reverse() does not make a path of this route: ${'x'.repeat(5000)}`,
        },
      ],
      count: 1,
      truncated: false,
    });
    expect(urls.ok).toBe(true);
    const figures = { rss: null, heap: null, blocks: 10, gc_objects: 5, traced: null };
    const measure = parseCommandReply('measure', {
      t: 1,
      before: figures,
      after: figures,
      collected: 0,
      garbage_bytes: 0,
      gc_enabled: true,
      gc_collections: [1, 0, 0],
    });
    expect(measure.ok).toBe(true);
    const census = parseCommandReply('census', {
      t: 1,
      total_objects: 1,
      types: [{ type: `app.${'Generated'.repeat(300)}`, count: 1, size: 64 }],
    });
    expect(census.ok).toBe(true);
    // What is wrong is still refused, naming the field.
    expect(parseCommandReply('urls', { patterns: [{ route: 1 }], count: 1, truncated: false })).toMatchObject(
      {
        ok: false,
        error: expect.stringMatching(/^patterns\.0\.route: /),
      },
    );
  });
});
