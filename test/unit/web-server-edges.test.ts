/**
 * Browser mode's edges (main/web/*.ts) against a real engine over real sockets: the token carried by the cookie
 * alone, the cookie's attributes, the upload limit, a prepared download's expiry, and names and paths that try to
 * leave their folders on the /files/ routes.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createHandlers } from '../../main/api/index.ts';
import type { Engine } from '../../main/engine.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine, until } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterEach(async () => {
  vi.useRealTimers();
  await runAll();
});

/** The cookie every page of browser mode sets (main/web/server.ts). */
const cookieFor = (token: string): string => `djleak_token=${token}; HttpOnly; SameSite=Strict; Path=/`;

/** A real engine with a session in its library, and browser mode serving a renderer build of one page; a file
 * next to the build and the data folder that no request may read. */
async function served(): Promise<{ engine: Engine; web: WebServer; root: string; session: number }> {
  const engine = testEngine(cleanups);
  const t = tempDir('djleak-web-edges-');
  cleanups.push(t.cleanup);
  const root = path.join(t.dir, 'renderer');
  mkdirSync(root);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>djleak page</title>');
  writeFileSync(path.join(t.dir, 'secret.txt'), 'outside the renderer');
  const session = engine.library.createSession({
    name: 'shop before fix',
    project: '/p',
    python: null,
    server: 'runserver',
    command: [],
    startedAt: 1,
  });
  engine.library.updateSession(session, { status: 'stopped', ended_at: 2 });
  const web = await startWebServer(engine, createHandlers(engine), 0, undefined, root);
  cleanups.push(() => web.close());
  return { engine, web, root, session };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a connection of its own (node:http: no fetch, whose timers read the clock some tests fake). */
function call(
  port: number,
  target: string,
  opts: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes on a connection of its own, for requests node:http would not send as they are (the request asks
 * the server to close the connection after its answer); the status and the body of the answer, de-chunked. */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let got = '';
    socket.on('data', (d) => (got += String(d)));
    socket.on('error', reject);
    socket.on('close', () => {
      const end = got.indexOf('\r\n\r\n');
      const head = got.slice(0, end);
      let body = got.slice(end + 4);
      if (/\r\ntransfer-encoding: chunked/i.test(head)) {
        let out = '';
        for (let at = 0; ;) {
          const eol = body.indexOf('\r\n', at);
          const size = parseInt(body.slice(at, eol), 16);
          if (!(size > 0)) break;
          out += body.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        body = out;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(got)?.[1] ?? 0), body });
    });
  });
}

const errorOf = (a: Answer | { body: string }): { code: string; message: string } =>
  (JSON.parse(a.body) as { error: { code: string; message: string } }).error;

describe('the token in the cookie alone', () => {
  it('opens the page, the files routes and the RPC socket; a wrong or look-alike cookie does not', async () => {
    const { web } = await served();
    const cookie = (value: string) => ({ Cookie: value });

    const page = await call(web.port, '/', { headers: cookie(`djleak_token=${web.token}`) });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<!doctype html><title>djleak page</title>');
    // among the page's other cookies, anywhere in the header
    for (const header of [
      `theme=dark; djleak_token=${web.token}`,
      `djleak_token=${web.token}; theme=dark`,
      `a=1;djleak_token=${web.token}`,
    ])
      expect((await call(web.port, '/', { headers: cookie(header) })).status, header).toBe(200);

    // a cookie whose name only ends the same, a wrong value, a prefix of the token, none at all
    for (const header of [
      `xdjleak_token=${web.token}`,
      'djleak_token=wrong',
      `djleak_token=${web.token.slice(0, -1)}`,
      `djleak_token=${web.token}x`,
      '',
    ]) {
      const refused = await call(web.port, '/', { headers: header ? cookie(header) : {} });
      expect(refused.status, header).toBe(401);
      expect(refused.body).toBe('401: djleak needs the token from the URL it printed when it started\n');
      // a refusal hands out no cookie
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    // A token in the URL is the one checked: a wrong one is refused even beside the right cookie.
    expect(
      (await call(web.port, '/?token=wrong', { headers: cookie(`djleak_token=${web.token}`) })).status,
    ).toBe(401);

    // The files routes: past the token check, to their own 404 (JSON), not the 401.
    const files = await call(web.port, '/files/nothing', { headers: cookie(`djleak_token=${web.token}`) });
    expect(files.status).toBe(404);
    expect(errorOf(files)).toMatchObject({ code: 'not-found', message: 'no GET /files/nothing' });
    expect((await call(web.port, '/files/nothing')).status).toBe(401);

    // The RPC socket with the cookie only.
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/rpc`, {
      headers: { Cookie: `djleak_token=${web.token}` },
    });
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => (ws.on('open', resolve), ws.on('error', reject)));
    const answer = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ id: 7, channel: 'sessions.list', args: {} }));
    expect(await answer).toMatchObject({ id: 7, ok: true, result: [{ name: 'shop before fix' }] });
    const wrong = new WebSocket(`ws://127.0.0.1:${web.port}/rpc`, {
      headers: { Cookie: 'djleak_token=wrong' },
    });
    await expect(
      new Promise((resolve, reject) => (wrong.on('open', resolve), wrong.on('error', reject))),
    ).rejects.toThrow(/401/);
  });
});

describe('the cookie it sets', () => {
  it('is HttpOnly, SameSite=Strict and for every path, and it is all the next request needs', async () => {
    const { web } = await served();
    const first = await call(web.port, `/?token=${web.token}`);
    expect(first.status).toBe(200);
    expect(first.headers['set-cookie']).toEqual([cookieFor(web.token)]);
    const [pair, ...attributes] = first.headers['set-cookie']![0]!.split('; ');
    expect(pair).toBe(`djleak_token=${web.token}`);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    // and the page that carries it is never cached nor named in a Referer
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['referrer-policy']).toBe('no-referrer');

    // What a browser sends back: the pair, to any path of the server.
    const next = await call(web.port, '/', { headers: { Cookie: pair! } });
    expect(next.status).toBe(200);
    expect(next.headers['set-cookie']).toEqual([cookieFor(web.token)]);
    // a page that is not there sets it too (the app's routes are pages of the one build)
    const missing = await call(web.port, '/no/such/file.js', { headers: { Cookie: pair! } });
    expect(missing.status).toBe(404);
    expect(missing.headers['set-cookie']).toEqual([cookieFor(web.token)]);
  });
});

describe('the upload limit', () => {
  const importHead = (token: string, extra: string): string =>
    `POST /files/import?name=big.djleak HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: djleak_token=${token}\r\nConnection: close\r\n${extra}\r\n`;

  it('refuses a Content-Length over 4 GB, or none, before reading a byte or making a folder', async () => {
    const { engine, web } = await served();
    const uploads = path.join(engine.dataHome, 'uploads');
    for (const header of ['Content-Length: 4294967297\r\n', 'Transfer-Encoding: chunked\r\n']) {
      const answer = await raw(web.port, importHead(web.token, header));
      expect(answer.status, header).toBe(400);
      expect(errorOf(answer), header).toMatchObject({
        code: 'bad-input',
        message: 'the upload needs a Content-Length of at most 4 GB',
      });
    }
    expect(existsSync(uploads) ? readdirSync(uploads) : []).toEqual([]);
  });

  it('takes exactly 4 GB: the upload starts in a folder of its own, removed when the sender gives up', async () => {
    const { engine, web } = await served();
    const uploads = path.join(engine.dataHome, 'uploads');
    const socket = net.connect(web.port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    let answered = '';
    socket.on('data', (d) => (answered += String(d)));
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(importHead(web.token, 'Content-Length: 4294967296\r\n'));
    socket.write(Buffer.alloc(64 * 1024, 1));
    await until(
      () => existsSync(uploads) && readdirSync(uploads).some((n) => n.startsWith('upload-')),
      'the upload folder',
    );
    const [own] = readdirSync(uploads);
    expect(readdirSync(path.join(uploads, own!))).toEqual(['big.djleak']);
    expect(answered).toBe('');
    socket.destroy();
    await until(() => readdirSync(uploads).length === 0, 'the upload folder to be removed');
    // and the server goes on
    expect((await call(web.port, `/?token=${web.token}`)).status).toBe(200);
  });
});

describe('a prepared download', () => {
  const TTL_MS = 10 * 60_000;

  it('works once within 10 minutes of its export; an expired one is refused and its file removed', async () => {
    const { engine, web, session } = await served();
    const uploads = path.join(engine.dataHome, 'uploads');
    const auth = { Cookie: `djleak_token=${web.token}` };
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2026, 0, 1, 12);
    vi.setSystemTime(start);
    const prepare = async (): Promise<string> => {
      const answer = await call(web.port, `/files/export?id=${session}`, { method: 'POST', headers: auth });
      expect(answer.status, answer.body).toBe(200);
      const { result } = JSON.parse(answer.body) as { result: { download: string; fileName: string } };
      expect(result.fileName).toBe(`shop-before-fix-${session}.djleak`);
      return result.download;
    };
    const [early, late, unused] = [await prepare(), await prepare(), await prepare()];
    expect(readdirSync(uploads)).toHaveLength(3);

    // One millisecond before its 10 minutes: the file.
    vi.setSystemTime(start + TTL_MS - 1);
    const got = await call(web.port, early, { headers: auth });
    expect(got.status).toBe(200);
    expect(got.headers['content-disposition']).toBe(
      `attachment; filename="shop-before-fix-${session}.djleak"`,
    );
    expect(got.body.slice(0, 15)).toBe('SQLite format 3');
    // its file goes once streamed (the clock is fake: polled a bounded number of times, not until a time)
    for (let i = 0; i < 500 && readdirSync(uploads).length > 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(uploads)).toHaveLength(2);

    // At 10 minutes: refused, and every expired export's file is gone, the one nobody asked for too.
    vi.setSystemTime(start + TTL_MS);
    const refused = await call(web.port, late, { headers: auth });
    expect(refused.status).toBe(404);
    expect(errorOf(refused)).toMatchObject({
      code: 'not-found',
      message: 'this download link was used already or has expired: export the session again',
    });
    expect(readdirSync(uploads)).toEqual([]);
    expect((await call(web.port, unused, { headers: auth })).status).toBe(404);
  });
});

describe('names and paths that try to leave their folder on /files/', () => {
  it("an upload's name is only a file name in the upload's own folder", async () => {
    const { engine, web } = await served();
    const uploads = path.join(engine.dataHome, 'uploads');
    const upload = (name: string) =>
      call(web.port, `/files/import?name=${encodeURIComponent(name)}&token=${web.token}`, {
        method: 'POST',
        body: 'no database here',
      });
    for (const [name, kept] of [
      ['../../outside.djleak', 'outside.djleak'],
      ['/etc/passwd', 'passwd'],
      ['..\\..\\win.djleak', '..-..-win.djleak'],
      ['a <b> c?.djleak', 'a-b-c-.djleak'],
    ] as const) {
      const answer = await upload(name);
      expect(answer.status, name).toBe(400);
      expect(errorOf(answer).message, name).toBe(
        `${kept} is not a djleak session file (it is not a SQLite database)`,
      );
    }
    // nothing was written outside, and the uploads are gone
    for (const folder of [engine.dataHome, path.dirname(engine.dataHome)])
      expect(
        readdirSync(folder).filter((n) => /outside|passwd|win/.test(n)),
        folder,
      ).toEqual([]);
    expect(readdirSync(uploads)).toEqual([]);
    // a name that is the folder itself cannot be written: refused, and the folder is left as it was
    for (const name of ['..', '.']) {
      const answer = await upload(name);
      expect(answer.status, name).toBe(400);
      expect(errorOf(answer).code, name).toBe('bad-input');
    }
    expect(readdirSync(uploads)).toEqual([]);
    expect(existsSync(engine.library.file)).toBe(true);
  });

  it('an encoded traversal in the route never reaches a file outside the build', async () => {
    const { web } = await served();
    for (const target of [
      '/files/%2e%2e/secret.txt',
      '/files/%2e%2e/%2e%2e/secret.txt',
      '/files/..%2f..%2fsecret.txt',
      '/files/download%2f..%2f..%2fsecret.txt',
      '/files/download/../../secret.txt',
    ]) {
      const answer = await raw(
        web.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: djleak_token=${web.token}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status, target).toBe(404);
      expect(answer.body, target).not.toContain('outside the renderer');
    }
    // a ticket or an id that is a path is no file either
    const auth = { Cookie: `djleak_token=${web.token}` };
    const ticket = await call(web.port, '/files/download?ticket=..%2F..%2Fsecret.txt', { headers: auth });
    expect(ticket.status).toBe(404);
    expect(errorOf(ticket).message).toMatch(/used already or has expired/);
    const id = await call(web.port, '/files/export?id=..%2Fsecret.txt', { headers: auth });
    expect(id.status).toBe(400);
    expect(errorOf(id).code).toBe('bad-input');
  });
});
