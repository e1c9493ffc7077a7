import type { ApiArgs, ApiChannel, ApiResult, DjleakBridge, EngineEvent } from '../../preload/contract.ts';

declare global {
  interface Window {
    djleak?: DjleakBridge;
  }
}

/** Browser mode: the same contract over the WebSocket the engine serves next to this page. */
function webSocketBridge(): DjleakBridge {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const socket = new WebSocket(`ws://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error('cannot reach the djleak engine')));
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let nextId = 1;
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as {
      id?: number;
      ok?: boolean;
      result?: unknown;
      error?: { message: string };
      event?: EngineEvent;
    };
    if (data.event) for (const listener of listeners) listener(data.event);
    else if (data.id !== undefined) {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) waiting?.resolve(data.result);
      else waiting?.reject(new Error(data.error?.message ?? 'call failed'));
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

export const api: DjleakBridge = window.djleak ?? webSocketBridge();
