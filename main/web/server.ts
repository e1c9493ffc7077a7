import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine.ts';
import type { Handlers } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { tokensMatch } from '../probe/link.ts';
import { resourceRoot } from '../paths.ts';
import { PreparedExports, removeLeftoverExports, serveFile } from './files.ts';
import { serveSocket } from './rpc.ts';
import { serveStatic } from './static.ts';

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The request's address; null when it cannot be one (`//[`: the URL parser throws on it). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

function tokenFrom(req: http.IncomingMessage): string | null {
  const fromQuery = requestUrl(req)?.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const cookie = /(?:^|;\s*)djleak_token=([^;]+)/.exec(req.headers.cookie ?? '');
  return cookie?.[1] ?? null;
}

/**
 * Browser mode: the built renderer and a WebSocket RPC over the same handler map, on 127.0.0.1 only.
 * Every request must carry the random token (in the URL, then in a same-site cookie); others get 401.
 */
export async function startWebServer(
  engine: Engine,
  handlers: Handlers,
  port = 0,
  token = randomBytes(18).toString('base64url'),
  /** The built renderer (tests give their own). */
  staticRoot = path.join(resourceRoot(), 'out', 'renderer'),
): Promise<WebServer> {
  const prepared = new PreparedExports();
  removeLeftoverExports(path.join(engine.dataHome, 'uploads'));
  const server = http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      // One bad request never ends the process (and every running investigation with it).
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`500: ${(error as Error).message}\n`);
    }
  });
  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!tokensMatch(tokenFrom(req), token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('401: djleak needs the token from the URL it printed when it started\n');
      return;
    }
    const url = requestUrl(req);
    if (!url) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('400: not a valid address\n');
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      void serveFile(req, res, url, engine, handlers, prepared).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: new ApiError('internal', error.message).toWire() }));
      });
      return;
    }
    serveStatic(res, url, staticRoot, `djleak_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    if (url?.pathname !== '/rpc' || !tokensMatch(tokenFrom(req), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    try {
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, handlers, engine));
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actualPort = address && typeof address === 'object' ? address.port : port;
  return {
    url: `http://127.0.0.1:${actualPort}/?token=${token}`,
    port: actualPort,
    token,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        prepared.clear();
        server.close(() => resolve());
      }),
  };
}
