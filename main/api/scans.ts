import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { scenarioSchema } from '../scenario/scenario.ts';
import { scanResults } from '../store/scans.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const sessionId = z.number().int().positive();

export function scanHandlers(engine: Engine) {
  return {
    'scan.start': {
      input: z.object({ sessionId, scenario: scenarioSchema.optional() }).strict(),
      run: ({ sessionId, scenario }) => {
        engine.startScan(sessionId, scenario ? scenarioSchema.parse(scenario) : null);
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
        return scanResults(engine.library.db, id);
      },
    },
  } satisfies HandlerSpecs<'scan.start' | 'scan.cancel' | 'sessions.scans'>;
}
