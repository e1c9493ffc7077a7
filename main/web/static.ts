import { readFileSync, statSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { CSP } from '../csp.ts';

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

/**
 * The built renderer under `staticRoot`, with the browser-mode headers (the token cookie, CSP, no caching);
 * the page itself when the renderer is not built yet.
 */
export function serveStatic(res: http.ServerResponse, url: URL, staticRoot: string, cookie: string): void {
  const headers: http.OutgoingHttpHeaders = {
    'Set-Cookie': cookie,
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
  if (rel.includes('\0')) {
    res.writeHead(400, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`400: ${url.pathname} is not a valid address (it names a NUL character)\n`);
    return;
  }
  const file = path.resolve(staticRoot, rel);
  if (!file.startsWith(staticRoot + path.sep)) {
    res.writeHead(404, headers).end();
    return;
  }
  // A folder (`/assets`) is not a file to send: reading it would throw.
  if (statSync(file, { throwIfNoEntry: false })?.isFile()) {
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
}
