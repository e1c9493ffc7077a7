import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { scenarioSchema } from '../scan/scenario.ts';
import { compareSessions, costedScans } from '../scan/results.ts';
import { LaunchError } from '../launcher/errors.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const sessionId = z.number().int().positive();

export function scanHandlers(engine: Engine) {
  return {
    'scan.start': {
      input: z
        .object({ sessionId, scenario: scenarioSchema.optional(), login: scenarioSchema.shape.login })
        .strict(),
      run: ({ sessionId, scenario, login }) => {
        engine.startScan(sessionId, scenario ? scenarioSchema.parse(scenario) : null, { login });
        return { ok: true as const };
      },
    },
    'scan.cancel': {
      input: z.object({ sessionId }).strict(),
      run: ({ sessionId }) => {
        if (!engine.cancelScan(sessionId))
          throw new ApiError('not-found', `no scan is running in session ${sessionId}`);
        return { ok: true as const };
      },
    },
    'sessions.scans': {
      input: z.object({ id: sessionId }).strict(),
      run: ({ id }) => {
        if (!engine.library.session(id)) throw new ApiError('not-found', `no session ${id} in the library`);
        return costedScans(engine.library.db, id);
      },
    },
    'scan.rerun': {
      input: z.object({ sessionId }).strict(),
      run: async ({ sessionId }) => {
        try {
          return { sessionId: await engine.rerunScan(sessionId) };
        } catch (error) {
          if (error instanceof LaunchError) throw ApiError.fromLaunch(error);
          throw error;
        }
      },
    },
    'sessions.compare': {
      input: z.object({ before: sessionId, after: sessionId }).strict(),
      run: ({ before, after }) => compareSessions(engine.library.db, before, after),
    },
  } satisfies HandlerSpecs<
    'scan.start' | 'scan.cancel' | 'sessions.scans' | 'scan.rerun' | 'sessions.compare'
  >;
}
