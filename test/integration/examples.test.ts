import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../main/analysis/report.ts';
import { demoPython, repoRoot, runCli } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((f) => f()));
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function storedSession(db: string, id: number): { name: string; project: string; options: string } {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT name, project, options FROM sessions WHERE id = ?').get(id) as {
      name: string;
      project: string;
      options: string;
    };
  } finally {
    d.close();
  }
}

describe('djleak run --example', () => {
  it('slow_leaks: starts the example in the managed virtualenv and scans its endpoints', async () => {
    const dir = tmp();
    const scenario = path.join(dir, 'scenario.json');
    writeFileSync(
      scenario,
      JSON.stringify({ endpoints: [{ path: '/', requests: 20 }], rounds: 2, max_requests: 20 }),
    );
    const db = path.join(dir, 'lib.sqlite');
    const json = path.join(dir, 'report.json');
    const result = await runCli(
      ['run', '--example', 'slow_leaks', '--scenario', scenario, '--json', json, '--db', db],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const slowLeaks = path.join(repoRoot, 'assets', 'examples', 'slow_leaks');
    expect(report.session.project).toBe(slowLeaks);
    expect(report.session.status).toBe('stopped');
    expect(report.session.python).toBe(demoPython);
    expect(report.session.django).toMatch(/^5\.2/);
    const root = report.endpoints.find((e) => e.paths.includes('/'));
    expect(root, JSON.stringify(report.endpoints)).toBeDefined();
    expect(root!.sent).toBeGreaterThanOrEqual(20);
    expect(root!.verdict).toBeDefined();

    const stored = storedSession(db, report.session.id);
    expect(stored.name).toMatch(/^slow_leaks /);
    expect(stored.project).toBe(slowLeaks);
    // A re-run starts the example again, not a project folder with whatever Python is on PATH.
    expect(JSON.parse(stored.options)).toEqual({ example: 'slow_leaks', server: 'runserver' });
  });

  it('--example leaky_shop is the demo, stored as the demo', async () => {
    const dir = tmp();
    const db = path.join(dir, 'lib.sqlite');
    const json = path.join(dir, 'report.json');
    const result = await runCli(
      ['run', '--example', 'leaky_shop', '--duration', '1', '--json', json, '--db', db],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.session.project).toBe(path.join(repoRoot, 'assets', 'examples', 'leaky_shop'));
    expect(JSON.parse(storedSession(db, report.session.id).options)).toEqual({
      demo: true,
      server: 'runserver',
    });
  });

  it('--python takes a relative path from the current folder', async () => {
    const dir = tmp();
    const db = path.join(dir, 'lib.sqlite');
    const json = path.join(dir, 'report.json');
    // runCli runs in the repository: the interpreter relative to it, as `--python .cache/demo-venv/bin/python`.
    const relative = path.relative(repoRoot, demoPython);
    expect(path.isAbsolute(relative)).toBe(false);
    const result = await runCli(
      ['run', '--demo', '--python', relative, '--duration', '1', '--json', json, '--db', db],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.session.python).toBe(demoPython);
    expect(JSON.parse(storedSession(db, report.session.id).options)).toMatchObject({ python: demoPython });
  });
});
