import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { ApiError } from '../../main/api/errors.ts';
import { demoPython, runCli } from '../helpers/demo.ts';
import { writeDjangoProject } from '../helpers/django-project.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const CASES = [
  {
    what: "MIDDLEWARE names whitenoise's middleware",
    settings: "MIDDLEWARE = ['whitenoise.middleware.WhiteNoiseMiddleware']",
    module: 'whitenoise',
    // Django imports it while it builds the WSGI handler, from the project's wsgi.py.
    where: /\(django\/utils\/module_loading\.py:\d+, reached from shop\/wsgi\.py:4\)$/,
    hint: `install it into the project's interpreter: ${demoPython} -m pip install whitenoise`,
  },
  {
    what: 'INSTALLED_APPS names the debug toolbar',
    settings: "INSTALLED_APPS = ['django.contrib.contenttypes', 'debug_toolbar']",
    module: 'debug_toolbar',
    where: /\(django\/apps\/config\.py:\d+, reached from (manage\.py:4|shop\/wsgi\.py:4)\)$/,
    hint: `install the package that provides 'debug_toolbar' into the project's interpreter: ${demoPython} -m pip install django-debug-toolbar`,
  },
] as const;

describe('a start that fails on a module that is not installed names it first', () => {
  for (const c of CASES)
    for (const server of ['runserver', 'gunicorn'] as const)
      it(`${c.what}, under ${server}: the first error line is the ModuleNotFoundError, then the hint`, async () => {
        const project = writeDjangoProject(tmp(), 'shop', { settings: c.settings });
        const db = path.join(project, 'lib.sqlite');
        const result = await runCli(
          [
            'run',
            '--project',
            project,
            '--python',
            demoPython,
            '--server',
            server,
            '--workers',
            '2',
            '--db',
            db,
          ],
          project,
        );
        expect(result.code, result.stderr).toBe(1);
        const lines = result.stderr.split('\n');
        const first = lines.findIndex((l) => /error/i.test(l));
        expect(lines[first]).toMatch(
          new RegExp(`^djleak: error: ModuleNotFoundError: No module named '${c.module}' `),
        );
        expect(lines[first]).toMatch(c.where);
        expect(lines[first + 1]).toBe(`hint: ${c.hint}`);
        expect(lines[first + 2]).toMatch(/^the Django process exited during start-up \((exit code \d+)\)/);
        // The full output stays: the last lines follow, and the session keeps the message and those lines.
        expect(result.stderr).toContain('last lines from the target:');
        const d = new Database(db, { readonly: true });
        try {
          const session = d.prepare('SELECT id, status, error FROM sessions').get() as {
            id: number;
            status: string;
            error: string;
          };
          expect(session.status).toBe('failed');
          expect(session.error.split('\n')[0]).toBe(lines[first]!.replace('djleak: error: ', ''));
          const output = d.prepare('SELECT message FROM events WHERE session_id = ?').pluck().all(session.id);
          expect(output).toContain(`ModuleNotFoundError: No module named '${c.module}'`);
        } finally {
          d.close();
        }
      });

  it('runserver with the WSGI_APPLICATION setting: the cause, not the ImproperlyConfigured it was raised as', async () => {
    const project = writeDjangoProject(tmp(), 'shop', { settings: CASES[0].settings });
    const result = await runCli(
      ['run', '--project', project, '--python', demoPython, '--db', path.join(project, 'l.sqlite')],
      project,
    );
    const lines = result.stderr.split('\n');
    const first = lines.findIndex((l) => l.startsWith('djleak: error:'));
    expect(lines[first]).toMatch(/^djleak: error: ModuleNotFoundError: No module named 'whitenoise'/);
    expect(lines[first + 2]).toBe(
      "the Django process exited during start-up (exit code 1); the last exception was ImproperlyConfigured: WSGI application 'shop.wsgi.application' could not be loaded; Error importing module.",
    );
  });

  it("the app's message names its fields, not the CLI's flags, and says which input it is about", async () => {
    const engine = testEngine(cleanups);
    const handlers = createHandlers(engine);
    const failed = (args: Parameters<typeof dispatch<'investigation.start'>>[2]) =>
      dispatch(handlers, 'investigation.start', args).then(
        () => null,
        (error: unknown) => error as ApiError,
      );
    const noManage = await failed({ project: tmp() });
    expect(noManage).toBeInstanceOf(ApiError);
    expect(noManage!.message).toMatch(
      /^no manage\.py in .*: choose the folder holding manage\.py as Project folder, or fill in Settings module$/,
    );
    expect(noManage!.field).toBe('project');
    const noDjango = await failed({ project: writeDjangoProject(tmp(), 'shop'), python: '/usr/bin/false' });
    expect(noDjango!.field).toBe('python');
    expect(noDjango!.message).not.toMatch(/--/);
    const missing = await failed({
      project: writeDjangoProject(tmp(), 'shop', { settings: CASES[0].settings }),
      python: demoPython,
    });
    expect(missing!.code).toBe('launch-failed');
    expect(missing!.message.split('\n')[0]).toMatch(/^ModuleNotFoundError: No module named 'whitenoise' \(/);
    expect(missing!.detail.length).toBeGreaterThan(0);
    // The session it was stored as, with the whole output, for the app to open.
    expect(engine.library.session(missing!.session!)!.status).toBe('failed');
    expect(missing!.toWire()).toMatchObject({ code: 'launch-failed', session: missing!.session });
    expect(noManage!.session).toBeNull();
  });
});
