import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import type { Engine } from '../../main/engine.ts';
import { startWebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';

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
