import path from 'node:path';
import { z } from 'zod';
import { diffSnapshots, typeGrowth } from '../analysis/snapshot-diff.ts';
import type { Engine } from '../engine.ts';
import type { Investigation } from '../investigation.ts';
import { SourceLines } from '../source-lines.ts';
import { editorCommand, openInEditor, projectFile, SourceOpenError } from '../source-open.ts';
import { MAX_SNAPSHOT_ROWS } from '../investigation.ts';
import { requestCount } from '../store/queries.ts';
import {
  censusFor,
  listSnapshots,
  siteFrames,
  snapshotInfo,
  snapshotRows,
  type SnapshotInfo,
} from '../store/snapshots.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const id = z.number().int().positive();

export function snapshotHandlers(engine: Engine) {
  const db = engine.library.db;
  const live = (sessionId: number): Investigation => {
    const investigation = engine.running.get(sessionId);
    if (!investigation) throw new ApiError('not-found', `session ${sessionId} is not running`);
    return investigation;
  };
  const snapshot = (snapshotId: number): SnapshotInfo => {
    const info = snapshotInfo(db, snapshotId);
    if (!info) throw new ApiError('not-found', `no snapshot ${snapshotId}`);
    return info;
  };
  const probeCall = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new ApiError('bad-input', `the probe could not do it: ${(error as Error).message}`);
    }
  };
  return {
    'trace.start': {
      input: z.object({ sessionId: id, frames: z.number().int().min(1).max(100).optional() }).strict(),
      run: async ({ sessionId, frames = 10 }) => {
        const inv = live(sessionId);
        await probeCall(() => Promise.all(inv.servers().map((c) => c.command('trace_start', { frames }))));
        return { ok: true as const };
      },
    },
    'trace.status': {
      input: z.object({ sessionId: id }).strict(),
      run: async ({ sessionId }) => {
        const inv = live(sessionId);
        const replies = await probeCall(() =>
          Promise.all(inv.servers().map((c) => c.command('trace_status', {}))),
        );
        return {
          tracing: replies.some((r) => r.tracing),
          frames: replies.find((r) => r.tracing)?.frames ?? null,
          traced_bytes: replies.reduce((n, r) => n + r.traced_bytes, 0),
          overhead_bytes: replies.reduce((n, r) => n + r.overhead_bytes, 0),
        };
      },
    },
    'trace.stop': {
      input: z.object({ sessionId: id }).strict(),
      run: async ({ sessionId }) => {
        const inv = live(sessionId);
        await probeCall(() => Promise.all(inv.servers().map((c) => c.command('trace_stop', {}))));
        return { ok: true as const };
      },
    },
    'snapshots.take': {
      input: z
        .object({
          sessionId: id,
          label: z.string().trim().min(1).max(64).optional(),
          maxRows: z.number().int().min(1).max(MAX_SNAPSHOT_ROWS).optional(),
        })
        .strict(),
      run: async ({ sessionId, label, maxRows }) => {
        const inv = live(sessionId);
        const name = label ?? `snapshot ${new Date().toISOString().slice(11, 19)}`;
        let taken = await probeCall(() => inv.snapshot(name, requestCount(db, sessionId), maxRows));
        const startedTracing = taken.some((t) => t.startedTracing);
        // Tracing starts now: this moment is the baseline, stored so the next snapshot has a "before".
        const stored = startedTracing ? (label ?? 'baseline') : name;
        if (startedTracing)
          taken = await probeCall(() => inv.snapshot(stored, requestCount(db, sessionId), maxRows));
        await probeCall(() => inv.census(stored));
        const ids = new Set(taken.map((t) => t.snapshotId).filter((x): x is number => x !== null));
        const truncated = taken.some((t) => t.truncated);
        return {
          snapshots: listSnapshots(db, sessionId).filter((s) => ids.has(s.id)),
          startedTracing,
          note: startedTracing
            ? 'tracing was off, so it started now and this snapshot is the baseline: send the requests that matter, then take another snapshot.'
            : truncated
              ? `the snapshot was larger than the memory budget: only the ${taken
                  .filter((t) => t.truncated)
                  .map((t) => t.rows.toLocaleString('en'))
                  .join(' + ')} biggest sites were kept`
              : null,
        };
      },
    },
    'snapshots.list': {
      input: z.object({ id }).strict(),
      run: ({ id }) => listSnapshots(db, id),
    },
    'snapshots.diff': {
      input: z
        .object({
          before: id,
          after: id,
          groupBy: z.enum(['site', 'line', 'file']).optional(),
          scope: z.enum(['project', 'all']).optional(),
          pathContains: z.string().max(500).optional(),
          limit: z.number().int().min(1).max(10_000).optional(),
        })
        .strict(),
      run: ({ before, after, groupBy = 'line', scope = 'project', pathContains, limit = 200 }) => {
        const a = snapshot(before);
        const b = snapshot(after);
        if (a.session_id !== b.session_id)
          throw new ApiError('bad-input', 'the two snapshots belong to different sessions');
        const project = engine.library.session(a.session_id)!.project;
        const rowsA = snapshotRows(db, a.id);
        const rowsB = snapshotRows(db, b.id);
        const sizes = new Map(rowsA.map((r) => [r.site, r.size] as const));
        const changed = new Set<number>();
        for (const r of rowsB) if (sizes.get(r.site) !== r.size) changed.add(r.site);
        const inB = new Set(rowsB.map((r) => r.site));
        for (const r of rowsA) if (!inB.has(r.site)) changed.add(r.site);
        const requests = Math.max(0, b.requests - a.requests);
        const rows = diffSnapshots(rowsA, rowsB, siteFrames(db, changed), {
          groupBy,
          scope,
          projectRoot: project,
          pathContains,
          requests: requests || undefined,
          limit,
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
          types: typeGrowth(censusFor(db, a), censusFor(db, b)),
        };
      },
    },
    'referrers.find': {
      input: z
        .object({
          sessionId: id,
          type: z.string().min(1).max(300),
          site: z.object({ file: z.string().min(1).max(4096), line: z.number().int().positive() }).optional(),
          samples: z.number().int().min(1).max(20).optional(),
          budgetMs: z.number().int().min(0).max(60_000).optional(),
        })
        .strict(),
      run: async ({ sessionId, type, site, samples = 3, budgetMs = 2000 }) => {
        const inv = live(sessionId);
        const probe = inv.servers()[0];
        if (!probe) throw new ApiError('not-found', 'no serving process is connected');
        const args: Record<string, unknown> = { type, samples, max_depth: 10, budget_ms: budgetMs };
        // Sites come from stored tracebacks: project files relative to the project, others absolute.
        if (site) {
          const status = await probeCall(() => probe.command('trace_status', {}));
          if (!status.tracing)
            throw new ApiError(
              'bad-input',
              `tracing is off, and only tracemalloc records the line an object was allocated at: start tracing, send requests to the endpoint, then ask who holds what ${site.file}:${site.line} allocates`,
            );
          args.site = [path.resolve(engine.library.session(sessionId)!.project, site.file), site.line];
        }
        return await probeCall(() => probe.command('referrers', args, 30_000 + budgetMs * 2));
      },
    },
    'source.open': {
      input: z
        .object({ sessionId: id, file: z.string().min(1).max(4096), line: z.number().int().min(1) })
        .strict(),
      run: async ({ sessionId, file, line }) => {
        const session = engine.library.session(sessionId);
        if (!session) throw new ApiError('not-found', `no session ${sessionId} in the library`);
        try {
          const argv = editorCommand(projectFile(session.project, file), line);
          await openInEditor(argv);
          return { ok: true as const, command: argv.join(' ') };
        } catch (error) {
          if (error instanceof SourceOpenError) throw new ApiError('bad-input', error.message);
          throw error;
        }
      },
    },
  } satisfies HandlerSpecs<
    | 'trace.start'
    | 'trace.status'
    | 'trace.stop'
    | 'snapshots.take'
    | 'snapshots.list'
    | 'snapshots.diff'
    | 'referrers.find'
    | 'source.open'
  >;
}
