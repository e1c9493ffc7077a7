import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Library } from '../../main/store/library.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { runCli } from '../helpers/demo.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('djleak export / import', () => {
  it('moves a session between libraries, says what it wrote, and refuses a bad file with exit 1', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const from = path.join(t.dir, 'from.sqlite');
    const lib = new Library(from);
    const id = lib.createSession({
      name: 'staging shop',
      project: '/srv/shop',
      python: '/home/ann/.venvs/shop/bin/python',
      server: 'gunicorn',
      command: ['/home/ann/.venvs/shop/bin/python', '-m', 'gunicorn', 'shop.wsgi'],
      startedAt: 1000,
    });
    const proc = lib.addProcess(id, { pid: 7, ppid: 1, role: 'main', argv: [], t: 1000 });
    const writer = new SessionWriter(lib.db, id);
    writer.addRequests(proc, [
      {
        t: 1001,
        method: 'GET',
        route: 'a/',
        path: '/a/',
        status: 200,
        duration_ms: 1,
        rss_before: 1,
        rss_after: 2,
      },
    ]);
    writer.flush();
    lib.close();

    const file = path.join(t.dir, 'shop.djleak');
    const exported = await runCli(['export', String(id), file, '--db', from], t.dir);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^wrote session 1 to .*shop\.djleak \(0\.\d MB, redacted\)/);
    expect(exported.stdout).toMatch(/requests\s+1 rows\s+sha256 [0-9a-f]{16}/);

    const to = path.join(t.dir, 'to.sqlite');
    const imported = await runCli(['import', file, '--db', to], t.dir);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.trim()).toBe('imported shop.djleak as session 1 "staging shop"');
    expect(imported.stderr).toContain('djleak: reading 100%');
    const listed = await runCli(['sessions', '--db', to, '--json'], t.dir);
    const [session] = JSON.parse(listed.stdout) as { python: string; requests: number; origin: string }[];
    expect(session).toMatchObject({ python: '…/bin/python', requests: 1 });
    expect(JSON.parse(session!.origin)).toMatchObject({ file, original_id: 1 });

    const junk = path.join(t.dir, 'junk.djleak');
    writeFileSync(junk, 'not a database at all, just text');
    const refused = await runCli(['import', junk, '--db', to], t.dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('djleak: error: junk.djleak is not a djleak session file');
    const usage = await runCli(['export', '1', '--db', to], t.dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('export needs a session id and a file');
  });
});
