/**
 * Snapshot diffs: two tracemalloc snapshots (rows of site, size, count) → what grew, by traceback, by line
 * or by file. Each site is attributed to its innermost frame inside the project (library frames stay in the
 * traceback), so a leak made by a library call from the user's code lands on the user's line.
 */

import type { CensusRow, Frame, SiteRow, TypeGrowthDto } from '../../preload/contract.ts';

export type { CensusRow, Frame, SiteRow };

export type DiffGrouping = 'site' | 'line' | 'file';

export interface DiffOptions {
  groupBy: DiffGrouping;
  /** Absolute project folder: frames under it (outside virtualenvs and site-packages) are the user's code. */
  projectRoot: string;
  /** 'project': only sites with a frame in the project; 'all': libraries too. */
  scope: 'project' | 'all';
  /** Keep only sites with a frame whose file contains this text. */
  pathContains?: string;
  /** Requests served between the two snapshots: adds per-request figures. */
  requests?: number;
  limit?: number;
}

export interface DiffRow {
  key: string;
  file: string;
  line: number | null;
  size_diff: number;
  count_diff: number;
  size_after: number;
  count_after: number;
  size_per_request: number | null;
  /** The traceback (innermost first) of the biggest site in the group. */
  traceback: Frame[];
  /** Index in `traceback` of the frame the row is attributed to. */
  attributed: number;
}

const LIBRARY_MARKERS = ['/site-packages/', '/dist-packages/', '/.venv/', '/venv/', '/env/lib/'];

export function inProject(file: string, projectRoot: string): boolean {
  const root = projectRoot.endsWith('/') ? projectRoot : `${projectRoot}/`;
  return file.startsWith(root) && !LIBRARY_MARKERS.some((m) => file.includes(m, root.length - 1));
}

/** Index of the innermost project frame, or -1 when the traceback never enters the project. */
export function attributedFrame(frames: readonly Frame[], projectRoot: string): number {
  for (let i = 0; i < frames.length; i++) if (inProject(frames[i]!.file, projectRoot)) return i;
  return -1;
}

interface Acc {
  key: string;
  file: string;
  line: number | null;
  sizeDiff: number;
  countDiff: number;
  sizeAfter: number;
  countAfter: number;
  bestSite: number;
  bestDiff: number;
  attributed: number;
}

export function diffSnapshots(
  before: readonly SiteRow[],
  after: readonly SiteRow[],
  frames: ReadonlyMap<number, readonly Frame[]>,
  opts: DiffOptions,
): DiffRow[] {
  const bySite = new Map<number, { sizeA: number; countA: number; sizeB: number; countB: number }>();
  for (const r of before) bySite.set(r.site, { sizeA: r.size, countA: r.count, sizeB: 0, countB: 0 });
  for (const r of after) {
    const e = bySite.get(r.site);
    if (e) {
      e.sizeB = r.size;
      e.countB = r.count;
    } else bySite.set(r.site, { sizeA: 0, countA: 0, sizeB: r.size, countB: r.count });
  }
  const groups = new Map<string, Acc>();
  for (const [site, e] of bySite) {
    const sizeDiff = e.sizeB - e.sizeA;
    const countDiff = e.countB - e.countA;
    if (sizeDiff === 0 && countDiff === 0) continue;
    const tb = frames.get(site) ?? [];
    const projectIndex = attributedFrame(tb, opts.projectRoot);
    if (opts.scope === 'project' && projectIndex === -1) continue;
    if (opts.pathContains && !tb.some((f) => f.file.includes(opts.pathContains!))) continue;
    const index = projectIndex === -1 ? 0 : projectIndex;
    const frame = tb[index] ?? { file: '<unknown>', line: 0 };
    const key =
      opts.groupBy === 'site'
        ? `site:${site}`
        : opts.groupBy === 'line'
          ? `${frame.file}:${frame.line}`
          : frame.file;
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        key,
        file: frame.file,
        line: opts.groupBy === 'file' ? null : frame.line,
        sizeDiff: 0,
        countDiff: 0,
        sizeAfter: 0,
        countAfter: 0,
        bestSite: site,
        bestDiff: -Infinity,
        attributed: index,
      };
      groups.set(key, acc);
    }
    acc.sizeDiff += sizeDiff;
    acc.countDiff += countDiff;
    acc.sizeAfter += e.sizeB;
    acc.countAfter += e.countB;
    if (sizeDiff > acc.bestDiff) {
      acc.bestDiff = sizeDiff;
      acc.bestSite = site;
      acc.attributed = index;
    }
  }
  const rows = [...groups.values()].sort((a, b) => b.sizeDiff - a.sizeDiff || b.countDiff - a.countDiff);
  return rows.slice(0, opts.limit ?? 200).map((a) => ({
    key: a.key,
    file: a.file,
    line: a.line,
    size_diff: a.sizeDiff,
    count_diff: a.countDiff,
    size_after: a.sizeAfter,
    count_after: a.countAfter,
    size_per_request: opts.requests ? Math.round(a.sizeDiff / opts.requests) : null,
    traceback: [...(frames.get(a.bestSite) ?? [])],
    attributed: a.attributed,
  }));
}

export type TypeGrowth = TypeGrowthDto;

/** objgraph's show_growth done right: every type's change between two censuses, growth first. */
export function typeGrowth(
  before: readonly CensusRow[],
  after: readonly CensusRow[],
  limit = 50,
): TypeGrowth[] {
  const a = new Map(before.map((r) => [r.type, r]));
  const out: TypeGrowth[] = [];
  const seen = new Set<string>();
  for (const r of after) {
    seen.add(r.type);
    const old = a.get(r.type);
    out.push({
      type: r.type,
      count_diff: r.count - (old?.count ?? 0),
      size_diff: r.size - (old?.size ?? 0),
      count_after: r.count,
    });
  }
  for (const r of before)
    if (!seen.has(r.type))
      out.push({ type: r.type, count_diff: -r.count, size_diff: -r.size, count_after: 0 });
  return out
    .filter((g) => g.count_diff !== 0 || g.size_diff !== 0)
    .sort((x, y) => y.size_diff - x.size_diff || y.count_diff - x.count_diff)
    .slice(0, limit);
}
