import { STDERR_HEADING } from '../preload/contract.ts';
import path from 'node:path';
import type { GaugesDto, StartInvestigationArgs } from '../preload/contract.ts';
import { HeapCapture, type TakenSnapshot } from './heap/capture.ts';
import { Ingest, type IngestedProcess } from './ingest.ts';
import { ensureDemoVenv } from './launcher/demo.ts';
import { LaunchError } from './launcher/errors.ts';
import { DEFAULT_EXAMPLE, exampleDir, requestedExample } from './launcher/examples.ts';
import { resolveInterpreter, type InterpreterInfo } from './launcher/interpreter.ts';
import { choosePort, inspectProject, type ProjectLayout } from './launcher/project.ts';
import { Target, targetArgv, waitUntilServing, type TargetExit, type TargetSpec } from './launcher/target.ts';
import { newToken, ProbeLink, type ProbeConnection } from './probe/link.ts';
import type { RequestRecord, Sample, StreamMessage } from './probe/protocol.ts';
import type { EventLevel, EventSource, Library, SessionStatus } from './store/library.ts';
import { MAX_PENDING, SessionWriter } from './store/writer.ts';

export interface InvestigationOptions extends StartInvestigationArgs {
  readyTimeoutMs?: number;
  flushIntervalMs?: number;
  gaugeIntervalMs?: number;
  /** The session this one re-runs (verifying a fix). */
  follows?: number;
}

/**
 * What a re-run needs to start the same way: the user's choices, not the engine's tuning. The demo is
 * stored as `demo: true` whichever way it was asked for, as older readers of the options expect.
 */
function startArgs(o: InvestigationOptions): StartInvestigationArgs {
  const { project, python, settings, server, workers, port, name, env } = o;
  const example = requestedExample(o);
  const which = example === DEFAULT_EXAMPLE ? { demo: true } : example ? { example } : { project };
  return Object.fromEntries(
    Object.entries({ ...which, python, settings, server, workers, port, name, env }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as StartInvestigationArgs;
}

export type InvestigationEvent =
  | { kind: 'status'; sessionId: number; status: SessionStatus; error?: string }
  | { kind: 'process'; sessionId: number; pid: number; role: string }
  | { kind: 'samples'; sessionId: number; pid: number; items: Sample[] }
  | { kind: 'requests'; sessionId: number; pid: number; items: RequestRecord[] }
  | {
      kind: 'log';
      sessionId: number;
      source: EventSource;
      level: EventLevel;
      message: string;
      pid: number | null;
      t: number;
    }
  | { kind: 'setup'; message: string }
  | { kind: 'flushed'; sessionId: number; rows: number };

export type Listener = (event: InvestigationEvent) => void;

const now = (): number => Date.now() / 1000;
/** How often a running session reads the checklist's gauges (measured at ~20 ms in the demo's process). */
const GAUGE_INTERVAL_MS = 10_000;

/**
 * One profiling session from launch to stop: validates the input before anything is written, launches the
 * target with the probe, ingests the probe streams into the library in batches (main/ingest.ts), and settles
 * the status (stopped by us, crashed on its own, or failed during start-up). Snapshots, censuses and gauges
 * of its serving processes: main/heap/capture.ts.
 */
export class Investigation {
  sessionId = 0;
  port = 0;
  interpreter: InterpreterInfo | undefined;
  private writer: SessionWriter | undefined;
  private link: ProbeLink | undefined;
  private target: Target | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private gaugeTimer: NodeJS.Timeout | undefined;
  /** Measurements under way (holdPeriodic): the periodic gauges wait. */
  private holds = 0;
  private writeFailure: string | null = null;
  private readonly capture: HeapCapture;
  private readonly ingest: Ingest<IngestedProcess>;
  private stopping = false;
  private finished: Promise<SessionStatus> | undefined;
  private listeners = new Set<Listener>();
  private helloSeen: () => void = () => undefined;
  private readonly firstHello = new Promise<void>((resolve) => (this.helloSeen = resolve));

  constructor(
    readonly library: Library,
    private readonly dataHome: string,
    private readonly options: InvestigationOptions,
  ) {
    this.capture = new HeapCapture(this);
    // What a live session adds to the common ingest: its events to the listeners, its log lines at the
    // current time.
    this.ingest = new Ingest<IngestedProcess>({
      library,
      sessionId: () => this.sessionId,
      writer: () => this.writer,
      chunks: this.capture.chunks,
      flush: () => this.flush(),
      open: (hello, processId) => ({ pid: hello.pid, processId }),
      at: now,
      log: (p, { level, message }, t) =>
        this.emit({ kind: 'log', sessionId: this.sessionId, source: 'probe', level, message, pid: p.pid, t }),
      samples: (p, { items }) => this.emit({ kind: 'samples', sessionId: this.sessionId, pid: p.pid, items }),
      requests: (p, { items }) =>
        this.emit({ kind: 'requests', sessionId: this.sessionId, pid: p.pid, items }),
      django: (p, message) =>
        this.log(
          'probe',
          'info',
          `Django ${message.version} set up (settings ${message.settings ?? '?'}; probe middleware ${message.middleware ? 'installed' : 'missing'})`,
          p.pid,
        ),
      // measure, snapshot, gauges: none (record mode's own schedule; a live session asks for these with
      // commands)
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: InvestigationEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get targetPid(): number | undefined {
    return this.target?.pid;
  }

  get connections(): ProbeConnection[] {
    return [...(this.link?.connections ?? [])];
  }

  /** Probes of the processes that serve requests: every connected process that is no other's parent. */
  servers(): ProbeConnection[] {
    const all = this.connections;
    const parents = new Set(all.map((c) => c.hello?.ppid));
    return all.filter((c) => !parents.has(c.pid));
  }

  /** Resolves once Django answers HTTP with the probe connected; throws a LaunchError otherwise. */
  async start(): Promise<void> {
    const o = this.options;
    const server = o.server ?? 'runserver';
    const example = requestedExample(o);
    const projectDir = example ? exampleDir(example) : o.project;
    if (!projectDir)
      throw new LaunchError(
        'project-missing',
        {
          cli: 'no project given: pass --project DIR or --demo',
          app: 'no project given: fill in Project folder',
        },
        [],
        { field: 'project' },
      );
    // A DJANGO_SETTINGS_MODULE given in the environment counts as the settings, as manage.py's setdefault reads it.
    const project: ProjectLayout = inspectProject(projectDir, o.settings ?? o.env?.DJANGO_SETTINGS_MODULE);
    const python =
      example && !o.python
        ? await ensureDemoVenv(this.dataHome, (message) => this.emit({ kind: 'setup', message }))
        : o.python;
    const interpreter = await resolveInterpreter(project.dir, python);
    this.interpreter = interpreter;
    if (server === 'gunicorn' && !interpreter.gunicorn) {
      const problem = `gunicorn is not importable by ${interpreter.python}: pip install gunicorn`;
      throw new LaunchError(
        'gunicorn-missing',
        { cli: `${problem}, or use --server runserver`, app: `${problem}, or choose runserver as Server` },
        [],
        { field: 'server' },
      );
    }
    this.port = await choosePort(o.port);

    const token = newToken();
    const link = new ProbeLink(token, {
      hello: (conn) => this.onHello(conn),
      message: (conn, message) => this.onMessage(conn, message),
      close: (conn) => this.onClose(conn),
      problem: (text, conn) => this.log('engine', 'warning', text, conn?.pid ?? null),
    });
    const linkPort = await link.listen();
    this.link = link;

    const spec: TargetSpec = {
      project,
      python: interpreter.python,
      server,
      workers: o.workers ?? 2,
      port: this.port,
      collector: `127.0.0.1:${linkPort}`,
      token,
      ...(o.env ? { extraEnv: o.env } : {}),
    };
    const startedAt = now();
    this.sessionId = this.library.createSession({
      name:
        o.name ??
        `${path.basename(project.dir)} ${new Date(startedAt * 1000).toISOString().slice(0, 16).replace('T', ' ')}`,
      project: project.dir,
      python: interpreter.python,
      pythonVersion: interpreter.pythonVersion,
      django: interpreter.django,
      server,
      command: targetArgv(spec),
      startedAt,
      options: startArgs(o),
      follows: o.follows ?? null,
    });
    this.writer = new SessionWriter(this.library.db, this.sessionId);
    this.flushTimer = setInterval(() => this.flush(), o.flushIntervalMs ?? 250);

    const target = new Target(spec, (stream, line) =>
      this.log(stream, stream === 'stderr' ? 'warning' : 'info', line, null),
    );
    this.target = target;
    this.log(
      'engine',
      'info',
      `launched ${target.argv.join(' ')} (pid ${target.pid ?? '?'}) in ${project.dir}`,
      null,
    );
    this.finished = target.exited.then((exit) => this.settle(exit));

    try {
      await waitUntilServing(target, this.port, o.readyTimeoutMs ?? 60_000);
      let timer: NodeJS.Timeout | undefined;
      const helloSeen = await Promise.race([
        this.firstHello.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000))),
      ]);
      clearTimeout(timer);
      if (!helloSeen)
        throw new LaunchError(
          'not-ready',
          'the server answers HTTP but the djleak probe never connected',
          target.stderrTail.slice(-15),
        );
    } catch (error) {
      const launchError =
        error instanceof LaunchError ? error : new LaunchError('not-ready', (error as Error).message);
      this.stopping = true;
      await target.stop();
      await this.finished;
      // Stored as the app says it: the stored session is read in the app (the CLI prints its own at once).
      const message = launchError.messageFor('app');
      this.library.updateSession(this.sessionId, {
        status: 'failed',
        error: [message, ...(launchError.detail.length ? [STDERR_HEADING, ...launchError.detail] : [])].join(
          '\n',
        ),
      });
      this.emit({ kind: 'status', sessionId: this.sessionId, status: 'failed', error: message });
      launchError.sessionId = this.sessionId;
      throw launchError;
    }
    this.setStatus('running');
    // The checklist's gauges, a few ms each in the target, so session-wide findings stay current.
    this.gaugeTimer = setInterval(() => {
      if (this.servers().length && this.holds === 0) this.gauges('periodic').catch(() => undefined);
    }, o.gaugeIntervalMs ?? GAUGE_INTERVAL_MS);
  }

  /**
   * Stops the periodic gauges until the returned function is called, for a measurement of the app's memory
   * (a scan, a diagnosis): a reading runs queries and walks the heap in the app's process, and under runserver
   * each one left ~5 KB more in use (sqlite and malloc state, freed only later), which a slow endpoint's
   * rounds read as ~50 B/request of growth. The scan reads gauges itself, before and after each endpoint.
   */
  holdPeriodic(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (!released) this.holds--;
      released = true;
    };
  }

  private setStatus(
    status: SessionStatus,
    patch: { error?: string | null; exit_code?: number | null; ended_at?: number } = {},
  ): void {
    this.library.updateSession(this.sessionId, { status, ...patch });
    this.emit({
      kind: 'status',
      sessionId: this.sessionId,
      status,
      ...(patch.error ? { error: patch.error } : {}),
    });
  }

  private log(source: EventSource, level: EventLevel, message: string, pid: number | null): void {
    const t = now();
    this.writer?.addEvent(source, level, message, pid, t);
    if (this.sessionId) this.emit({ kind: 'log', sessionId: this.sessionId, source, level, message, pid, t });
  }

  private onHello(conn: ProbeConnection): void {
    const hello = conn.hello!;
    this.ingest.hello(hello);
    this.log(
      'engine',
      'info',
      `probe connected: pid ${hello.pid} (${hello.role}, Python ${hello.python})`,
      hello.pid,
    );
    this.emit({ kind: 'process', sessionId: this.sessionId, pid: hello.pid, role: hello.role });
    this.helloSeen();
  }

  private onMessage(conn: ProbeConnection, message: StreamMessage): void {
    this.ingest.message(conn.pid, message);
  }

  private onClose(conn: ProbeConnection): void {
    const process = this.ingest.process(conn.pid);
    if (process === undefined) return;
    this.flush();
    this.library.endProcess(process.processId, now());
  }

  /** `final`: the session ends, so the rollup buckets still open are written too. */
  private flush(final = false): void {
    try {
      const rows = this.writer?.flush(final) ?? 0;
      if (rows > 0) this.emit({ kind: 'flushed', sessionId: this.sessionId, rows });
      if (this.writeFailure) {
        const dropped = this.writer!.dropped;
        this.log(
          'engine',
          'warning',
          `library writes resumed after: ${this.writeFailure}${dropped ? ` (${dropped} rows were dropped meanwhile)` : ''}`,
          null,
        );
        this.writeFailure = null;
      }
    } catch (error) {
      // The rows stay buffered (up to a bound) and the next flush tries again; said once per failure.
      const message = (error as Error).message;
      if (this.writeFailure === message) return;
      this.writeFailure = message;
      this.emit({
        kind: 'log',
        sessionId: this.sessionId,
        source: 'engine',
        level: 'error',
        message: `library write failed: ${message}; rows are kept in memory (up to ${MAX_PENDING}) and written once it works again`,
        pid: null,
        t: now(),
      });
    }
  }

  private async settle(exit: TargetExit): Promise<SessionStatus> {
    // Let the last lines from the probe sockets arrive before closing the link.
    await new Promise((r) => setTimeout(r, 200));
    clearInterval(this.gaugeTimer);
    await this.link?.close();
    clearInterval(this.flushTimer);
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const status: SessionStatus = this.stopping ? 'stopped' : 'crashed';
    this.log(
      'engine',
      status === 'crashed' ? 'error' : 'info',
      `target ended (${how})${status === 'crashed' ? ' without being asked to stop' : ''}`,
      null,
    );
    this.flush(true);
    const endedAt = now();
    this.library.endOpenProcesses(this.sessionId, endedAt);
    const error =
      status === 'crashed'
        ? [
            `the Django process ended unexpectedly (${how})`,
            ...(this.target?.stderrTail.slice(-10) ?? []),
          ].join('\n')
        : null;
    this.setStatus(status, { exit_code: exit.code, ended_at: endedAt, error });
    return status;
  }

  /** Asks the probes for a last batch, stops the process group and resolves with the final status. */
  async stop(): Promise<SessionStatus> {
    if (!this.target || !this.finished) throw new Error('investigation was not started');
    if (!this.target.exit) {
      // One probe batch interval, so the last samples and requests are sent before the signal.
      await new Promise((r) => setTimeout(r, 700));
      if (!this.target.exit) {
        this.stopping = true;
        await this.target.stop();
      }
    }
    return this.finished;
  }

  /** A tracemalloc snapshot of every serving process, stored with the session (HeapCapture.snapshot). */
  snapshot(label: string, requests: number, maxRows?: number): Promise<TakenSnapshot[]> {
    return this.capture.snapshot(label, requests, maxRows);
  }

  /** The checklist's gauges of every serving process, stored with the session under `label`. */
  gauges(label: string): Promise<GaugesDto[]> {
    return this.capture.gauges(label);
  }

  /** Object counts by type in every serving process, stored with the session. */
  census(label: string): Promise<number[]> {
    return this.capture.census(label);
  }

  /** Resolves when the target ends on its own or through stop(). */
  get ended(): Promise<SessionStatus> {
    if (!this.finished) throw new Error('investigation was not started');
    return this.finished;
  }
}
