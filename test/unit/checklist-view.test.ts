import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionResultDto, ChecklistItem } from '../../preload/contract.ts';
import { effectRows, effectTotals, groupRuns } from '../../renderer/src/views/checklist/actionText.ts';
import { figureRows } from '../../renderer/src/views/checklist/evidenceFigures.ts';
import { FIX_GUIDES } from '../../renderer/src/views/checklist/fixGuide.ts';
import { DEMO_SCENARIO, TOUR_STEPS, TOUR_TEXT } from '../../renderer/src/views/walkthrough/tourSteps.ts';
import { demoEndpoints, repoRoot } from '../helpers/demo.ts';

const ITEMS: ChecklistItem[] = [
  'clear-caches',
  'close-db-connections',
  'destroy-session-data',
  'garbage-collection',
  'weakref',
];

function result(id: number, pid: number, t: number, effect: Record<string, unknown>): ActionResultDto {
  return {
    id,
    pid,
    t,
    item: 'clear-caches',
    name: 'container_clear',
    args: { name: 'container_clear', target: 'shop.fragments._PRICE_LIST_FRAGMENTS' },
    ok: true,
    error: null,
    before: { rss: 100, blocks: 10, gc_objects: 5 },
    after: { rss: 90, blocks: 8, gc_objects: 5 },
    effect,
    message: 'cleared',
  };
}

describe('fix guides', () => {
  it('has a title, an explanation and a before/after example for every checklist item', () => {
    expect(Object.keys(FIX_GUIDES).sort()).toEqual([...ITEMS].sort());
    for (const item of ITEMS) {
      const g = FIX_GUIDES[item];
      expect(g.title.length).toBeGreaterThan(3);
      expect(g.why.split('. ').length).toBeGreaterThanOrEqual(2);
      expect(g.before).not.toBe(g.after);
    }
    expect(FIX_GUIDES.weakref.before).toContain('weak=False');
    expect(FIX_GUIDES['close-db-connections'].after).toContain('connection.close()');
  });
});

describe('figureRows', () => {
  it('reads each item’s figures from the gauges the engine put in the evidence', () => {
    const db = figureRows('close-db-connections', {
      db: {
        wrappers: 3,
        open: 3,
        open_by_alias: { default: 3 },
        open_outside_requests: 2,
        open_by_thread_name: { 'stock-watch': 2 },
        oldest_open_s: 12.4,
        queries_logged: 0,
        debug: false,
      },
      threads: { count: 4, by_name: { 'stock-watch': 2, MainThread: 1, worker: 1 } },
    });
    expect(db.find((r) => r.label === 'Open, by thread name')?.value).toBe('stock-watch 2');
    expect(db.find((r) => r.label === 'Oldest open for')?.value).toBe('12 s');

    const caches = figureRows('clear-caches', {
      caches: null,
      containers: [
        { name: 'shop.fragments._PRICE_LIST_FRAGMENTS', type: 'dict', len: 153, bytes: 6_973_991 },
      ],
      lru_caches: [{ name: 'shop.f', maxsize: null, currsize: 5, hits: 1, misses: 5 }],
    });
    expect(caches.map((r) => [r.label, r.value])).toEqual([
      ['shop.fragments._PRICE_LIST_FRAGMENTS (dict)', '153 entries · 6.7 MB'],
      ['shop.f (lru_cache)', '5 entries, no maxsize · 1 hits / 5 misses'],
    ]);

    expect(figureRows('garbage-collection', { gc: null })).toEqual([]);
    expect(figureRows('weakref', { signals: [{ name: 's', receivers: 3, strong: 2 }] })[0]?.value).toBe(
      '3 receivers, 2 held strongly',
    );
    expect(figureRows('destroy-session-data', {})).toEqual([]);
  });

  it('shows where each container lives, what one more entry or callback costs, and in-memory sessions', () => {
    const weak = figureRows('weakref', {
      signals: [{ name: 's', receivers: 3, strong: 2, strong_bytes: 2600 }],
      containers: [
        {
          name: 'news.events.bus._handlers',
          type: 'list',
          holder: 'instance attribute',
          len: 40,
          bytes: 952,
          entry_bytes: 1313,
          callbacks: 40,
        },
      ],
    });
    expect(weak.map((r) => [r.label, r.value])).toEqual([
      ['s', '3 receivers, 2 held strongly (keeping ~2.5 KB)'],
      [
        'news.events.bus._handlers (list, instance attribute)',
        '40 callbacks held strongly · 952 B · ~1.3 KB each',
      ],
    ]);
    const sessions = figureRows('destroy-session-data', {
      sessions: {
        engine: 'django.contrib.sessions.backends.cache',
        in_memory: { alias: 'default', stored: 4, bytes: 9168 },
        stored: 4,
        bytes: null,
        expired: null,
      },
      containers: [],
    });
    expect(sessions.find((r) => r.label === "Kept in this process's memory")?.value).toBe(
      "4 sessions · 9.0 KB (cache 'default')",
    );
  });
});

describe('action results', () => {
  it('pairs before/after figures and sums a run over its processes', () => {
    const rows = effectRows({
      entries_before: 153,
      entries_after: 0,
      bytes_before: 6_973_991,
      bytes_after: 64,
    });
    expect(rows.map((r) => [r.label, r.before, r.after, r.change])).toEqual([
      ['Entries', '153', '0', '−153'],
      ['Size', '6.7 MB', '64 B', '−6.7 MB'],
    ]);
    const held = effectRows({
      open_before: 3,
      open_after: 3,
      held_by_other_threads: 2,
      by_thread_name: { w: 2 },
    });
    expect(held.map((r) => r.label)).toEqual(['Open connections', 'Held by other threads']);
    expect(held[1]!.after).toBe('2 (2× w)');

    const run = [
      result(1, 10, 100, { entries_before: 100, entries_after: 0, bytes_before: 5000, bytes_after: 0 }),
      result(2, 11, 100.2, { entries_before: 50, entries_after: 0, bytes_before: 2500, bytes_after: 0 }),
    ];
    expect(effectTotals(run)).toEqual({ entriesBefore: 150, entriesAfter: 0, bytesFreed: 7500 });
    expect(effectTotals([result(3, 10, 1, { collected: 5, garbage_bytes: 900 })]).bytesFreed).toBe(900);
  });

  it('groups the rows of one actions.run call into a run', () => {
    const rows = [
      result(1, 10, 100, {}),
      result(2, 11, 100.3, {}),
      result(3, 10, 160, {}),
      result(4, 10, 160.1, {}),
    ];
    expect(groupRuns(rows).map((run) => run.map((r) => r.id))).toEqual([[1, 2], [3], [4]]);
  });
});

describe('the walkthrough', () => {
  it('scans the endpoints of the demo scenario, and has words for every step', () => {
    const scenario = JSON.parse(
      readFileSync(path.join(repoRoot, 'assets', 'examples', 'leaky_shop', 'scenario.json'), 'utf8'),
    ) as { endpoints: { path: string }[]; cookies: string };
    // the same endpoints, order and counts
    expect(DEMO_SCENARIO).toEqual(scenario);
    const leaks = demoEndpoints()
      .filter((e) => e.leaks)
      .map((e) => e.path);
    expect(DEMO_SCENARIO.endpoints.map((e) => e.path)).toEqual(expect.arrayContaining(leaks));
    for (const step of TOUR_STEPS) expect(TOUR_TEXT[step].text.split('. ').length).toBeGreaterThanOrEqual(2);
  });
});
