import type {
  ApiArgs,
  ApiChannel,
  ApiErrorCode,
  ApiErrorDto,
  ApiResult,
  DjleakBridge,
  EngineEvent,
} from '../../preload/contract.ts';

declare global {
  interface Window {
    djleak?: DjleakBridge;
  }
}

/**
 * A rejected call as the engine reported it: `code` for the program, `message` and `detail` for people,
 * `field` the start form's input it is about (project, python, settings, server, port, env), if any, `session`
 * the session a failed start was stored as.
 */
export class ApiCallError extends Error {
  constructor(
    message: string,
    /** The engine's code, or `disconnected`: the engine could not be reached. */
    readonly code: ApiErrorCode | 'disconnected' = 'internal',
    readonly detail: string[] = [],
    readonly field: string | null = null,
    readonly session: number | null = null,
  ) {
    super(message);
  }
}

/** What arrives: an ApiErrorDto, read warily (any field may be missing). */
type WireError = Partial<ApiErrorDto>;

function fromWire(error: WireError | undefined): ApiCallError {
  return new ApiCallError(
    error?.message ?? 'call failed',
    error?.code ?? 'internal',
    Array.isArray(error?.detail) ? error.detail : [],
    typeof error?.field === 'string' ? error.field : null,
    typeof error?.session === 'number' ? error.session : null,
  );
}

/**
 * Electron's ipcRenderer.invoke keeps only the message of a rejected handler, wrapped as
 * "Error invoking remote method '…': Error: {json}"; main/electron puts {code,message,detail} in that JSON.
 */
export function toApiCallError(error: unknown): ApiCallError {
  if (error instanceof ApiCallError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const start = text.indexOf('{');
  if (start >= 0) {
    try {
      return fromWire(JSON.parse(text.slice(start)) as WireError);
    } catch {
      // not our JSON: fall through to the plain message
    }
  }
  return new ApiCallError(text.replace(/^Error invoking remote method '[^']*': (Error: )?/, ''));
}

/** Browser mode: the same contract over the WebSocket the engine serves next to this page. */
function webSocketBridge(): DjleakBridge {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const socket = new WebSocket(`ws://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () =>
      reject(new ApiCallError('cannot reach the djleak engine', 'disconnected')),
    );
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let nextId = 1;
  socket.addEventListener('close', () => {
    for (const waiting of pending.values())
      waiting.reject(new ApiCallError('the connection to the djleak engine closed', 'disconnected'));
    pending.clear();
  });
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as {
      id?: number;
      ok?: boolean;
      result?: unknown;
      error?: WireError;
      event?: EngineEvent;
    };
    if (data.event) for (const listener of listeners) listener(data.event);
    else if (data.id !== undefined) {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) waiting?.resolve(data.result);
      else waiting?.reject(fromWire(data.error));
    }
  });
  return {
    async call<C extends ApiChannel>(channel: C, args: ApiArgs<C>): Promise<ApiResult<C>> {
      await opened;
      const id = nextId++;
      socket.send(JSON.stringify({ id, channel, args }));
      return new Promise((resolve, reject) =>
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
      );
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

const bridge: DjleakBridge = window.djleak ?? webSocketBridge();

/** The engine, whichever face serves this page; every rejected call is an ApiCallError. */
export const api: DjleakBridge = {
  async call<C extends ApiChannel>(channel: C, args: ApiArgs<C>): Promise<ApiResult<C>> {
    try {
      return await bridge.call(channel, args);
    } catch (error) {
      throw toApiCallError(error);
    }
  },
  onEvent: (listener) => bridge.onEvent(listener),
};
