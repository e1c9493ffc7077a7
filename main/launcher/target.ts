import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { probeDir } from '../paths.ts';
import { INTERNAL_HEADER } from '../probe/protocol.ts';
import { LaunchError } from './errors.ts';
import { wsgiModuleFor, type ProjectLayout } from './project.ts';
import { describeFailure, rootCause, type FailureContext } from './start-failure.ts';

export type ServerKind = 'runserver' | 'gunicorn';

export interface TargetSpec {
  project: ProjectLayout;
  python: string;
  server: ServerKind;
  workers: number;
  port: number;
  collector: string;
  token: string;
  extraEnv?: Record<string, string>;
}

export interface TargetExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The argv after `python -m djleak_probe run --`. */
export function targetCommand(spec: Pick<TargetSpec, 'project' | 'server' | 'workers' | 'port'>): string[] {
  const bind = `127.0.0.1:${spec.port}`;
  if (spec.server === 'gunicorn') {
    const wsgi = wsgiModuleFor(spec.project.settings);
    if (!wsgi)
      throw new LaunchError(
        'not-django',
        {
          cli: 'cannot tell the WSGI module for gunicorn: pass --settings package.settings',
          app: 'cannot tell the WSGI module for gunicorn: fill in Settings module (package.settings)',
        },
        [],
        { field: 'settings' },
      );
    return [
      '-m',
      'gunicorn',
      wsgi,
      '--workers',
      String(spec.workers),
      '--bind',
      bind,
      '--graceful-timeout',
      '5',
      '--timeout',
      '120',
    ];
  }
  const runserver = ['runserver', bind, '--noreload'];
  return spec.project.managePy ? ['manage.py', ...runserver] : ['-m', 'django', ...runserver];
}

/** The full argv the launcher spawns: the probe's runner around the user's server command. */
export function targetArgv(
  spec: Pick<TargetSpec, 'python' | 'project' | 'server' | 'workers' | 'port'>,
): string[] {
  return [spec.python, '-m', 'djleak_probe', 'run', '--', ...targetCommand(spec)];
}

/**
 * stderr lines kept: enough for the whole traceback chain of a failed start (a missing middleware under
 * gunicorn prints ~65 lines per worker, and its root exception comes first).
 */
const TAIL_LINES = 400;

/**
 * GLIBC_TUNABLES for the target: glibc's per-thread cache of freed chunks (tcache, up to 7 chunks per size up
 * to 1 KB in every thread) turned off, unless the user's own tunables set it. mallinfo counts those chunks as
 * in use, so the heap read after a full collection grew as the long-lived threads' caches filled: 15-27 KB
 * between two measurements with no request at all, and a template view under gunicorn read as a leak of
 * 23-113 B/request over 1,480 requests; without it the same view moves under 16 B/request in 100. Malloc then
 * takes its arena's fast bins instead; Python's own small objects never went through malloc.
 */
export function targetTunables(existing: string | undefined): string {
  if (existing && /(^|:)glibc\.malloc\.tcache_count=/.test(existing)) return existing;
  return [existing, 'glibc.malloc.tcache_count=0'].filter(Boolean).join(':');
}

/** One launched Django process tree, in its own process group so a stop reaches every worker. */
export class Target {
  readonly child: ChildProcess;
  readonly argv: string[];
  /** The project folder the target runs in. */
  readonly dir: string;
  readonly stderrTail: string[] = [];
  exit: TargetExit | undefined;
  readonly exited: Promise<TargetExit>;

  constructor(spec: TargetSpec, onLine: (stream: 'stdout' | 'stderr', line: string) => void) {
    this.argv = targetArgv(spec);
    this.dir = spec.project.dir;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...spec.extraEnv,
      // The probe first; then the user's own PYTHONPATH (--env replaces the engine's, as env(1) would).
      PYTHONPATH: [probeDir(), spec.extraEnv?.PYTHONPATH ?? process.env.PYTHONPATH]
        .filter(Boolean)
        .join(path.delimiter),
      PYTHONUNBUFFERED: '1',
      GLIBC_TUNABLES: targetTunables(spec.extraEnv?.GLIBC_TUNABLES ?? process.env.GLIBC_TUNABLES),
      DJLEAK_COLLECTOR: spec.collector,
      DJLEAK_TOKEN: spec.token,
      // The target stops itself if this engine dies without stopping it (assets/probe/djleak_probe/watchdog.py).
      DJLEAK_ENGINE_PID: String(process.pid),
    };
    delete env.DJLEAK_RECORD;
    if (spec.project.settings) env.DJANGO_SETTINGS_MODULE = spec.project.settings;
    this.child = spawn(this.argv[0]!, this.argv.slice(1), {
      cwd: spec.project.dir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      this.child[stream]!.setEncoding('utf8');
      this.child[stream]!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.line(stream, line, onLine);
      });
      this.child[stream]!.on('end', () => {
        if (partial) this.line(stream, partial, onLine);
        partial = '';
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.stderrTail.push(String(error.message));
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // Workers that outlive their master (it crashed, or was killed) must not linger.
        this.killGroup();
        resolve(this.exit);
      });
    });
  }

  private line(
    stream: 'stdout' | 'stderr',
    raw: string,
    onLine: (s: 'stdout' | 'stderr', l: string) => void,
  ): void {
    const line = raw.replace(/\r$/, '');
    if (stream === 'stderr') {
      this.stderrTail.push(line);
      if (this.stderrTail.length > TAIL_LINES) this.stderrTail.shift();
    }
    onLine(stream, line);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a signal to the whole process group (gunicorn master and workers alike). */
  signal(signal: NodeJS.Signals): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      this.child.kill(signal);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the runner has exited. */
  async stop(graceMs = 8000): Promise<TargetExit> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      /* the group is already gone */
    }
  }
}

function httpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        timeout: 2000,
        headers: { 'User-Agent': 'djleak-ready', [INTERNAL_HEADER]: '1' },
      },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** What explaining a failed start asks of the disk: is a module name the project's own? */
function failureContext(target: Target): FailureContext {
  return {
    project: target.dir,
    python: target.argv[0]!,
    isProjectModule: (name) =>
      existsSync(path.join(target.dir, name)) || existsSync(path.join(target.dir, `${name}.py`)),
  };
}

/**
 * Resolves when the server answers HTTP; rejects with the stderr tail if the target exits or times out. An
 * exit is told root cause first: the first exception of the traceback chain that ended it, with a hint.
 */
export async function waitUntilServing(target: Target, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (target.exit) break;
    if (await httpAnswers(port)) return;
    await Promise.race([new Promise((r) => setTimeout(r, 100)), target.exited]);
  }
  const tail = target.stderrTail.slice(-15);
  if (target.exit) {
    const how = target.exit.signal ? `signal ${target.exit.signal}` : `exit code ${target.exit.code}`;
    const summary = `the Django process exited during start-up (${how})`;
    const cause = rootCause(target.stderrTail, failureContext(target));
    if (!cause) throw new LaunchError('exited-during-startup', summary, tail);
    throw new LaunchError('exited-during-startup', describeFailure(cause, summary), tail, {
      ...(cause.field ? { field: cause.field } : {}),
    });
  }
  throw new LaunchError(
    'not-ready',
    `the Django server did not answer on 127.0.0.1:${port} within ${Math.round(timeoutMs / 1000)} s`,
    tail,
  );
}
