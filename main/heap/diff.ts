/** What grew between two stored snapshots of a session, for the API's diff and the scan's diagnosis alike. */
import type Database from 'better-sqlite3';
import type { ApiResult } from '../../preload/contract.ts';
import { diffSnapshots, typeGrowth, type DiffOptions } from '../analysis/snapshot-diff.ts';
import { censusFor, siteFrames, snapshotRows, type SnapshotInfo } from '../store/snapshots.ts';
import { SourceLines } from './source-lines.ts';

/** The sites and types that grew, and the requests served between the two snapshots. */
export type HeapDiff = ApiResult<'snapshots.diff'>;

/**
 * The sites that grew (attributed to the project's lines, with their source and traceback) and the types that
 * grew, between snapshots `a` and `b` of one session.
 */
export function heapDiff(
  db: Database.Database,
  project: string,
  a: SnapshotInfo,
  b: SnapshotInfo,
  opts: Omit<DiffOptions, 'projectRoot' | 'requests'>,
  typesLimit?: number,
): HeapDiff {
  const rowsA = snapshotRows(db, a.id);
  const rowsB = snapshotRows(db, b.id);
  // Frames are read for the sites that changed only (size or count): the others diff to nothing.
  const before = new Map(rowsA.map((r) => [r.site, r] as const));
  const changed = new Set<number>();
  for (const r of rowsB) {
    const was = before.get(r.site);
    if (was?.size !== r.size || was.count !== r.count) changed.add(r.site);
  }
  const inB = new Set(rowsB.map((r) => r.site));
  for (const r of rowsA) if (!inB.has(r.site)) changed.add(r.site);
  const requests = Math.max(0, b.requests - a.requests);
  const rows = diffSnapshots(rowsA, rowsB, siteFrames(db, changed), {
    ...opts,
    projectRoot: project,
    requests: requests || undefined,
  });
  const source = new SourceLines(project);
  return {
    requests,
    rows: rows.map((r) => ({
      ...r,
      rel: source.rel(r.file),
      code: r.line === null ? null : source.code(r.file, r.line),
      traceback: r.traceback.map((f) => source.frame(f)),
    })),
    types: typeGrowth(censusFor(db, a), censusFor(db, b), typesLimit),
  };
}
