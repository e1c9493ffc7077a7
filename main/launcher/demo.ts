import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { demoVenvPath } from '../paths.ts';
import { LaunchError } from './errors.ts';
import { exampleRequirements } from './examples.ts';

function run(
  cmd: string,
  args: string[],
  onLine: (line: string) => void,
): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        onLine(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolve({ code: null, tail: [...tail, error.message] }));
    child.on('exit', (code) => resolve({ code, tail }));
  });
}

const venvPython = (venv: string): string =>
  process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

/**
 * The demo and the other examples run in one virtualenv inside the data folder: made with `python3 -m venv`
 * and `pip install -r requirements.txt` (every example's) on first use, reused afterwards.
 */
export async function ensureDemoVenv(dataHome: string, progress: (line: string) => void): Promise<string> {
  const venv = demoVenvPath(dataHome);
  const python = venvPython(venv);
  const requirements = exampleRequirements();
  if (existsSync(python)) {
    const check = await run(python, ['-c', 'import django, gunicorn'], () => undefined);
    if (check.code === 0) return python;
    progress(`demo environment at ${venv} is incomplete; reinstalling`);
  }
  mkdirSync(path.dirname(venv), { recursive: true });
  const base = process.env.DJLEAK_BASE_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
  progress(`creating the demo environment (${base} -m venv ${venv})`);
  const made = await run(base, ['-m', 'venv', venv], progress);
  if (made.code !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new LaunchError(
      'demo-setup-failed',
      `could not create the demo virtualenv with ${base} -m venv`,
      made.tail,
    );
  }
  progress('installing the demo requirements (Django, gunicorn)');
  const installed = await run(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', ...requirements.flatMap((r) => ['-r', r])],
    progress,
  );
  if (installed.code !== 0) {
    throw new LaunchError(
      'demo-setup-failed',
      `pip could not install the demo requirements from ${requirements.join(' and ')}`,
      installed.tail,
    );
  }
  progress('demo environment ready');
  return python;
}
