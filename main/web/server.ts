import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine.ts';
import { dispatch, type Handlers } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { tokensMatch } from '../probe/link.ts';
import { resourceRoot } from '../paths.ts';
import { CSP } from '../csp.ts';

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const PLACEHOLDER = `<!doctype html><html><head><meta charset="utf-8"><title>djleak</title></head>
<body style="font-family:system-ui;margin:3rem;max-width:40rem">
<h1>djleak</h1><p>The engine is running in browser mode. The interface is not built yet:
run <code>npm run build</code>, then reload this page.</p></body></html>`;

function tokenFrom(req: http.IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const fromQuery = url.searchParams.get('token');
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
): Promise<WebServer> {
  const staticRoot = path.join(resourceRoot(), 'out', 'renderer');
  const server = http.createServer((req, res) => {
    if (!tokensMatch(tokenFrom(req), token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('401: djleak needs the token from the URL it printed when it started\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: http.OutgoingHttpHeaders = {
      'Set-Cookie': `djleak_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, rel);
    if (!file.startsWith(staticRoot + path.sep)) {
      res.writeHead(404, headers).end();
      return;
    }
    if (existsSync(file)) {
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      });
      res.end(readFileSync(file));
    } else if (rel === 'index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] });
      res.end(PLACEHOLDER);
    } else {
      res.writeHead(404, headers).end();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/rpc' || !tokensMatch(tokenFrom(req), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, handlers, engine));
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
        server.close(() => resolve());
      }),
  };
}

function serveSocket(ws: WebSocket, handlers: Handlers, engine: Engine): void {
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
      ws.send(
        JSON.stringify({ id, ok: false, error: { code: e.code, message: e.message, detail: e.detail } }),
      );
    }
  });
}
