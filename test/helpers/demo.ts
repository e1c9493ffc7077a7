import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const demoVenv = process.env.DJLEAK_DEMO_VENV ?? path.join(repoRoot, '.cache', 'demo-venv');
export const demoPython = path.join(demoVenv, 'bin', 'python');

export interface DemoEndpoint {
  method: string;
  path: string;
  leaks: boolean;
  checklist: string | null;
  planted: string | null;
  cause: string | null;
}

/**
 * The checklist against the manifest: each planted leak is claimed by a suspect finding for exactly its own
 * checklist item, and no suspect finding points at a control. Returns what differs (empty: all agree).
 */
export function findingMismatches(
  findings: readonly { item: string; status: string; endpoints: readonly { path: string }[] }[],
  manifest: readonly DemoEndpoint[] = demoEndpoints(),
): string[] {
  const problems: string[] = [];
  for (const e of manifest) {
    const items = findings
      .filter((f) => f.status === 'suspect' && f.endpoints.some((x) => x.path === e.path))
      .map((f) => f.item);
    const want = e.leaks ? [e.checklist] : [];
    if (JSON.stringify(items) !== JSON.stringify(want))
      problems.push(`${e.path}: suspect for [${items.join(', ')}], expected [${want.join(', ')}]`);
  }
  return problems;
}

export function demoEndpoints(): DemoEndpoint[] {
  return JSON.parse(
    readFileSync(path.join(repoRoot, 'assets', 'examples', 'leaky_shop', 'leaks.json'), 'utf8'),
  ) as DemoEndpoint[];
}

/** The slow_leaks example's manifest: the demo's fields plus the bytes each leak retains per request. */
export function slowLeaksEndpoints(): (DemoEndpoint & { bytes_per_request: number })[] {
  return JSON.parse(
    readFileSync(path.join(repoRoot, 'assets', 'examples', 'slow_leaks', 'leaks.json'), 'utf8'),
  ) as (DemoEndpoint & { bytes_per_request: number })[];
}

/** The lending_library example's manifest: whether a page needs a login, and how discovery finds its path. */
export interface LibraryEndpoint extends DemoEndpoint {
  bytes_per_request: number;
  login: boolean;
  /** The route of a path with parameters (null: the path is the route). */
  route: string | null;
  discovery: 'path' | 'filled' | 'skipped';
  /** What the page answers when it is reached (its view ran). */
  status: number;
}

export function lendingLibraryEndpoints(): LibraryEndpoint[] {
  return JSON.parse(
    readFileSync(path.join(repoRoot, 'assets', 'examples', 'lending_library', 'leaks.json'), 'utf8'),
  ) as LibraryEndpoint[];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/djleak.js`) with its own data folder. */
export function runCli(
  args: string[],
  home: string,
  env: NodeJS.ProcessEnv = {},
  onStart?: (pid: number) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'djleak.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DJLEAK_HOME: home, DJLEAK_DEMO_VENV: demoVenv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid) onStart?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
