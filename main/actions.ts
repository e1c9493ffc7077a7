/** The checklist's fix actions, run by the probe in every serving process of a live session: memory before and
 * after each, stored with the session. */
import type { ActionName, ActionResultDto, ChecklistItem } from '../preload/contract.ts';
import { EngineError } from './engine-errors.ts';
import type { Investigation } from './investigation.ts';
import { actionsFor, addAction } from './store/checklist.ts';

/** Actions that drop data the app may still want: the caller must say it confirmed. */
const IRREVERSIBLE: ReadonlySet<ActionName> = new Set([
  'cache_clear',
  'lru_clear',
  'container_clear',
  'clear_expired_sessions',
]);

export interface ActionRequest {
  name: ActionName;
  /** The checklist item it was run for. */
  item: ChecklistItem | null;
  alias?: string;
  target?: string;
  confirm?: boolean;
}

/** Runs `action` in every serving process; a process that fails it is stored with its error. */
export async function runAction(live: Investigation, action: ActionRequest): Promise<ActionResultDto[]> {
  const { name, item, alias, target, confirm } = action;
  if (IRREVERSIBLE.has(name) && confirm !== true)
    throw new EngineError(
      'bad-input',
      `${name} drops data the app may still want: confirm it (confirm: true)`,
    );
  if (name === 'cache_clear' && !alias)
    throw new EngineError('bad-input', 'cache_clear needs the cache alias');
  if ((name === 'lru_clear' || name === 'container_clear') && !target)
    throw new EngineError('bad-input', `${name} needs a target (module.name)`);
  const { db } = live.library;
  const sessionId = live.sessionId;
  const project = live.library.session(sessionId)!.project;
  const args: Record<string, unknown> = { name, project };
  if (alias) args.alias = alias;
  if (target) args.target = target;
  const servers = live.servers();
  if (servers.length === 0) throw new EngineError('not-found', 'no serving process is connected');
  const results = await Promise.all(
    servers.map(async (conn) => {
      const t = Date.now() / 1000;
      let row: Parameters<typeof addAction>[2];
      try {
        const reply = await conn.command('action', args, 60_000);
        row = { pid: conn.pid, t, item, name, args, ok: true, error: null, result: reply };
      } catch (error) {
        row = {
          pid: conn.pid,
          t,
          item,
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
}
