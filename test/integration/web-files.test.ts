import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { sessionDigest } from '../../main/store/session-digest.ts';
import { startWebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { buildOneHourSession } from '../helpers/synthetic.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

/** A synthetic hour-long session in a fresh library, and browser mode serving it. */
async function servedSession() {
  const engine = testEngine(cleanups);
  const { session, seconds } = buildOneHourSession(engine);
  // ended, so that its import reproduces it exactly (one exported while it runs is imported ended at its last sample)
  engine.library.updateSession(session, { status: 'stopped', ended_at: seconds });
  const web = await startWebServer(engine, createHandlers(engine));
  cleanups.push(() => web.close());
  return { engine, session, web, base: `http://127.0.0.1:${web.port}` };
}

describe('session files in browser mode (no paths in the page)', () => {
  it('downloads an export, uploads it back as a new session, refuses junk and calls without the token', async () => {
    const { engine, session, web, base } = await servedSession();

    expect((await fetch(`${base}/files/export?id=${session}`)).status).toBe(401);
    const download = await fetch(`${base}/files/export?id=${session}&redact=0&token=${web.token}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="bench-${session}.djleak"`,
    );
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect(existsSync(path.join(engine.dataHome, 'uploads'))).toBe(true);

    const upload = await fetch(`${base}/files/import?name=shared.djleak&token=${web.token}`, {
      method: 'POST',
      body: bytes,
    });
    expect(upload.status).toBe(200);
    const { result } = (await upload.json()) as { result: { sessionId: number } };
    expect(sessionDigest(engine.library.db, result.sessionId)).toEqual(
      sessionDigest(engine.library.db, session),
    );

    const junk = await fetch(`${base}/files/import?name=junk.djleak&token=${web.token}`, {
      method: 'POST',
      body: 'no database here',
    });
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { message: string } }).error.message).toMatch(
      /is not a djleak session file/,
    );
    const missing = await fetch(`${base}/files/export?id=999&token=${web.token}`);
    expect(missing.status).toBe(404);
    // The temporary files are gone.
    expect(readdirSync(path.join(engine.dataHome, 'uploads'))).toEqual([]);
  });

  it('a prepared export answers a one-time link, streamed once; refusals come back as JSON', async () => {
    const { engine, session, web, base } = await servedSession();
    const post = (query: string, token = `&token=${web.token}`) =>
      fetch(`${base}/files/export?${query}${token}`, { method: 'POST' });

    expect((await post(`id=${session}`, '')).status).toBe(401);
    const refused = await post('id=999');
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /no session 999/,
    );

    const prepared = await post(`id=${session}&redact=0`);
    expect(prepared.status).toBe(200);
    const { result } = (await prepared.json()) as {
      result: { download: string; fileName: string; bytes: number };
    };
    expect(result.fileName).toBe(`bench-${session}.djleak`);
    expect(result.download).toMatch(/^\/files\/download\?ticket=[\w-]{22}$/);
    // Written ahead, waiting for its download.
    expect(readdirSync(path.join(engine.dataHome, 'uploads'))).toHaveLength(1);
    expect((await fetch(`${base}${result.download}`)).status).toBe(401);

    const download = await fetch(`${base}${result.download}&token=${web.token}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${result.fileName}"`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(result.bytes);
    const imported = await fetch(`${base}/files/import?name=again.djleak&token=${web.token}`, {
      method: 'POST',
      body: bytes,
    });
    const { result: back } = (await imported.json()) as { result: { sessionId: number } };

    // Once only, and the file is gone.
    const again = await fetch(`${base}${result.download}&token=${web.token}`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
      /used already or has expired: export the session again/,
    );
    expect(readdirSync(path.join(engine.dataHome, 'uploads'))).toEqual([]);

    // An export prepared and never downloaded is removed when the server closes.
    expect((await post(`id=${session}`)).status).toBe(200);
    expect(readdirSync(path.join(engine.dataHome, 'uploads'))).toHaveLength(1);
    await web.close();
    expect(readdirSync(path.join(engine.dataHome, 'uploads'))).toEqual([]);

    // The download imported is the session. (Compared once the server is closed: the digests hold this process's
    // event loop, where the server runs, for seconds on a loaded machine, past the keep-alive of the connection
    // the next fetch would reuse: ECONNRESET.)
    expect(sessionDigest(engine.library.db, back.sessionId)).toEqual(
      sessionDigest(engine.library.db, session),
    );

    // One a killed server left behind is removed at the next start, once older than a ticket's lifetime (a
    // younger one may be another server's).
    const uploads = path.join(engine.dataHome, 'uploads');
    writeFileSync(path.join(uploads, 'export-1-old.djleak'), 'left');
    utimesSync(path.join(uploads, 'export-1-old.djleak'), new Date(0), new Date(0));
    writeFileSync(path.join(uploads, 'export-2-new.djleak'), 'in use');
    const next = await startWebServer(engine, createHandlers(engine));
    cleanups.push(() => next.close());
    expect(readdirSync(uploads)).toEqual(['export-2-new.djleak']);
  });

  it('an export without a file goes to the data folder exports/', async () => {
    const engine = testEngine(cleanups);
    const { session, seconds } = buildOneHourSession(engine);
    // ended, so that its import reproduces it exactly (one exported while it runs is imported ended at its last sample)
    engine.library.updateSession(session, { status: 'stopped', ended_at: seconds });
    const out = await dispatch(createHandlers(engine), 'sessions.export', { id: session });
    expect(out.file).toBe(path.join(engine.dataHome, 'exports', `bench-${session}.djleak`));
    expect(existsSync(out.file)).toBe(true);
  });
});
