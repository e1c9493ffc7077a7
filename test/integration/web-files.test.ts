import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { sessionDigest } from '../../main/store/session-digest.ts';
import { startWebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { buildOneHourSession } from '../helpers/synthetic.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('session files in browser mode (no paths in the page)', () => {
  it('downloads an export, uploads it back as a new session, refuses junk and calls without the token', async () => {
    const engine = testEngine(cleanups);
    const handlers = createHandlers(engine);
    const { session } = buildOneHourSession(engine);
    const web = await startWebServer(engine, handlers);
    cleanups.push(() => web.close());
    const base = `http://127.0.0.1:${web.port}`;

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

  it('an export without a file goes to the data folder exports/', async () => {
    const engine = testEngine(cleanups);
    const { session } = buildOneHourSession(engine);
    const out = await dispatch(createHandlers(engine), 'sessions.export', { id: session });
    expect(out.file).toBe(path.join(engine.dataHome, 'exports', `bench-${session}.djleak`));
    expect(existsSync(out.file)).toBe(true);
  });
});
