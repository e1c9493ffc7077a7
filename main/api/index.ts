import type { ApiChannel, ApiResult } from '../../preload/contract.ts';
import { API_CHANNELS } from '../../preload/contract.ts';
import type { Engine } from '../engine.ts';
import { EngineError } from '../engine-errors.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';
import { checklistHandlers } from './checklist.ts';
import { fileHandlers } from './files.ts';
import { investigationHandlers } from './investigations.ts';
import { scanHandlers } from './scans.ts';
import { snapshotHandlers } from './snapshots.ts';
import { sessionHandlers } from './sessions.ts';
import { systemHandlers } from './system.ts';
import { timelineHandlers } from './timeline.ts';

export type Handlers = HandlerSpecs<ApiChannel>;

/** The one handler map behind the Electron IPC, the WebSocket server and the CLI. */
export function createHandlers(engine: Engine): Handlers {
  return {
    ...sessionHandlers(engine),
    ...timelineHandlers(engine),
    ...investigationHandlers(engine),
    ...systemHandlers(engine),
    ...scanHandlers(engine),
    ...snapshotHandlers(engine),
    ...checklistHandlers(engine),
    ...fileHandlers(engine),
  } satisfies Handlers;
}

/** Validates the raw argument at the edge and runs the handler; every failure is an ApiError. */
export async function dispatch<C extends ApiChannel>(
  handlers: Handlers,
  channel: C,
  raw: unknown,
): Promise<ApiResult<C>>;
export async function dispatch(handlers: Handlers, channel: string, raw: unknown): Promise<unknown>;
export async function dispatch(handlers: Handlers, channel: string, raw: unknown): Promise<unknown> {
  if (!(API_CHANNELS as readonly string[]).includes(channel))
    throw new ApiError('unknown-call', `unknown call '${channel}'`);
  const spec = handlers[channel as ApiChannel] as unknown as {
    input: {
      safeParse(
        v: unknown,
      ):
        | { success: true; data: unknown }
        | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
    };
    run(args: unknown): unknown;
  };
  const parsed = spec.input.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'argument';
    throw new ApiError('bad-input', `${channel}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  try {
    return await spec.run(parsed.data);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof EngineError) throw ApiError.fromEngine(error);
    throw new ApiError('internal', `${channel} failed: ${(error as Error).message}`);
  }
}
