import { z } from 'zod';
import { ACTION_NAMES, type ChecklistItem } from '../../preload/contract.ts';
import { runAction } from '../actions.ts';
import { CHECKLIST_ITEMS } from '../analysis/detectors.ts';
import type { Engine } from '../engine.ts';
import { actionsFor, doneItems, latestGauges, setDone } from '../store/checklist.ts';
import { sessionFindings } from '../scan/results.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const sessionId = z.number().int().positive();
const item = z.enum(CHECKLIST_ITEMS as [ChecklistItem, ...ChecklistItem[]]);

export function checklistHandlers(engine: Engine) {
  const db = engine.library.db;
  const known = (id: number): void => {
    if (!engine.library.session(id)) throw new ApiError('not-found', `no session ${id} in the library`);
  };
  return {
    'checklist.get': {
      input: z.object({ sessionId, refresh: z.boolean().optional() }).strict(),
      run: async ({ sessionId, refresh }) => {
        known(sessionId);
        const live = engine.running.get(sessionId);
        if (refresh && live) {
          try {
            await live.gauges('checklist');
          } catch (error) {
            throw new ApiError(
              'bad-input',
              `the probe could not read its gauges: ${(error as Error).message}`,
            );
          }
        }
        const gauges = latestGauges(db, sessionId);
        const { findings, unexplained } = sessionFindings(db, sessionId);
        return {
          findings,
          unexplained,
          done: doneItems(db, sessionId),
          actions: actionsFor(db, sessionId),
          gauges_at: gauges.length ? Math.max(...gauges.map((g) => g.t)) : null,
        };
      },
    },
    'checklist.tick': {
      input: z.object({ sessionId, item, done: z.boolean() }).strict(),
      run: ({ sessionId, item, done }) => {
        known(sessionId);
        setDone(db, sessionId, item, done);
        return { ok: true as const };
      },
    },
    'actions.run': {
      input: z
        .object({
          sessionId,
          name: z.enum(ACTION_NAMES),
          item: item.optional(),
          alias: z.string().min(1).max(300).optional(),
          target: z.string().min(1).max(300).optional(),
          confirm: z.boolean().optional(),
        })
        .strict(),
      run: ({ sessionId, name, item, alias, target, confirm }) => {
        known(sessionId);
        const live = engine.running.get(sessionId);
        if (!live)
          throw new ApiError('not-found', `session ${sessionId} is not running: actions run in the live app`);
        return runAction(live, { name, item: item ?? null, alias, target, confirm });
      },
    },
  } satisfies HandlerSpecs<'checklist.get' | 'checklist.tick' | 'actions.run'>;
}
