import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../main/api/index.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { Rng } from '../helpers/fuzz.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterEach(runAll);

/** The browser-mode server in front of a real engine, serving a renderer build of a few real files (a folder
 * among them). */
async function server(): Promise<WebServer> {
  const engine = testEngine(cleanups);
  const t = tempDir('djleak-web-fuzz-');
  cleanups.push(t.cleanup);
  const root = path.join(t.dir, 'renderer');
  mkdirSync(path.join(root, 'assets', 'nested'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>djleak</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(t.dir, 'secret.txt'), 'outside the renderer');
  const web = await startWebServer(engine, createHandlers(engine), 0, undefined, root);
  cleanups.push(() => web.close());
  return web;
}

/** Sends `request` as raw bytes on a connection of its own; the status of the answer, or 0 if none came. */
function send(port: number, request: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => undefined); // the server may close first after a parse error: judged by what came
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(got);
      resolve({ status: status ? Number(status[1]) : 0, body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const request = (target: string, token: string, extra = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: djleak_token=${token}\r\n${extra}Connection: close\r\n\r\n`;

describe('the browser-mode HTTP server under hostile requests', () => {
  it('answers a bad escape, an encoded traversal and a folder with a 4xx, and keeps serving', async () => {
    const web = await server();
    for (const target of [
      '/%',
      '/%zz',
      '/a%E0%A4%A',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets',
      '/assets/nested/',
      '/%00',
      '//[',
    ]) {
      const answer = await send(web.port, request(target, web.token));
      expect(answer.status, target).toBeGreaterThanOrEqual(400);
      expect(answer.status, target).toBeLessThan(500);
      expect(answer.body, target).not.toContain('outside the renderer');
    }
    expect((await send(web.port, request('/assets/app.js', web.token))).status).toBe(200);
    expect((await send(web.port, request('/', web.token))).status).toBe(200);
  });

  it('fuzz: every request gets an answer and the server goes on', { timeout: 120_000 }, async () => {
    const web = await server();
    const rng = new Rng(0x7eb);
    const segments = [
      '',
      'assets',
      'app.js',
      'index.html',
      'files',
      'import',
      'download',
      'rpc',
      'nested',
      '..',
      '.',
      '%2e%2e',
      '%2E%2e%2F',
      '%',
      '%zz',
      '%00',
      '%c0%ae',
      '%ff',
      '[',
      ']',
      '%5B',
      '~',
      '😀',
      'é',
      'x'.repeat(300),
      '?token=' + web.token,
      '?token=wrong',
      '#frag',
      ';',
      '%3B',
      '\\',
      '%5c',
    ];
    const methods = [
      'GET',
      'POST',
      'PUT',
      'DELETE',
      'HEAD',
      'OPTIONS',
      'PATCH',
      'TRACE',
      'BREW',
      'G ET',
      'get',
    ];
    const statuses = new Map<number, number>();
    const CASES = 1500;
    for (let i = 0; i < CASES; i++) {
      const parts = Array.from({ length: 1 + rng.int(5) }, () => rng.pick(segments));
      const target = rng.chance(0.05)
        ? rng.pick(['*', 'http://x/', '', '//[', 'files/import'])
        : `/${parts.join('/')}`;
      const auth = rng.pick([
        `Cookie: djleak_token=${web.token}\r\n`,
        `Cookie: a=b; djleak_token=${web.token}; c\r\n`,
        'Cookie: djleak_token=\r\n',
        '',
      ]);
      const body = rng.chance(0.3) ? rng.bytes(rng.int(300)) : Buffer.alloc(0);
      const headers = [
        `${rng.pick(methods)} ${target} HTTP/1.1`,
        'Host: 127.0.0.1',
        auth.trimEnd(),
        rng.chance(0.2) ? `Content-Length: ${rng.pick([body.length, body.length + 10, 0, -1, 'x'])}` : '',
        rng.chance(0.1) ? 'Transfer-Encoding: chunked' : '',
        rng.chance(0.1) ? `X-Junk: ${rng.nastyString(20).replace(/[\r\n]/g, ' ')}` : '',
        rng.chance(0.05) ? `Upgrade: websocket\r\nConnection: Upgrade` : 'Connection: close',
      ].filter(Boolean);
      const raw = Buffer.concat([Buffer.from(headers.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
      const answer = await send(web.port, raw);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      // Every request is answered (Node's parser refuses what is not HTTP with a 400), never with a crash.
      expect(
        answer.status,
        `case ${i} (seed ${rng.seed}): ${JSON.stringify(raw.toString('latin1').slice(0, 300))}`,
      ).not.toBe(0);
      expect(answer.body, `case ${i}`).not.toContain('outside the renderer');
      if (i % 100 === 99) expect((await send(web.port, request('/', web.token))).status).toBe(200);
    }
    // The cases reached every kind of answer: files, the static build, refusals.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404]));
    expect((await send(web.port, request('/', web.token))).status).toBe(200);
  });
});
