import path from 'node:path';
import { z } from 'zod';
import { EngineError } from '../engine-errors.ts';
import { heapDiff } from '../heap/diff.ts';
import { findReferrers } from '../heap/referrers.ts';
import { startTracing, stopTracing, takeSnapshot, tracingStatus } from '../heap/tracing.ts';
import type { Engine } from '../engine.ts';
import type { Investigation } from '../investigation.ts';
import { editorCommand, openInEditor, projectFile, SourceOpenError } from '../source-open.ts';
import { MAX_SNAPSHOT_ROWS } from '../ingest.ts';
import { listSnapshots, snapshotInfo, type SnapshotInfo } from '../store/snapshots.ts';
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
      if (error instanceof EngineError || error instanceof ApiError) throw error;
      throw new ApiError('bad-input', `the probe could not do it: ${(error as Error).message}`);
    }
  };
  return {
    'trace.start': {
      input: z.object({ sessionId: id, frames: z.number().int().min(1).max(100).optional() }).strict(),
      run: async ({ sessionId, frames = 10 }) => {
        await probeCall(() => startTracing(live(sessionId), frames));
        return { ok: true as const };
      },
    },
    'trace.status': {
      input: z.object({ sessionId: id }).strict(),
      run: ({ sessionId }) => probeCall(() => tracingStatus(live(sessionId))),
    },
    'trace.stop': {
      input: z.object({ sessionId: id }).strict(),
      run: async ({ sessionId }) => {
        await probeCall(() => stopTracing(live(sessionId)));
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
      run: ({ sessionId, label, maxRows }) => probeCall(() => takeSnapshot(live(sessionId), label, maxRows)),
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
        return heapDiff(db, project, a, b, { groupBy, scope, pathContains, limit });
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
        // Sites come from stored tracebacks: project files relative to the project, others absolute.
        const where: [string, number] | null = site
          ? [path.resolve(engine.library.session(sessionId)!.project, site.file), site.line]
          : null;
        return await probeCall(() =>
          findReferrers(probe, type, {
            site: where,
            samples,
            maxDepth: 10,
            budgetMs,
            requireTracing: { site: `${site?.file}:${site?.line}` },
          }),
        );
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
