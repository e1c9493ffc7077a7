import { z } from 'zod';
import { minMaxBuckets } from '../analysis/downsample.ts';
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
        const rows = timelineRows(db, exists(id), from ?? -1e308, to ?? 1e308, buckets);
        if (!rows.span || !rows.window)
          return { span: null, window: null, processes: [], requestsPerSecond: { t: [], v: [] } };
        const { window, requests } = rows;
        return {
          span: rows.span,
          window,
          processes: rows.processes.map((p) => ({
            pid: p.pid,
            role: p.role,
            samples: p.samples,
            rss: minMaxBuckets(p.t, p.rss, window.from, window.to, buckets),
            gc: minMaxBuckets(p.t, p.gc, window.from, window.to, buckets),
            heap: minMaxBuckets(p.heap.t, p.heap.v, window.from, window.to, buckets),
          })),
          requestsPerSecond: {
            t: requests.counts.map((_, b) => requests.from + (b + 0.5) * requests.width),
            v: requests.counts.map((n) => (requests.width > 0 ? n / requests.width : 0)),
          },
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
