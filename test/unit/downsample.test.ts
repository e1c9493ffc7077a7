import { describe, expect, it } from 'vitest';
import { minMaxBuckets } from '../../main/analysis/downsample.ts';

describe('minMaxBuckets', () => {
  it('returns short series as they are, within the window', () => {
    expect(minMaxBuckets([1, 2, 3, 4], [5, 6, 7, 8], 2, 3, 10)).toEqual({ t: [2, 3], v: [6, 7] });
  });

  it('keeps a one-sample spike and the dip of every bucket, in time order', () => {
    const t = Array.from({ length: 36_000 }, (_, i) => i / 10);
    const v = t.map((_, i) => (i === 12_345 ? 999 : i === 20_000 ? -5 : 100 + (i % 7)));
    const s = minMaxBuckets(t, v, 0, 3600, 500);
    expect(s.t.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...s.v)).toBe(999);
    expect(Math.min(...s.v)).toBe(-5);
    expect(s.t[s.v.indexOf(999)]).toBeCloseTo(1234.5);
    for (let i = 1; i < s.t.length; i++) expect(s.t[i]!).toBeGreaterThan(s.t[i - 1]!);
  });

  it('zooms: only points inside the window come back', () => {
    const t = Array.from({ length: 10_000 }, (_, i) => i);
    const s = minMaxBuckets(t, t, 4000, 4999, 100);
    expect(Math.min(...s.t)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...s.t)).toBeLessThanOrEqual(4999);
    expect(s.t[0]).toBe(4000);
    expect(s.t[s.t.length - 1]).toBe(4999);
  });

  it('handles empty input and an empty window', () => {
    expect(minMaxBuckets([], [], 0, 1, 10)).toEqual({ t: [], v: [] });
    expect(minMaxBuckets([1, 2], [1, 2], 5, 5, 10)).toEqual({ t: [], v: [] });
  });
});
