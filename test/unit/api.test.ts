import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import type { Engine } from '../../main/engine.ts';
import { startWebServer } from '../../main/web/server.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { demoDir as demoProject } from '../../main/paths.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { sampleItem } from '../helpers/samples.ts';

const { cleanups, runAll } = cleanupList();
afterEach(runAll);

const engine = (): Engine => testEngine(cleanups);

describe('the handler map', () => {
  it('validates every argument at the edge with a message naming the field', async () => {
    const e = engine();
    const h = createHandlers(e);
    await expect(dispatch(h, 'sessions.list', {})).resolves.toEqual([]);
    await expect(dispatch(h, 'sessions.get', { id: 'x' })).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining('id'),
    });
    await expect(dispatch(h, 'sessions.get', { id: 7 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(dispatch(h, 'sessions.rename', { id: 1, name: '  ' })).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(dispatch(h, 'sessions.list', { extra: true })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(dispatch(h, 'nope.nothing', {})).rejects.toMatchObject({ code: 'unknown-call' });
    await expect(dispatch(h, 'investigation.start', {})).rejects.toMatchObject({
      message: expect.stringContaining('project folder or choose the demo'),
    });
    await expect(dispatch(h, 'investigation.start', { project: '/nonexistent/dir' })).rejects.toMatchObject({
      code: 'launch-failed',
      message: expect.stringContaining('project folder does not exist'),
    });
    await expect(dispatch(h, 'investigation.stop', { sessionId: 3 })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(await dispatch(h, 'sessions.list', {})).toEqual([]);
  });

  it('renames and deletes sessions', async () => {
    const e = engine();
    const h = createHandlers(e);
    const id = e.library.createSession({
      name: 'a',
      project: '/p',
      python: null,
      server: 'runserver',
      command: [],
      startedAt: 1,
    });
    await dispatch(h, 'sessions.rename', { id, name: 'before the fix' });
    expect(await dispatch(h, 'sessions.get', { id })).toMatchObject({
      session: { name: 'before the fix' },
      processes: [],
      routes: [],
    });
    await dispatch(h, 'sessions.delete', { id });
    await expect(dispatch(h, 'sessions.get', { id })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('timeline and request log', () => {
  it('downsamples a long session per process and pages the request log with filters', async () => {
    const e = engine();
    const h = createHandlers(e);
    const id = e.library.createSession({
      name: 'a',
      project: '/p',
      python: null,
      server: 'gunicorn',
      command: [],
      startedAt: 0,
    });
    const procs = [1, 2].map((i) =>
      e.library.addProcess(id, { pid: 100 + i, ppid: 100, role: 'worker', argv: [], t: 0 }),
    );
    const writer = new SessionWriter(e.library.db, id);
    for (const p of procs) {
      writer.addSamples(
        p,
        Array.from({ length: 36_000 }, (_, i) =>
          sampleItem(i / 10, 1_000_000 + i * (p === procs[0] ? 10 : 1), {
            gc_collections: [i, 0, 0],
            fds: 1,
          }),
        ),
      );
    }
    writer.addRequests(
      procs[0]!,
      Array.from({ length: 300 }, (_, i) => ({
        t: i,
        method: i % 3 ? 'GET' : 'POST',
        route: i % 2 ? 'a/' : null,
        path: i % 2 ? '/a/' : `/missing_${i}`,
        status: i % 10 ? 200 : 500,
        duration_ms: 1,
        rss_before: 10,
        rss_after: 15,
      })),
    );
    writer.flush(true); // as at the end of a session: the open rollup buckets too

    const whole = await dispatch(h, 'sessions.timeline', { id, buckets: 500 });
    expect(whole.span).toEqual({ from: 0, to: 3599.9 });
    expect(whole.processes.map((p) => p.samples)).toEqual([36_000, 36_000]);
    expect(whole.processes[0]!.rss.t.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...whole.processes[0]!.rss.v)).toBe(1_000_000 + 35_999 * 10);
    expect(whole.requestsPerSecond.v.reduce((a, b) => a + b, 0) * (3599.9 / 200)).toBeCloseTo(300, 0);

    const zoom = await dispatch(h, 'sessions.timeline', { id, from: 100, to: 110 });
    expect(zoom.window).toEqual({ from: 100, to: 110 });
    expect(zoom.processes[1]!.rss.t[0]).toBe(100);
    expect(zoom.processes[1]!.rss.t.length).toBe(101);

    const page = await dispatch(h, 'sessions.requests', { id, limit: 10 });
    expect(page.total).toBe(300);
    expect(page.rows[0]).toMatchObject({ t: 299, pid: 101, route: 'a/', rss_delta: 5 });
    expect((await dispatch(h, 'sessions.requests', { id, route: null })).total).toBe(150);
    expect((await dispatch(h, 'sessions.requests', { id, minStatus: 500 })).total).toBe(30);
    expect((await dispatch(h, 'sessions.requests', { id, method: 'POST', route: 'a/' })).total).toBe(50);
    expect((await dispatch(h, 'sessions.requests', { id, text: 'missing_1' })).total).toBe(
      Array.from({ length: 300 }, (_, i) => i).filter(
        (i) => i % 2 === 0 && `missing_${i}`.includes('missing_1'),
      ).length,
    );
    expect((await dispatch(h, 'sessions.requests', { id, text: '%' })).total).toBe(0);
    await expect(dispatch(h, 'sessions.timeline', { id: 99 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('inspects a project folder and lists interpreters with what they can import', async () => {
    const h = createHandlers(engine());
    const info = await dispatch(h, 'project.inspect', {
      project: demoProject(),
      python: '/nonexistent/python',
    });
    expect(info.settings).toBe('leaky_shop.settings');
    expect(info.interpreters).toEqual([
      expect.objectContaining({ source: 'option', error: expect.stringContaining('not found') }),
    ]);
    await expect(dispatch(h, 'project.inspect', { project: '/nonexistent' })).rejects.toMatchObject({
      code: 'bad-input',
    });
    expect(await dispatch(h, 'system.info', {})).toMatchObject({
      version: '0.1.0',
      demoProject: demoProject(),
    });
  });
});

describe('browser mode server', () => {
  it('binds 127.0.0.1, answers 401 without the token and serves RPC with it', async () => {
    const e = engine();
    const web = await startWebServer(e, createHandlers(e));
    cleanups.push(() => web.close());
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const base = `http://127.0.0.1:${web.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    const ok = await fetch(web.url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('djleak');
    // a bad percent-escape is refused, and the server (the engine's process) goes on; it used to throw in the
    // request listener and end the process
    for (const bad of ['/%', '/%zz/x', '/a%E0%A4%A'])
      expect((await fetch(`${base}${bad}?token=${web.token}`)).status, bad).toBe(400);
    expect(await (await fetch(`${base}/%?token=${web.token}`)).text()).toMatch(
      /^400: \/% is not a valid address/,
    );
    // and an address the URL parser throws on, sent as it is (fetch would normalise it)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(web.port, '127.0.0.1', () =>
        socket.write(
          `GET //[ HTTP/1.1\r\nHost: x\r\nCookie: djleak_token=${web.token}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let got = '';
      socket.on('data', (d) => (got += String(d)));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(web.url)).status).toBe(200);

    const refused = new WebSocket(`ws://127.0.0.1:${web.port}/rpc`);
    await expect(
      new Promise((resolve, reject) => (refused.on('open', resolve), refused.on('error', reject))),
    ).rejects.toThrow(/401/);

    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/rpc?token=${web.token}`);
    await new Promise((r) => ws.on('open', r));
    const answer = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ id: 1, channel: 'sessions.list', args: {} }));
    expect(await answer).toEqual({ id: 1, ok: true, result: [] });
    const bad = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ id: 2, channel: 'sessions.get', args: { id: -1 } }));
    expect(await bad).toMatchObject({ id: 2, ok: false, error: { code: 'bad-input' } });
    ws.close();
  });
});
