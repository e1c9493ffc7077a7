import { z } from 'zod';
import { minMaxBuckets, ratePerSecond } from '../analysis/downsample.ts';
import type { Engine } from '../engine.ts';
import { requestLog, timelineRows } from '../store/queries.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const id = z.number().int().positive();
const time = z.number().finite();

export function timelineHandlers(engine: Engine) {
  const db = engine.library.db;
  const exists = (sessionId: number): number => {
    if (!engine.library.session(sessionId))
      throw new ApiError('not-found', `no session ${sessionId} in the library`);
    return sessionId;
  };
  return {
    'sessions.timeline': {
      input: z
        .object({
          id,
          from: time.optional(),
          to: time.optional(),
          buckets: z.number().int().min(10).max(5000).optional(),
        })
        .strict(),
      run: ({ id, from, to, buckets = 800 }) => {
        const rows = timelineRows(db, exists(id), from ?? -1e308, to ?? 1e308);
        if (!rows.span)
          return { span: null, window: null, processes: [], requestsPerSecond: { t: [], v: [] } };
        const window = {
          from: Math.max(from ?? rows.span.from, rows.span.from),
          to: Math.min(to ?? rows.span.to, rows.span.to),
        };
        return {
          span: rows.span,
          window,
          processes: rows.processes.map((p) => ({
            pid: p.pid,
            role: p.role,
            samples: p.t.length,
            rss: minMaxBuckets(p.t, p.rss, window.from, window.to, buckets),
            gc: minMaxBuckets(p.t, p.gc, window.from, window.to, buckets),
          })),
          requestsPerSecond: ratePerSecond(rows.requestTimes, window.from, window.to, Math.min(buckets, 200)),
        };
      },
    },
    'sessions.requests': {
      input: z
        .object({
          id,
          route: z.string().max(2000).nullable().optional(),
          method: z.string().max(16).optional(),
          minStatus: z.number().int().min(100).max(599).optional(),
          text: z.string().max(500).optional(),
          limit: z.number().int().min(1).max(1000).optional(),
          offset: z.number().int().min(0).optional(),
        })
        .strict(),
      run: ({ id, limit = 200, offset = 0, ...filter }) =>
        requestLog(db, exists(id), { ...filter, limit, offset }),
    },
  } satisfies HandlerSpecs<'sessions.timeline' | 'sessions.requests'>;
}
