import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { ApiError } from '../../main/api/errors.ts';
import { Library } from '../../main/store/library.ts';
import { exportSession } from '../../main/store/session-export.ts';
import { SessionWriter } from '../../main/store/writer.ts';
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

/**
 * A project whose settings need SHOP_GREETING (os.environ[…]: a KeyError without it) and print it; its one view
 * answers the greeting and what a module found only on an extra PYTHONPATH says.
 */
function greetingProject(): string {
  return writeDjangoProject(tmp(), 'greet', {
    settings:
      "GREETING = os.environ['SHOP_GREETING']\nprint('greeting from the settings:', GREETING, flush=True)",
    urls: [
      'from django.conf import settings',
      'from django.http import HttpResponse',
      'from django.urls import path',
      'def greeting(request):',
      '    import shop_extras  # only on the PYTHONPATH the environment gives',
      "    return HttpResponse(settings.GREETING + '|' + shop_extras.WHERE)",
      "urlpatterns = [path('greeting/', greeting)]",
      '',
    ].join('\n'),
  });
}

/** A folder holding the module `shop_extras`, for PYTHONPATH. */
function extrasDir(): string {
  const dir = path.join(tmp(), 'extras');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'shop_extras.py'), "WHERE = 'from the extra PYTHONPATH'\n");
  return dir;
}

function stored(db: string): { options: Record<string, unknown>; events: string[]; status: string }[] {
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true });
  try {
    return (
      d.prepare('SELECT id, options, status FROM sessions ORDER BY id').all() as {
        id: number;
        options: string | null;
        status: string;
      }[]
    ).map((s) => ({
      options: JSON.parse(s.options ?? '{}') as Record<string, unknown>,
      status: s.status,
      events: d.prepare('SELECT message FROM events WHERE session_id = ?').pluck().all(s.id) as string[],
    }));
  } finally {
    d.close();
  }
}

describe("the target gets its environment: --env, --env-file, the app's Environment field", () => {
  it('from the app (investigation.start with env): the view answers with it; the session keeps it; exports redact it', async () => {
    const engine = testEngine(cleanups);
    const handlers = createHandlers(engine);
    const project = greetingProject();
    const extras = extrasDir();
    const secret = 'hello-from-the-form-5e1f';
    const { sessionId, port } = await dispatch(handlers, 'investigation.start', {
      project,
      python: demoPython,
      env: { SHOP_GREETING: secret, PYTHONPATH: extras },
    });
    const answer = await fetch(`http://127.0.0.1:${port}/greeting/`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(`${secret}|from the extra PYTHONPATH`);
    await dispatch(handlers, 'investigation.stop', { sessionId });
    const session = engine.library.session(sessionId)!;
    expect(JSON.parse(session.options!)).toMatchObject({
      env: { SHOP_GREETING: secret, PYTHONPATH: extras },
    });

    const dir = tmp();
    const redacted = path.join(dir, 'redacted.djleak');
    await dispatch(handlers, 'sessions.export', { id: sessionId, file: redacted });
    const [copy] = stored(redacted);
    expect(copy!.options.env).toEqual({ SHOP_GREETING: '…', PYTHONPATH: '…' });
    expect(copy!.events).toContain('greeting from the settings: …');
    // Not in any row, nor left behind in the file's free space by the redaction's updates.
    expect(readFileSync(redacted).includes(secret)).toBe(false);

    const kept = path.join(dir, 'kept.djleak');
    await dispatch(handlers, 'sessions.export', { id: sessionId, file: kept, redact: false });
    expect(stored(kept)[0]!.options.env).toEqual({ SHOP_GREETING: secret, PYTHONPATH: extras });
  });

  it('a DJANGO_SETTINGS_MODULE in it counts as the settings: a project without manage.py starts', async () => {
    const engine = testEngine(cleanups);
    const project = greetingProject();
    rmSync(path.join(project, 'manage.py'));
    const { sessionId, port } = await dispatch(createHandlers(engine), 'investigation.start', {
      project,
      python: demoPython,
      env: {
        DJANGO_SETTINGS_MODULE: 'greet.settings',
        SHOP_GREETING: 'no manage.py',
        PYTHONPATH: extrasDir(),
      },
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/greeting/`)).text()).toBe(
      'no manage.py|from the extra PYTHONPATH',
    );
    await engine.running.get(sessionId)!.stop();
  });

  it('from the CLI: --env-file (export, quotes, comments), --env over it; stored with the session', async () => {
    const project = greetingProject();
    const dir = tmp();
    const db = path.join(dir, 'lib.sqlite');
    const file = path.join(dir, 'shop.env');
    writeFileSync(
      file,
      '# the shop\'s settings\n\nexport SHOP_GREETING="hello from the file" # quoted\nDEBUG_LEVEL=2\n',
    );
    const run = (...args: string[]) =>
      runCli(
        ['run', '--project', project, '--python', demoPython, '--duration', '1', '--db', db, ...args],
        dir,
      );

    const fromFile = await run('--env-file', file);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const fromFlag = await run('--env-file', file, '--env', 'SHOP_GREETING=hello=from the flag');
    expect(fromFlag.code, fromFlag.stderr).toBe(0);

    const [first, second] = stored(db);
    expect(first!.status).toBe('stopped');
    expect(first!.options.env).toEqual({ SHOP_GREETING: 'hello from the file', DEBUG_LEVEL: '2' });
    expect(first!.events).toContain('greeting from the settings: hello from the file');
    expect(second!.options.env).toEqual({ SHOP_GREETING: 'hello=from the flag', DEBUG_LEVEL: '2' });
    expect(second!.events).toContain('greeting from the settings: hello=from the flag');

    const out = path.join(dir, 'second.djleak');
    const exported = await runCli(['export', '2', out, '--db', db], dir);
    expect(exported.code, exported.stderr).toBe(0);
    expect(stored(out)[0]!.options.env).toEqual({ SHOP_GREETING: '…', DEBUG_LEVEL: '…' });
    expect(readFileSync(out).includes('hello=from the flag')).toBe(false);
  });

  it('without it the start fails on the KeyError, and says to give it: with --env in the CLI, Environment in the app', async () => {
    const project = greetingProject();
    const dir = tmp();
    const cli = await runCli(
      ['run', '--project', project, '--python', demoPython, '--db', path.join(dir, 'l.sqlite')],
      dir,
    );
    expect(cli.code).toBe(1);
    const lines = cli.stderr.split('\n');
    const first = lines.findIndex((l) => l.startsWith('djleak: error:'));
    expect(lines[first]).toBe("djleak: error: KeyError: 'SHOP_GREETING' (greet/settings.py:10)");
    expect(lines[first + 1]).toBe(
      'hint: the settings read the environment variable SHOP_GREETING, which is not set: give it with --env SHOP_GREETING=VALUE (or in a file with --env-file FILE)',
    );

    const engine = testEngine(cleanups);
    const failure = await dispatch(createHandlers(engine), 'investigation.start', {
      project,
      python: demoPython,
    }).then(
      () => null,
      (error: unknown) => error as ApiError,
    );
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure!.field).toBe('env');
    expect(failure!.message.split('\n').slice(0, 2)).toEqual([
      "KeyError: 'SHOP_GREETING' (greet/settings.py:10)",
      'hint: the settings read the environment variable SHOP_GREETING, which is not set: add a line SHOP_GREETING=… to Environment',
    ]);
  });

  it("a redacted export leaves no value behind in the file's freed space, however many rows repeated it", () => {
    const dir = tmp();
    const library = new Library(path.join(dir, 'lib.sqlite'));
    cleanups.push(() => library.close());
    const secret = 'sk_live_4f9a8b7c6d5e4f3a2b1c';
    const id = library.createSession({
      name: 'shop',
      project: '/srv/shop',
      python: '/usr/bin/python3',
      server: 'runserver',
      command: ['python3', 'manage.py', 'runserver'],
      startedAt: 1,
      options: { project: '/srv/shop', env: { STRIPE_KEY: secret } },
    });
    const writer = new SessionWriter(library.db, id);
    for (let i = 0; i < 300; i++)
      writer.addEvent(
        'stdout',
        'info',
        `request ${i}: charging with ${secret} ${'.'.repeat(i % 50)}`,
        null,
        i,
      );
    writer.flush();
    const file = path.join(dir, 'shop.djleak');
    exportSession(library.db, id, file, { redact: true });
    expect(readFileSync(file).includes(secret)).toBe(false);
    expect(stored(file)[0]!.events[0]).toBe('request 0: charging with … ');
  });

  it('bad --env and --env-file are refused before anything starts, with exit 2', async () => {
    const project = greetingProject();
    const dir = tmp();
    const db = path.join(dir, 'lib.sqlite');
    const refused = async (args: string[], message: string): Promise<void> => {
      const result = await runCli(['run', '--project', project, '--db', db, ...args], dir);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`djleak: ${message}`);
    };
    await refused(['--env', 'SHOP_GREETING'], "--env 'SHOP_GREETING' has no '=': write KEY=VALUE");
    await refused(['--env', '=hello'], "--env '=hello' has no name before '='");
    await refused(
      ['--env', 'SHOP-GREETING=hello'],
      "--env 'SHOP-GREETING' is not a valid variable name (letters, digits and _, not starting with a digit)",
    );
    // Node itself reads every `--env-file` argument before any script runs (nodejs/node#54232, still so in
    // Node 26): a file it cannot open stops it with its own message and exit 9; djleak's own check
    // (test/unit/environment.test.ts) answers where Node lets the argument through.
    const missing = path.join(dir, 'missing.env');
    const result = await runCli(['run', '--project', project, '--db', db, '--env-file', missing], dir);
    if (result.code === 9) expect(result.stderr).toContain(`${missing}: not found`);
    else {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`djleak: cannot read --env-file ${missing}: no such file`);
    }
    const bad = path.join(dir, 'bad.env');
    writeFileSync(bad, 'A=1\nexport B="unclosed\n');
    await refused(['--env-file', bad], `--env-file ${bad}, line 2: the value's " is never closed`);
    expect(stored(db)).toEqual([]);
  });
});
