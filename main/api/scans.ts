import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { scenarioSchema } from '../scenario/scenario.ts';
import { scanResults } from '../store/scans.ts';
import { currentScans } from '../analysis/current.ts';
import { compareFindings, compareScans } from '../analysis/compare.ts';
import { detect } from '../analysis/detectors.ts';
import { LaunchError } from '../launcher/errors.ts';
import { latestGauges } from '../store/checklist.ts';
import { listSessions, processSummaries } from '../store/queries.ts';
import { withCost, workerBaseRss } from '../analysis/cost.ts';
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
        const db = engine.library.db;
        return withCost(currentScans(scanResults(db, id)), workerBaseRss(processSummaries(db, id)));
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
      run: ({ before, after }) => {
        const db = engine.library.db;
        const side = (id: number) => {
          const summary = listSessions(db).find((s) => s.id === id);
          if (!summary) throw new ApiError('not-found', `no session ${id} in the library`);
          const scans = currentScans(scanResults(db, id));
          return { summary, scans, findings: detect({ scans, gauges: latestGauges(db, id) }).findings };
        };
        const a = side(before);
        const b = side(after);
        return {
          before: a.summary,
          after: b.summary,
          endpoints: compareScans(a.scans, b.scans),
          checklist: compareFindings(a.findings, b.findings),
        };
      },
    },
  } satisfies HandlerSpecs<
    'scan.start' | 'scan.cancel' | 'sessions.scans' | 'scan.rerun' | 'sessions.compare'
  >;
}
