import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine.ts';
import { dispatch, type Handlers } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { exportFileName } from '../api/files.ts';
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
): Promise<WebServer> {
  const staticRoot = path.join(resourceRoot(), 'out', 'renderer');
  const prepared = new PreparedExports();
  removeLeftoverExports(path.join(engine.dataHome, 'uploads'));
  const server = http.createServer((req, res) => {
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
        res.end(JSON.stringify({ ok: false, error: { code: 'internal', message: error.message } }));
      });
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      'Set-Cookie': `djleak_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      // a bad percent-escape (`/%`, a mistyped address in the app's own tab): refused, the engine goes on
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`400: ${url.pathname} is not a valid address (a % must start an escape such as %20)\n`);
      return;
    }
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
    const url = requestUrl(req);
    if (url?.pathname !== '/rpc' || !tokensMatch(tokenFrom(req), token)) {
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
        prepared.clear();
        server.close(() => resolve());
      }),
  };
}

/** Uploads stop here: a session file or a recording larger than this is refused before it fills the disk. */
const MAX_UPLOAD = 4 * 1024 ** 3;

/** A prepared export's download link works once, within this time. */
const PREPARED_TTL_MS = 10 * 60_000;

/** Exports a server stopped without removing (killed while a download was prepared or running): full session
 * files, maybe unredacted, that nobody will fetch. Ones younger than a ticket's lifetime are left alone: they may
 * be another server's, on the same data folder. */
function removeLeftoverExports(folder: string): void {
  if (!existsSync(folder)) return;
  const before = Date.now() - PREPARED_TTL_MS;
  for (const name of readdirSync(folder)) {
    const file = path.join(folder, name);
    if (
      name.startsWith('export-') &&
      (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < before
    )
      rmSync(file, { force: true });
  }
}

/** Exports written ahead of their download (`POST /files/export`), by one-time ticket. */
class PreparedExports {
  private readonly files = new Map<string, { file: string; name: string; expires: number }>();

  add(file: string, name: string): string {
    this.sweep();
    const ticket = randomBytes(16).toString('base64url');
    this.files.set(ticket, { file, name, expires: Date.now() + PREPARED_TTL_MS });
    return ticket;
  }

  /** The file for a ticket, once: the ticket is gone after this. */
  take(ticket: string): { file: string; name: string } | null {
    this.sweep();
    const found = this.files.get(ticket) ?? null;
    this.files.delete(ticket);
    return found;
  }

  clear(): void {
    for (const { file } of this.files.values()) rmSync(file, { force: true });
    this.files.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [ticket, p] of this.files) {
      if (p.expires > now) continue;
      rmSync(p.file, { force: true });
      this.files.delete(ticket);
    }
  }
}

/**
 * Session files in browser mode, where the page has no paths: `POST /files/import?name=N` takes a dropped or
 * picked file's bytes (streamed to a temporary file, then imported like any other); `GET /files/export?id=N`
 * answers a fresh export as a download; `POST /files/export?id=N` writes the export first and answers a
 * one-time `GET /files/download?ticket=T` link, so the page shows a refusal in its dialog and the browser
 * still streams the file to disk (the page never holds it).
 */
async function serveFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  engine: Engine,
  handlers: Handlers,
  prepared: PreparedExports,
): Promise<void> {
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const failed = (error: unknown): void => {
    const e = error instanceof ApiError ? error : new ApiError('bad-input', (error as Error).message);
    json(e.code === 'not-found' ? 404 : 400, { ok: false, error: { code: e.code, message: e.message } });
  };
  const folder = path.join(engine.dataHome, 'uploads');
  if (url.pathname === '/files/import' && req.method === 'POST') {
    const name = path.basename(url.searchParams.get('name') ?? 'upload.djleak').replace(/[^\w.-]+/g, '-');
    const size = Number(req.headers['content-length'] ?? NaN);
    if (!(size <= MAX_UPLOAD))
      return failed(new ApiError('bad-input', 'the upload needs a Content-Length of at most 4 GB'));
    mkdirSync(folder, { recursive: true });
    // A folder per upload keeps the file's own name: it is what the session's origin and any refusal name.
    const own = mkdtempSync(path.join(folder, 'upload-'));
    const file = path.join(own, name);
    try {
      await pipeline(req, createWriteStream(file));
      json(200, { ok: true, result: await dispatch(handlers, 'sessions.import', { file }) });
    } catch (error) {
      failed(error);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
    return;
  }
  /** A fresh export of the session in the URL into the uploads folder; null (answered) when refused. */
  const exportNow = async (): Promise<{ file: string; name: string } | null> => {
    const id = Number(url.searchParams.get('id'));
    const redact = url.searchParams.get('redact') !== '0';
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `export-${id}-${Date.now()}-${randomBytes(4).toString('hex')}.djleak`);
    try {
      await dispatch(handlers, 'sessions.export', { id, file, redact });
    } catch (error) {
      rmSync(file, { force: true });
      failed(error);
      return null;
    }
    return { file, name: exportFileName(engine.library.session(id)!) };
  };
  const download = async ({ file, name }: { file: string; name: string }): Promise<void> => {
    res.writeHead(200, {
      'Content-Type': 'application/vnd.sqlite3',
      'Content-Length': statSync(file).size,
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    });
    await pipeline(createReadStream(file), res).finally(() => rmSync(file, { force: true }));
  };
  if (url.pathname === '/files/export' && req.method === 'GET') {
    const written = await exportNow();
    if (written) await download(written);
    return;
  }
  if (url.pathname === '/files/export' && req.method === 'POST') {
    const written = await exportNow();
    if (!written) return;
    const ticket = prepared.add(written.file, written.name);
    json(200, {
      ok: true,
      result: {
        download: `/files/download?ticket=${ticket}`,
        fileName: written.name,
        bytes: statSync(written.file).size,
      },
    });
    return;
  }
  if (url.pathname === '/files/download' && req.method === 'GET') {
    const found = prepared.take(url.searchParams.get('ticket') ?? '');
    if (!found)
      return failed(
        new ApiError(
          'not-found',
          'this download link was used already or has expired: export the session again',
        ),
      );
    await download(found);
    return;
  }
  json(404, { ok: false, error: { code: 'not-found', message: `no ${req.method} ${url.pathname}` } });
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
      ws.send(JSON.stringify({ id, ok: false, error: e.toWire() }));
    }
  });
}
