import path from 'node:path';
import type { TypeGrowth } from '../analysis/snapshot-diff.ts';
import type { DiagnosisDto, HeldByDto } from '../../preload/contract.ts';
import { heapDiff } from '../heap/diff.ts';
import { heldBy } from '../heap/referrers.ts';
import type { Investigation } from '../investigation.ts';
import type { LoadDriver } from './driver.ts';
import { emptyResult } from './driver.ts';
import type { ScenarioEndpoint } from './scenario.ts';
import { snapshotInfo } from '../store/snapshots.ts';

const BUILTIN_CANDIDATES = ['str', 'bytes', 'dict', 'list', 'tuple', 'bytearray', 'set'];

/**
 * The types whose instances grew with the window's requests (at least one per four requests: a type made a few
 * times once, as Django's model managers on a first query, is not what the requests keep); a project type
 * first, since builtin containers say little on their own.
 */
export function candidateTypes(types: readonly TypeGrowth[], requests: number): string[] {
  const grown = types.filter((t) => t.count_diff > 0 && t.count_diff >= requests / 4);
  const named = grown.filter((t) => t.type.includes('.'));
  return [...new Set([...named, ...grown].map((t) => t.type))].slice(0, 4);
}

/**
 * Where a leaking endpoint's memory comes from and what keeps it alive: a tracemalloc window around a few of
 * its requests (not recorded as traffic), snapshots and censuses before and after, the diff attributed to the
 * project's own lines, and the shortest referrer chain to a root for the types that grew.
 */
export async function diagnoseEndpoint(
  investigation: Investigation,
  driver: LoadDriver,
  ep: ScenarioEndpoint,
  cause: 'growth' | 'garbage' | null,
  requests = 40,
): Promise<DiagnosisDto> {
  const servers = investigation.servers();
  const started = await Promise.all(servers.map((c) => c.command('trace_start', { frames: 10 })));
  const sink = emptyResult(ep);
  try {
    await driver.drive(ep, 3, sink, undefined, true);
    const label = `diagnose ${ep.method} ${ep.path}`;
    const before = await investigation.snapshot(`${label} (before)`, 0);
    await investigation.census(`${label} (before)`);
    await driver.drive(ep, requests, sink, undefined, true);
    // Garbage only a forced collection frees is the leak itself: keep it for the snapshot.
    if (cause !== 'garbage') await Promise.all(servers.map((c) => c.command('gc_collect', {})));
    const after = await investigation.snapshot(`${label} (after)`, requests);
    await investigation.census(`${label} (after)`);
    const a = before.find((s) => s.snapshotId !== null)?.snapshotId ?? null;
    const b = after.find((s) => s.snapshotId !== null)?.snapshotId ?? null;
    if (a === null || b === null) return { top_sites: [], top_types: [], held_by: null, snapshots: null };

    const db = investigation.library.db;
    const project = investigation.library.session(investigation.sessionId)!.project;
    const grown = heapDiff(
      db,
      project,
      snapshotInfo(db, a)!,
      snapshotInfo(db, b)!,
      { groupBy: 'line', scope: 'project', limit: 5 },
      10,
    );
    const diff = grown.rows;
    const top_sites = diff
      .filter((r) => r.size_diff > 0)
      .map((r) => ({
        file: path.relative(project, r.file),
        line: r.line ?? 0,
        size_diff: r.size_diff,
        count_diff: r.count_diff,
        code: r.code,
        traceback: r.traceback.map((f) => ({ file: f.rel ?? f.file, line: f.line })),
      }));
    const top_types = grown.types;

    // Who holds it: first the objects allocated on the top line (builtins carry their allocation traceback),
    // then instances of the project's own types that grew (CPython 3.11 keeps no traceback for those).
    const probe = servers[0]!;
    const top = diff.find((r) => r.size_diff > 0);
    const site: [string, number] | null = top && top.line !== null ? [top.file, top.line] : null;
    let held_by: HeldByDto | null = null;
    let found: Awaited<ReturnType<typeof heldBy>> = null;
    if (cause === 'garbage') {
      const grown = top_types.find((t) => t.count_diff > 0)?.type ?? 'object';
      held_by = {
        type: grown,
        root: { kind: 'unreachable cycle', name: 'reference cycles that only gc.collect() frees' },
        chain: `${grown} ↔ … (a cycle: nothing outside it refers to it)`,
        partial: false,
      };
    } else if (site) {
      const grownBuiltins = top_types
        .filter((t) => !t.type.includes('.') && t.count_diff > 0)
        .map((t) => t.type);
      for (const type of [...new Set([...BUILTIN_CANDIDATES, ...grownBuiltins])]) {
        if ((found = await heldBy(probe, type, site))) break;
      }
    }
    for (const type of held_by || found ? [] : candidateTypes(top_types, requests)) {
      if ((found = await heldBy(probe, type, null))) break;
    }
    if (found) held_by = found.held_by;
    return {
      top_sites,
      top_types: top_types.slice(0, 5),
      held_by,
      snapshots: [a, b],
      referrers: found?.referrers ?? null,
    };
  } finally {
    // A trace window the user had open stays open.
    await Promise.allSettled(
      servers.filter((_, i) => !started[i]!.was_tracing).map((c) => c.command('trace_stop', {})),
    );
  }
}
