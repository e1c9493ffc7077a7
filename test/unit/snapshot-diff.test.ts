import { describe, expect, it } from 'vitest';
import {
  attributedFrame,
  diffSnapshots,
  inProject,
  typeGrowth,
  type Frame,
} from '../../main/analysis/snapshot-diff.ts';

const root = '/home/me/shop';
const lib = (line: number): Frame => ({
  file: '/usr/lib/python3.11/site-packages/django/db/models/query.py',
  line,
});
const own = (file: string, line: number): Frame => ({ file: `${root}/${file}`, line });

const frames = new Map<number, Frame[]>([
  [1, [lib(300), own('shop/fragments.py', 32), own('shop/views.py', 10)]], // leak via a library call
  [2, [own('shop/fragments.py', 32), own('shop/views.py', 12)]], // same line, other caller
  [3, [lib(50), lib(60)]], // library only
  [4, [own('shop/views.py', 40)]],
  [5, [{ file: `${root}/.venv/lib/python3.11/site-packages/x.py`, line: 1 }, own('shop/models.py', 7)]],
]);

const before = [
  { site: 1, size: 1000, count: 10 },
  { site: 3, size: 500, count: 5 },
  { site: 4, size: 800, count: 8 },
];
const after = [
  { site: 1, size: 51_000, count: 110 },
  { site: 2, size: 20_000, count: 20 },
  { site: 3, size: 9_500, count: 50 },
  { site: 4, size: 800, count: 8 },
  { site: 5, size: 3_000, count: 3 },
];

describe('attribution', () => {
  it('takes the innermost project frame, never a virtualenv inside the project', () => {
    expect(inProject(`${root}/shop/a.py`, root)).toBe(true);
    expect(inProject(`${root}-other/a.py`, root)).toBe(false);
    expect(inProject(`${root}/.venv/lib/python3.11/site-packages/x.py`, root)).toBe(false);
    expect(attributedFrame(frames.get(1)!, root)).toBe(1);
    expect(attributedFrame(frames.get(3)!, root)).toBe(-1);
    expect(attributedFrame(frames.get(5)!, root)).toBe(1);
  });
});

describe('diffSnapshots', () => {
  it('by line: sites on the same project line add up, library frames stay in the traceback', () => {
    const rows = diffSnapshots(before, after, frames, {
      groupBy: 'line',
      projectRoot: root,
      scope: 'project',
      requests: 100,
    });
    expect(rows[0]).toMatchObject({
      key: `${root}/shop/fragments.py:32`,
      line: 32,
      size_diff: 70_000,
      count_diff: 120,
      size_after: 71_000,
      size_per_request: 700,
      attributed: 1,
    });
    expect(rows[0]!.traceback[0]).toEqual(lib(300));
    expect(rows.map((r) => r.key)).toEqual([`${root}/shop/fragments.py:32`, `${root}/shop/models.py:7`]);
  });

  it('with libraries: a library-only site lands on its innermost frame', () => {
    const rows = diffSnapshots(before, after, frames, { groupBy: 'site', projectRoot: root, scope: 'all' });
    expect(rows.map((r) => [r.key, r.size_diff])).toEqual([
      ['site:1', 50_000],
      ['site:2', 20_000],
      ['site:3', 9_000],
      ['site:5', 3_000],
    ]);
    expect(rows[2]).toMatchObject({ file: lib(50).file, line: 50, attributed: 0 });
  });

  it('by file, filtered by a path substring, limited', () => {
    const rows = diffSnapshots(before, after, frames, {
      groupBy: 'file',
      projectRoot: root,
      scope: 'all',
      pathContains: 'views.py',
      limit: 1,
    });
    expect(rows).toEqual([
      expect.objectContaining({ key: `${root}/shop/fragments.py`, line: null, size_diff: 70_000 }),
    ]);
  });

  it('diffs 100,000 sites', () => {
    const big = new Map<number, Frame[]>();
    const a = [];
    const b = [];
    for (let i = 0; i < 100_000; i++) {
      big.set(i, [own(`shop/m${i % 500}.py`, i % 997)]);
      a.push({ site: i, size: 100, count: 1 });
      b.push({ site: i, size: 100 + (i % 3), count: 1 });
    }
    const rows = diffSnapshots(a, b, big, {
      groupBy: 'line',
      projectRoot: root,
      scope: 'project',
      limit: 10,
    });
    expect(rows).toHaveLength(10);
    // Each site is a line of its own (i % 500 and i % 997 never repeat together below 498,500): the largest growth
    // is 2 bytes, of the sites with i % 3 = 2, each its own key, in the project.
    for (const r of rows)
      expect(r).toMatchObject({ size_diff: 2, count_diff: 0, size_after: 102, count_after: 1 });
    expect(new Set(rows.map((r) => r.key)).size).toBe(10);
    for (const r of rows) {
      const [file, line] = [r.file, r.line!];
      const i = Number(/m(\d+)\.py$/.exec(file)![1]);
      expect(i % 500).toBe(i); // a real file of the build above
      expect(line % 997).toBe(line);
    }
  });
});

describe('typeGrowth', () => {
  it('lists growing and vanished types, biggest growth first', () => {
    const g = typeGrowth(
      [
        { type: 'dict', count: 100, size: 10_000 },
        { type: 'shop.models.Order', count: 5, size: 400 },
        { type: 'gone.Thing', count: 3, size: 90 },
      ],
      [
        { type: 'dict', count: 150, size: 16_000 },
        { type: 'shop.models.Order', count: 505, size: 40_400 },
        { type: 'list', count: 1, size: 56 },
      ],
    );
    expect(g.map((x) => [x.type, x.count_diff, x.size_diff])).toEqual([
      ['shop.models.Order', 500, 40_000],
      ['dict', 50, 6_000],
      ['list', 1, 56],
      ['gone.Thing', -3, -90],
    ]);
  });
});
