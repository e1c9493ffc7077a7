import type { WebSocket } from 'ws';
import type { Engine } from '../engine.ts';
import { dispatch, type Handlers } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';

export function serveSocket(ws: WebSocket, handlers: Handlers, engine: Engine): void {
  const unsubscribe = engine.onEvent((event) => ws.send(JSON.stringify({ event })));
  ws.on('close', unsubscribe);
  // A protocol violation (a frame over maxPayload, text that is not UTF-8) ends that socket, not the server:
  // ws closes it with the right code once 'error' is handled.
  ws.on('error', () => ws.terminate());
  ws.on('message', async (data) => {
    let id: unknown = null;
    try {
      const message = JSON.parse(String(data)) as { id?: unknown; channel?: unknown; args?: unknown };
      id = message.id ?? null;
      if (typeof message.channel !== 'string') throw new ApiError('bad-input', 'a call needs a channel');
      const result = await dispatch(handlers, message.channel, message.args);
      ws.send(JSON.stringify({ id, ok: true, result }));
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('bad-input', 'a call must be JSON');
      ws.send(JSON.stringify({ id, ok: false, error: e.toWire() }));
    }
  });
}
