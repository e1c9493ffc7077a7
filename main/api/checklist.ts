import { z } from 'zod';
import type { ActionName, ChecklistItem } from '../../preload/contract.ts';
import { CHECKLIST_ITEMS, detect } from '../analysis/detectors.ts';
import type { Engine } from '../engine.ts';
import { actionsFor, addAction, doneItems, latestGauges, setDone } from '../store/checklist.ts';
import { scanResults } from '../store/scans.ts';
import { currentScans } from '../analysis/current.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const sessionId = z.number().int().positive();
const item = z.enum(CHECKLIST_ITEMS as [ChecklistItem, ...ChecklistItem[]]);
const ACTIONS = [
  'gc_collect',
  'cache_clear',
  'lru_clear',
  'container_clear',
  'close_connections',
  'clear_expired_sessions',
  'reset_queries',
] as const satisfies readonly ActionName[];
/** Actions that drop data the app may still want: the caller must say it confirmed. */
export const IRREVERSIBLE: ReadonlySet<ActionName> = new Set([
  'cache_clear',
  'lru_clear',
  'container_clear',
  'clear_expired_sessions',
]);

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
        const { findings, unexplained } = detect({ scans: currentScans(scanResults(db, sessionId)), gauges });
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
          name: z.enum(ACTIONS),
          item: item.optional(),
          alias: z.string().min(1).max(300).optional(),
          target: z.string().min(1).max(300).optional(),
          confirm: z.boolean().optional(),
        })
        .strict(),
      run: async ({ sessionId, name, item, alias, target, confirm }) => {
        known(sessionId);
        const live = engine.running.get(sessionId);
        if (!live)
          throw new ApiError('not-found', `session ${sessionId} is not running: actions run in the live app`);
        if (IRREVERSIBLE.has(name) && confirm !== true)
          throw new ApiError(
            'bad-input',
            `${name} drops data the app may still want: confirm it (confirm: true)`,
          );
        if (name === 'cache_clear' && !alias)
          throw new ApiError('bad-input', 'cache_clear needs the cache alias');
        if ((name === 'lru_clear' || name === 'container_clear') && !target)
          throw new ApiError('bad-input', `${name} needs a target (module.name)`);
        const project = engine.library.session(sessionId)!.project;
        const args: Record<string, unknown> = { name, project };
        if (alias) args.alias = alias;
        if (target) args.target = target;
        const servers = live.servers();
        if (servers.length === 0) throw new ApiError('not-found', 'no serving process is connected');
        const results = await Promise.all(
          servers.map(async (conn) => {
            const t = Date.now() / 1000;
            let row: Parameters<typeof addAction>[2];
            try {
              const reply = await conn.command('action', args, 60_000);
              row = {
                pid: conn.pid,
                t,
                item: item ?? null,
                name,
                args,
                ok: true,
                error: null,
                result: reply,
              };
            } catch (error) {
              row = {
                pid: conn.pid,
                t,
                item: item ?? null,
                name,
                args,
                ok: false,
                error: (error as Error).message,
                result: null,
              };
            }
            return addAction(db, sessionId, row);
          }),
        );
        const ids = new Set(results);
        return actionsFor(db, sessionId).filter((a) => ids.has(a.id));
      },
    },
  } satisfies HandlerSpecs<'checklist.get' | 'checklist.tick' | 'actions.run'>;
}
