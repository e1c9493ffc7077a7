import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { demoVenvPath } from '../paths.ts';
import { LaunchError } from './errors.ts';
import { exampleRequirements } from './examples.ts';

/** The output lines kept from a setup command, its last ones: what a failure shows. */
const KEPT_LINES = 60;

interface Ran {
  code: number | null;
  /** Its last KEPT_LINES lines (stdout and stderr as they came), and a spawn failure's message. */
  tail: string[];
  /** Its lines starting "ERROR:" (pip's way of saying what failed), wherever they were. */
  errors: string[];
  seconds: number;
}

/** Runs a setup command and keeps its output to itself: it is shown only if the command fails. */
function run(cmd: string, args: string[]): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    const tail: string[] = [];
    const errors: string[] = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (line: string): void => {
      if (!line.trim()) return;
      tail.push(line);
      if (tail.length > KEPT_LINES) tail.shift();
      if (line.startsWith('ERROR:') && errors.length < 20) errors.push(line.slice('ERROR:'.length).trim());
    };
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', take);
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', take);
    const done = (code: number | null, extra: string[] = []): void =>
      resolve({ code, tail: [...tail, ...extra], errors, seconds: (performance.now() - started) / 1000 });
    child.on('error', (error) => done(null, [error.message]));
    // 'close', not 'exit': every line of both pipes has been read by then
    child.on('close', (code) => done(code));
  });
}

const venvPython = (venv: string): string =>
  process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

/** pip retried a connection and gave up: it could not reach an index (offline, a proxy, a firewall). */
const UNREACHABLE = /NewConnectionError|Failed to establish a new connection|Max retries exceeded|ProxyError/;

/** "12 s", at least 1. */
const took = (seconds: number): string => `${Math.max(1, Math.round(seconds))} s`;

/** What pip installed, from its "Successfully installed Django-5.2.1 asgiref-3.8.1 …" line. */
function installedSummary(ran: Ran): string {
  const line = ran.tail.findLast((l) => l.startsWith('Successfully installed '));
  if (!line) return `the demo environment already had its requirements (${took(ran.seconds)})`;
  const packages = line
    .slice('Successfully installed '.length)
    .trim()
    .split(/\s+/)
    .map((p) => ({ name: p.slice(0, p.lastIndexOf('-')), version: p.slice(p.lastIndexOf('-') + 1) }));
  const main = packages.find((p) => p.name.toLowerCase() === 'django') ?? packages[0]!;
  const others = packages.length - 1;
  const more = others ? ` and ${others} other package${others === 1 ? '' : 's'}` : '';
  return `installed ${main.name} ${main.version}${more} into the demo environment (${took(ran.seconds)})`;
}

/**
 * `python -m pip install -r …` for each requirements file. pip's output (its progress, and the retry warnings it
 * prints while an index cannot be reached, even when the install then succeeds from another) is kept back:
 * resolves to one line saying what was installed; on failure, throws with pip's own reason first and its last
 * lines as the detail.
 */
export async function installRequirements(python: string, requirements: string[]): Promise<string> {
  const ran = await run(python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    ...requirements.flatMap((r) => ['-r', r]),
  ]);
  if (ran.code === 0) return installedSummary(ran);
  const files = requirements.join(' and ');
  // pip's first ERROR line is the most specific (what could not be found, built or resolved); later ones sum up
  const reason = ran.errors[0] ?? ran.tail.at(-1) ?? `pip ended with exit code ${ran.code}`;
  const notes = ran.errors.slice(1);
  if (ran.tail.some((l) => UNREACHABLE.test(l)))
    notes.push(
      'hint: pip could not reach a package index (see its retries below): check the network connection, or point pip at an index it can reach (PIP_INDEX_URL, PIP_PROXY)',
    );
  throw new LaunchError(
    'demo-setup-failed',
    [`pip could not install the requirements of ${files}: ${reason}`, ...notes].join('\n'),
    ran.tail,
  );
}

/**
 * The demo and the other examples run in one virtualenv inside the data folder: made with `python3 -m venv`
 * and `pip install -r requirements.txt` (every example's) on first use, reused afterwards. `progress` gets a
 * line per step; the commands' own output only reaches the user if one fails (in the error).
 */
export async function ensureDemoVenv(dataHome: string, progress: (line: string) => void): Promise<string> {
  const venv = demoVenvPath(dataHome);
  const python = venvPython(venv);
  const requirements = exampleRequirements();
  if (existsSync(python)) {
    const check = await run(python, ['-c', 'import django, gunicorn']);
    if (check.code === 0) return python;
    progress(`demo environment at ${venv} is incomplete; reinstalling`);
  }
  mkdirSync(path.dirname(venv), { recursive: true });
  const base = process.env.DJLEAK_BASE_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
  progress(`creating the demo environment (${base} -m venv ${venv})`);
  const made = await run(base, ['-m', 'venv', venv]);
  if (made.code !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new LaunchError(
      'demo-setup-failed',
      `could not create the demo virtualenv with ${base} -m venv: ${made.tail.at(-1) ?? `exit code ${made.code}`}`,
      made.tail,
    );
  }
  progress('installing Django and gunicorn into the demo environment with pip');
  progress(await installRequirements(python, requirements));
  return python;
}
