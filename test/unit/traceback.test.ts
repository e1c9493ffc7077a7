import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  describeFailure,
  exceptionLine,
  rootCause,
  type FailureContext,
} from '../../main/launcher/start-failure.ts';
import { fatalChain, parseTracebacks } from '../../main/launcher/traceback.ts';

/** Real output of failed starts (test/unit/tracebacks/make.sh prints them again). */
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tracebacks');
const output = (name: string): string[] =>
  readFileSync(path.join(fixtures, `${name}.txt`), 'utf8').split('\n');

const PROJECT = '/home/me/shop';
const PYTHON = '/home/me/shop/.venv/bin/python';
const context = (own: string[] = ['shop']): FailureContext => ({
  project: PROJECT,
  python: PYTHON,
  isProjectModule: (name) => own.includes(name),
});

/** A chain printed by the Python running these tests, not a copy. */
function pythonStderr(code: string): string[] {
  try {
    execFileSync('python3', ['-c', code], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    return String((error as { stderr: string }).stderr).split('\n');
  }
  throw new Error('the script did not fail');
}

describe('parseTracebacks', () => {
  it('reads a chain oldest first, with how each exception follows the one before', () => {
    const [chain, ...others] = parseTracebacks(output('middleware-runserver'));
    expect(others).toEqual([]);
    expect(chain!.partial).toBe(false);
    expect(chain!.exceptions.map((e) => [e.type, e.message, e.link])).toEqual([
      ['ModuleNotFoundError', "No module named 'whitenoise'", null],
      [
        'django.core.exceptions.ImproperlyConfigured',
        "WSGI application 'shop.wsgi.application' could not be loaded; Error importing module.",
        'cause',
      ],
    ]);
    const root = chain!.exceptions[0]!;
    expect(root.frames[0]).toEqual({
      file: '/home/me/shop/.venv/lib/python3.11/site-packages/django/core/servers/basehttp.py',
      line: 48,
      func: 'get_internal_wsgi_application',
      code: 'return import_string(app_path)',
    });
    expect(root.frames.at(-1)).toEqual({
      file: '<frozen importlib._bootstrap>',
      line: 1140,
      func: '_find_and_load_unlocked',
      code: null,
    });
    expect(root.frames).toHaveLength(24);
  });

  it('reads "During handling of the above exception" chains, as this machine\'s Python prints them', () => {
    const lines = pythonStderr(
      [
        'def load():',
        '    try:',
        "        {}['key']",
        '    except KeyError:',
        "        raise RuntimeError('cannot load the catalogue')",
        'load()',
      ].join('\n'),
    );
    const chain = fatalChain(lines)!;
    expect(chain.exceptions.map((e) => [e.type, e.message, e.link])).toEqual([
      ['KeyError', "'key'", null],
      ['RuntimeError', 'cannot load the catalogue', 'context'],
    ]);
    expect(chain.exceptions[0]!.frames).toEqual([{ file: '<string>', line: 3, func: 'load', code: null }]);
    // The stored copy (the demo's Python 3.11) reads the same.
    expect(fatalChain(output('context-chain'))!.exceptions.map((e) => e.link)).toEqual([null, 'context']);
  });

  it('reads "raise … from" chains of three, and exceptions without a message', () => {
    const lines = pythonStderr(
      [
        'try:',
        '    try:',
        '        raise StopIteration',
        '    except StopIteration as e:',
        "        raise ValueError('bad value') from e",
        'except ValueError:',
        "    raise SystemError('gave up')",
      ].join('\n'),
    );
    expect(fatalChain(lines)!.exceptions.map((e) => [e.type, e.message, e.link])).toEqual([
      ['StopIteration', '', null],
      ['ValueError', 'bad value', 'cause'],
      ['SystemError', 'gave up', 'context'],
    ]);
  });

  it('keeps gunicorn workers apart: one chain per worker, the log lines around them skipped', () => {
    const chains = parseTracebacks(output('middleware-gunicorn'));
    expect(chains).toHaveLength(2);
    for (const chain of chains)
      expect(chain.exceptions.map((e) => e.message)).toEqual(["No module named 'whitenoise'"]);
  });

  it("passes over gunicorn's HaltServer, printed after the workers' chains when two fail together", () => {
    const lines = output('halt-server-gunicorn');
    const chains = parseTracebacks(lines);
    expect(chains.map((c) => c.exceptions.map((e) => e.type.split('.').pop()))).toEqual([
      ['ModuleNotFoundError'],
      ['ModuleNotFoundError'],
      ['HaltServer', 'HaltServer'],
    ]);
    expect(fatalChain(lines)!.exceptions[0]!.message).toBe("No module named 'whitenoise'");
    // With nothing but the report, the report.
    expect(
      fatalChain(lines.slice(lines.lastIndexOf("No module named 'whitenoise'") + 1))!.exceptions[0]!.type,
    ).toBe('gunicorn.errors.HaltServer');
  });

  it("reads a SyntaxError's location as a frame without a function", () => {
    const root = fatalChain(output('syntax-gunicorn'))!.exceptions[0]!;
    expect([root.type, root.message]).toEqual(['SyntaxError', "'{' was never closed"]);
    expect(root.frames.at(-1)).toEqual({
      file: '/home/me/shop/shop/settings.py',
      line: 9,
      func: null,
      code: "CACHES = {'default': {'BACKEND': 'x'}",
    });
  });

  it('marks a chain whose beginning is not in the output, and prefers a complete one', () => {
    const lines = output('middleware-runserver');
    const cut = lines.slice(
      lines.indexOf('The above exception was the direct cause of the following exception:'),
    );
    const [chain] = parseTracebacks(cut);
    expect(chain!.partial).toBe(true);
    expect(chain!.exceptions.map((e) => e.type)).toEqual(['django.core.exceptions.ImproperlyConfigured']);
    expect(fatalChain([...lines, '', ...cut])!.partial).toBe(false);
  });

  it('reads a traceback Python 3.13 coloured (FORCE_COLOR) as the plain one', () => {
    const plain = output('environ-runserver');
    const coloured = plain.map((l) =>
      l.startsWith('KeyError') ? `\x1b[1;35mKeyError\x1b[0m: \x1b[35m'STRIPE_KEY'\x1b[0m` : l,
    );
    expect(parseTracebacks(coloured)).toEqual(parseTracebacks(plain));
  });

  it('finds nothing in output without a traceback', () => {
    expect(parseTracebacks(['Watching for file changes', 'Error: That port is already in use.', ''])).toEqual(
      [],
    );
    expect(fatalChain([])).toBeNull();
  });
});

describe('rootCause: the first exception, where it was raised, and what to do', () => {
  it('a middleware that is not installed, under runserver: the ModuleNotFoundError, not ImproperlyConfigured', () => {
    const cause = rootCause(output('middleware-runserver'), context())!;
    expect(cause.where).toEqual({ file: 'django/utils/module_loading.py', line: 15, kind: 'library' });
    expect(cause.from).toEqual({ file: 'shop/wsgi.py', line: 4, kind: 'project' });
    const text = describeFailure(cause, 'the Django process exited during start-up (exit code 1)');
    expect(text.cli.split('\n')).toEqual([
      "ModuleNotFoundError: No module named 'whitenoise' (django/utils/module_loading.py:15, reached from shop/wsgi.py:4)",
      `hint: install it into the project's interpreter: ${PYTHON} -m pip install whitenoise`,
      "the Django process exited during start-up (exit code 1); the last exception was ImproperlyConfigured: WSGI application 'shop.wsgi.application' could not be loaded; Error importing module.",
    ]);
    expect(text.app).toBe(text.cli);
  });

  it("under gunicorn, when the master's HaltServer came last: still the workers' cause", () => {
    const cause = rootCause(output('halt-server-gunicorn'), context())!;
    expect(exceptionLine(cause.root)).toBe("ModuleNotFoundError: No module named 'whitenoise'");
    expect(cause.hint!.cli).toMatch(/-m pip install whitenoise$/);
  });

  it('the same under gunicorn, from the last worker', () => {
    const cause = rootCause(output('middleware-gunicorn'), context())!;
    expect(cause.last).toBeNull();
    expect(describeFailure(cause, 'exited').cli.split('\n')[0]).toBe(
      "ModuleNotFoundError: No module named 'whitenoise' (django/utils/module_loading.py:15, reached from shop/wsgi.py:4)",
    );
  });

  it('an app in INSTALLED_APPS whose package has another name', () => {
    const cause = rootCause(output('installed-apps-runserver'), context())!;
    expect(cause.where).toEqual({ file: 'django/apps/config.py', line: 193, kind: 'library' });
    // manage.py is printed relative to the working folder, the project.
    expect(cause.from).toEqual({ file: 'manage.py', line: 4, kind: 'project' });
    expect(cause.hint!.cli).toBe(
      `install the package that provides 'debug_toolbar' into the project's interpreter: ${PYTHON} -m pip install django-debug-toolbar`,
    );
  });

  it('an unknown package is named as the one that provides the module', () => {
    const lines = output('installed-apps-runserver').map((l) => l.replace('debug_toolbar', 'payments_sdk'));
    expect(rootCause(lines, context())!.hint!.cli).toMatch(
      /^install the package that provides 'payments_sdk' into the project's interpreter: .* -m pip install <package> \(often named 'payments-sdk'/,
    );
  });

  it("a module of the project's own, or a submodule a package lacks, is not something to install", () => {
    const own = output('installed-apps-runserver').map((l) => l.replace("'debug_toolbar'", "'shop_extras'"));
    expect(rootCause(own, context(['shop', 'shop_extras']))!.hint!.cli).toMatch(
      /^'shop_extras' is not a module of the project: check that name where it is used/,
    );
    const sub = output('installed-apps-runserver').map((l) =>
      l.replace("'debug_toolbar'", "'django.contrib.sitemap'"),
    );
    expect(rootCause(sub, context())!.hint!.cli).toMatch(
      /^'django\.contrib' is installed but has no module 'sitemap'/,
    );
  });

  it('an environment variable the settings read: the hint names --env in the CLI, Environment in the app', () => {
    const cause = rootCause(output('environ-runserver'), context())!;
    expect(cause.where).toEqual({ file: 'shop/settings.py', line: 10, kind: 'project' });
    expect(cause.from).toBeNull();
    expect(cause.field).toBe('env');
    const text = describeFailure(cause, 'exited');
    expect(text.cli.split('\n').slice(0, 2)).toEqual([
      "KeyError: 'STRIPE_KEY' (shop/settings.py:10)",
      'hint: the settings read the environment variable STRIPE_KEY, which is not set: give it with --env STRIPE_KEY=VALUE (or in a file with --env-file FILE)',
    ]);
    expect(text.app.split('\n')[1]).toBe(
      'hint: the settings read the environment variable STRIPE_KEY, which is not set: add a line STRIPE_KEY=… to Environment',
    );
    expect(text.app).not.toMatch(/--/);
  });

  it("a SyntaxError in the settings is placed on the settings' line", () => {
    const cause = rootCause(output('syntax-gunicorn'), context())!;
    expect(cause.where).toEqual({ file: 'shop/settings.py', line: 9, kind: 'project' });
    expect(cause.hint).toBeNull();
    expect(describeFailure(cause, 'exited').cli.split('\n')).toEqual([
      "SyntaxError: '{' was never closed (shop/settings.py:9)",
      'exited',
    ]);
  });

  it('a failed system check (no traceback): its first error', () => {
    const cause = rootCause(output('system-check-runserver'), context())!;
    expect(
      describeFailure(cause, 'the Django process exited during start-up (exit code 1)').cli.split('\n'),
    ).toEqual([
      "SystemCheckError: (caches.E001) You must define a 'default' cache in your CACHES setting.",
      'hint: fix it in the settings or the code it names; `python manage.py check` lists every issue',
      'the Django process exited during start-up (exit code 1)',
    ]);
  });

  it('no traceback, no cause', () => {
    expect(rootCause(['Error: That port is already in use.'], context())).toBeNull();
  });
});
