import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { listSessions, processSummaries, routeSummaries, sessionEvents } from '../store/queries.ts';
import { sessionSkipped } from '../store/scans.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const id = z.number().int().positive();

export function sessionHandlers(engine: Engine) {
  const db = engine.library.db;
  const summary = (sessionId: number) => {
    const row = listSessions(db).find((s) => s.id === sessionId);
    if (!row) throw new ApiError('not-found', `no session ${sessionId} in the library`);
    return row;
  };
  return {
    'sessions.list': { input: z.object({}).strict(), run: () => listSessions(db) },
    'sessions.get': {
      input: z.object({ id }).strict(),
      run: ({ id }) => ({
        session: summary(id),
        processes: processSummaries(db, id),
        routes: routeSummaries(db, id),
        skipped: sessionSkipped(db, id),
      }),
    },
    'sessions.rename': {
      input: z.object({ id, name: z.string().trim().min(1).max(200) }).strict(),
      run: ({ id, name }) => {
        summary(id);
        engine.library.updateSession(id, { name });
        return { ok: true as const };
      },
    },
    'sessions.delete': {
      input: z.object({ id }).strict(),
      run: ({ id }) => {
        if (engine.running.has(id))
          throw new ApiError('bad-input', `session ${id} is still running: stop it first`);
        if (!engine.library.deleteSession(id))
          throw new ApiError('not-found', `no session ${id} in the library`);
        return { ok: true as const };
      },
    },
    'sessions.events': {
      input: z.object({ id, limit: z.number().int().min(1).max(100_000).optional() }).strict(),
      run: ({ id, limit }) => sessionEvents(db, summary(id).id, limit),
    },
  } satisfies HandlerSpecs<
    'sessions.list' | 'sessions.get' | 'sessions.rename' | 'sessions.delete' | 'sessions.events'
  >;
}
