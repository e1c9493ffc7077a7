import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoPython, repoRoot, runCli } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';
import { execFileSync } from 'node:child_process';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((f) => f()));
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function sessionsIn(db: string): { status: string; error: string | null }[] {
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT status, error FROM sessions').all() as {
      status: string;
      error: string | null;
    }[];
  } finally {
    d.close();
  }
}

async function expectRefused(args: string[], message: RegExp, exitCode = 1): Promise<string> {
  const dir = tmp();
  const db = path.join(dir, 'lib.sqlite');
  const result = await runCli([...args, '--db', db], dir);
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stderr).toMatch(message);
  expect(sessionsIn(db)).toEqual([]);
  return db;
}

describe('djleak run refuses bad input with a clear message and writes nothing', () => {
  it('no such project folder', async () => {
    await expectRefused(
      ['run', '--project', '/nonexistent/shop'],
      /error: project folder does not exist: \/nonexistent\/shop/,
    );
  });

  it('a folder without manage.py and no --settings', async () => {
    await expectRefused(['run', '--project', tmp()], /no manage.py in .*pass --settings MODULE/);
  });

  it('a missing interpreter', async () => {
    await expectRefused(
      ['run', '--demo', '--python', '/nonexistent/bin/python'],
      /Python interpreter not found: \/nonexistent\/bin\/python/,
    );
    // A relative path is taken from the current folder (the repository, where runCli runs the CLI).
    await expectRefused(
      ['run', '--example', 'slow_leaks', '--python', 'no-venv/bin/python'],
      new RegExp(`Python interpreter not found: ${path.join(repoRoot, 'no-venv', 'bin', 'python')}$`, 'm'),
    );
  });

  it('an interpreter without Django', async () => {
    const venv = path.join(tmp(), 'bare');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    await expectRefused(
      ['run', '--demo', '--python', path.join(venv, 'bin', 'python')],
      /Django is not importable by .*bare.*pip install django/,
    );
  });

  it('a port already taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expectRefused(
        ['run', '--demo', '--python', demoPython, '--port', String(port)],
        new RegExp(`port ${port} on 127.0.0.1 is already in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it('a malformed scenario file, before anything is launched', async () => {
    const dir = tmp();
    const file = path.join(dir, 's.json');
    writeFileSync(file, '{"endpoints":[{"path":"no-slash"}]}');
    await expectRefused(
      ['run', '--demo', '--scenario', file],
      /scenario .*s\.json: endpoints\.0\.path: must start with \//,
      2,
    );
    writeFileSync(file, '{"endpoints":[{"path":"/"}],"min_leak":-1}');
    await expectRefused(['run', '--demo', '--scenario', file], /scenario .*s\.json: min_leak: /, 2);
    writeFileSync(file, '{"endpoints": [');
    await expectRefused(['run', '--demo', '--scenario', file], /is not valid JSON/, 2);
    await expectRefused(
      ['run', '--demo', '--scenario', path.join(dir, 'missing.json')],
      /cannot read scenario .*ENOENT/,
      2,
    );
  });

  it('bad usage', async () => {
    await expectRefused(['run'], /give exactly one of --demo, --example NAME or --project DIR/, 2);
    await expectRefused(
      ['run', '--example', 'fast_leaks'],
      /no example 'fast_leaks': --example takes one of leaky_shop, slow_leaks/,
      2,
    );
    await expectRefused(
      ['run', '--example', 'slow_leaks', '--demo'],
      /give exactly one of --demo, --example NAME or --project DIR/,
      2,
    );
    await expectRefused(
      ['run', '--example', 'slow_leaks', '--project', tmp()],
      /give exactly one of --demo, --example NAME or --project DIR/,
      2,
    );
    await expectRefused(['run', '--demo', '--workers', 'many'], /--workers must be a whole number/, 2);
    await expectRefused(['run', '--demo', '--server', 'uwsgi'], /--server must be runserver or gunicorn/, 2);
    await expectRefused(
      ['run', '--demo', '--scan', '--min-leak', '0'],
      /--min-leak must be a whole number from 1 to/,
      2,
    );
    await expectRefused(
      // `--max-requests -5` is refused by parseArgs as an ambiguous option; `=` passes the value on.
      ['run', '--demo', '--scan', '--max-requests=-5'],
      /--max-requests must be a whole number from 1 to/,
      2,
    );
    await expectRefused(['run', '--demo', '--min-leak', '64'], /set a scan: give --scan or --scenario/, 2);
    await expectRefused(
      ['run', '--demo', '--scan', '--worker-budget', 'lots'],
      /--worker-budget must be a whole number/,
      2,
    );
  });

  it('a target that exits during start-up: the session is stored as failed with its last stderr lines', async () => {
    const project = tmp();
    writeFileSync(
      path.join(project, 'manage.py'),
      "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'brokenproj.settings')\n" +
        'from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
    );
    mkdirSync(path.join(project, 'brokenproj'));
    writeFileSync(path.join(project, 'brokenproj', '__init__.py'), '');
    writeFileSync(
      path.join(project, 'brokenproj', 'settings.py'),
      'import payments_sdk_that_is_not_installed\n',
    );
    const db = path.join(project, 'lib.sqlite');
    const result = await runCli(['run', '--project', project, '--python', demoPython, '--db', db], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the Django process exited during start-up \(exit code 1\)/);
    expect(result.stderr).toMatch(/No module named 'payments_sdk_that_is_not_installed'/);
    const stored = sessionsIn(db);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.status).toBe('failed');
    expect(stored[0]!.error).toContain('payments_sdk_that_is_not_installed');
  });
});
