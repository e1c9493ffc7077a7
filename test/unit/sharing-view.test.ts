import { describe, expect, it } from 'vitest';
import type { TimelineDto } from '../../preload/contract.ts';
import { formatDuration } from '../../renderer/src/format.ts';
import { exportedWhileRunning, originFileName, originText, parseOrigin } from '../../renderer/src/origin.ts';
import { ELAPSED_ORIGIN, elapsedRss, totalRss } from '../../renderer/src/views/compare/elapsedRss.ts';

const day = (t: number): string => `day ${t}`;

describe('where a session came from', () => {
  it('reads an imported session file, a recording, and nothing for a session recorded here', () => {
    const imported = parseOrigin(
      JSON.stringify({ file: '/tmp/shop-3.djleak', imported_at: 100, original_id: 3, exported_from: null }),
    );
    expect(imported).toEqual({
      kind: 'imported',
      file: '/tmp/shop-3.djleak',
      importedAt: 100,
      originalId: 3,
      relayed: false,
      exportedWhileRunning: false,
    });
    expect(originText(imported!, day)).toBe('Imported from shop-3.djleak on day 100 (original session #3)');

    const recording = parseOrigin(
      JSON.stringify({ file: '/srv/rec.ndjson', imported_at: 5, recording: true, lines: 10, skipped: 2 }),
    );
    expect(recording).toMatchObject({ kind: 'recording', lines: 10, skipped: 2 });
    expect(originText(recording!, day)).toBe('Recording rec.ndjson imported on day 5');

    expect(parseOrigin(null)).toBeNull();
    expect(parseOrigin('not json')).toBeNull();
  });

  it('says a relayed file was imported elsewhere first, and survives missing fields', () => {
    const relayed = parseOrigin(JSON.stringify({ file: 'a.djleak', exported_from: { file: 'b.djleak' } }));
    expect(relayed).toMatchObject({ kind: 'imported', relayed: true, importedAt: null, originalId: null });
    expect(originText(relayed!, day)).toBe('Imported from a.djleak');
  });

  it('says a session was exported while it ran, here or where it was first imported', () => {
    const cut = JSON.stringify({
      file: '/tmp/shop-3.djleak',
      imported_at: 100,
      original_id: 3,
      status_at_export: 'running',
      exported_from: null,
    });
    expect(parseOrigin(cut)).toMatchObject({ exportedWhileRunning: true, relayed: false });
    expect(exportedWhileRunning(cut)).toBe(true);
    expect(originText(parseOrigin(cut)!, day)).toBe(
      'Imported from shop-3.djleak on day 100 (original session #3), exported while it was still running',
    );
    // imported there while running, exported again from there (as 'interrupted'), imported here
    const relayed = JSON.stringify({ file: 'b.djleak', exported_from: JSON.parse(cut) as unknown });
    expect(exportedWhileRunning(relayed)).toBe(true);
    expect(exportedWhileRunning(JSON.stringify({ file: 'a.djleak', exported_from: null }))).toBe(false);
    expect(exportedWhileRunning(null)).toBe(false);
  });

  it('names an import by its file name, on any system', () => {
    expect(originFileName('/home/u/.config/djleak/uploads/upload-Ab12/shop-3.djleak')).toBe('shop-3.djleak');
    expect(originFileName('C:\\Users\\u\\AppData\\djleak\\uploads\\upload-Ab12\\a.ndjson')).toBe('a.ndjson');
  });
});

describe('durations', () => {
  it('rounds once: a session that ends half a second short of 10 min lasted 10 min 0 s, not 9 min 60 s', () => {
    expect(formatDuration(599.5)).toBe('10 min 0 s');
    expect(formatDuration(59.5)).toBe('1 min 0 s');
    expect(formatDuration(59.4)).toBe('59 s');
    expect(formatDuration(3599.5)).toBe('1 h 0 min');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
  });
});

describe("the Compare view's memory series", () => {
  it('adds up the processes, each holding its last value while it lives', () => {
    const total = totalRss([{ rss: { t: [0, 2, 4], v: [10, 20, 30] } }, { rss: { t: [1, 3], v: [1, 2] } }]);
    expect(total).toEqual({ t: [0, 1, 2, 3, 4], v: [10, 11, 21, 22, 30] });
    expect(totalRss([{ rss: { t: [5], v: [7] } }, { rss: { t: [], v: [] } }])).toEqual({ t: [5], v: [7] });
    expect(totalRss([])).toEqual({ t: [], v: [] });
  });

  it('puts each session on the same axis of time since its own first sample, in MB', () => {
    const timeline = (from: number, rss: number[]): TimelineDto => ({
      span: { from, to: from + rss.length - 1 },
      window: { from, to: from + rss.length - 1 },
      processes: [
        {
          pid: 1,
          role: 'main',
          samples: rss.length,
          rss: { t: rss.map((_, i) => from + i), v: rss },
          gc: { t: [], v: [] },
          heap: { t: [], v: [] },
        },
      ],
      requestsPerSecond: { t: [], v: [] },
    });
    const a = elapsedRss(timeline(1_000_000, [1048576, 2097152, 3145728]));
    const b = elapsedRss(timeline(2_000_000, [1048576, 1048576]));
    expect(a).toEqual({ x: [ELAPSED_ORIGIN, ELAPSED_ORIGIN + 1000, ELAPSED_ORIGIN + 2000], y: [1, 2, 3] });
    expect(b.x).toEqual([ELAPSED_ORIGIN, ELAPSED_ORIGIN + 1000]);
    // a UTC midnight: plotly's hours:minutes:seconds labels then read as elapsed time
    expect(new Date(ELAPSED_ORIGIN).toISOString()).toMatch(/T00:00:00.000Z$/);
    const empty: TimelineDto = {
      span: null,
      window: null,
      processes: [],
      requestsPerSecond: { t: [], v: [] },
    };
    expect(elapsedRss(empty)).toEqual({ x: [], y: [] });
  });
});
