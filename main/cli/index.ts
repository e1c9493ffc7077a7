import { STDERR_HEADING } from '../../preload/contract.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { junitXml } from '../analysis/junit.ts';
import { formatReport } from '../analysis/report-text.ts';
import { createHandlers, dispatch } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { Engine } from '../engine.ts';
import { runHeadless, sessionReport } from '../headless.ts';
import { LaunchError } from '../launcher/errors.ts';
import { EXAMPLE_NAMES, isExampleName } from '../launcher/examples.ts';
import { defaultDataHome, libraryPath } from '../paths.ts';
import { loadScenario } from '../scan/scenario.ts';
import { LibraryError } from '../store/library.ts';
import { listSessions } from '../store/queries.ts';
import { startWebServer } from '../web/server.ts';
import { environment, headers, integer, login, parse, seconds, UsageError, USAGE } from './args.ts';

const err = (line: string): void => void process.stderr.write(line + '\n');
const out = (line: string): void => void process.stdout.write(line + '\n');

function openEngine(db: string | undefined): Engine {
  const home = defaultDataHome();
  return new Engine(home, db ? path.resolve(db) : libraryPath(home));
}

/** A path to an interpreter is taken from the cwd (the target runs in its project folder); a bare name from PATH. */
function interpreterPath(python: string | undefined): string | undefined {
  return python && /[\\/]/.test(python) ? path.resolve(python) : python;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    demo: { type: 'boolean' },
    example: { type: 'string' },
    project: { type: 'string' },
    python: { type: 'string' },
    settings: { type: 'string' },
    server: { type: 'string' },
    workers: { type: 'string' },
    port: { type: 'string' },
    scenario: { type: 'string' },
    duration: { type: 'string' },
    name: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'string' },
    scan: { type: 'boolean' },
    'fail-on-leak': { type: 'boolean' },
    junit: { type: 'string' },
    'skip-diagnosis': { type: 'boolean' },
    'min-leak': { type: 'string' },
    'max-requests': { type: 'string' },
    'worker-budget': { type: 'string' },
    login: { type: 'string' },
    header: { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    'env-file': { type: 'string', multiple: true },
  });
  if (values.help) return (out(USAGE), 0);
  if (values.scan && values.scenario)
    throw new UsageError('give --scan (discover the endpoints) or --scenario FILE, not both');
  if ([values.demo, values.example, values.project].filter((v) => v !== undefined).length !== 1)
    throw new UsageError('give exactly one of --demo, --example NAME or --project DIR');
  const example = values.example;
  if (example !== undefined && !isExampleName(example))
    throw new UsageError(`no example '${example}': --example takes one of ${EXAMPLE_NAMES.join(', ')}`);
  const server = values.server ?? 'runserver';
  if (server !== 'runserver' && server !== 'gunicorn')
    throw new UsageError(`--server must be runserver or gunicorn, not '${server}'`);
  const options = {
    demo: values.demo ?? false,
    example,
    project: values.project,
    python: interpreterPath(values.python),
    settings: values.settings,
    server: server as 'runserver' | 'gunicorn',
    workers: integer(values.workers, 'workers', 1, 64),
    port: integer(values.port, 'port', 1, 65535),
    name: values.name,
    env: environment(values.env, values['env-file']),
  };
  const durationS = seconds(values.duration, 'duration');
  const overrides = {
    min_leak: integer(values['min-leak'], 'min-leak', 1, 1_000_000_000),
    max_requests: integer(values['max-requests'], 'max-requests', 1, 10_000_000),
    login: login(values.login),
    headers: headers(values.header),
  };
  const workerBudgetMb = integer(values['worker-budget'], 'worker-budget', 1, 1_000_000);
  if (Object.values(overrides).some((v) => v !== undefined) && !values.scan && !values.scenario)
    throw new UsageError(
      '--min-leak, --max-requests, --login and --header set a scan: give --scan or --scenario FILE too',
    );
  // Everything the user typed is checked before anything is launched or written.
  const scenario = values.scenario ? loadScenario(values.scenario) : null;

  const engine = openEngine(values.db);
  const abort = new AbortController();
  const onSigint = (): void => {
    err('djleak: stopping…');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await runHeadless(engine, {
      options,
      scenario,
      discover: values.scan ?? false,
      overrides,
      workerBudgetMb,
      diagnose: !values['skip-diagnosis'],
      onDiagnosing: ({ endpoint: ep, index, count, requests }) =>
        err(
          `djleak: diagnosing leak ${index + 1} of ${count}: ${ep.method} ${ep.path} (a tracemalloc window of ${requests} requests)`,
        ),
      durationS,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'setup') err(`djleak: ${event.message}`);
        if (event.kind === 'status' && event.status === 'crashed')
          err(`djleak: the target crashed: ${event.error ?? ''}`);
      },
      onServing: (sessionId, port) => {
        err(`djleak: session ${sessionId}: Django is serving on http://127.0.0.1:${port}/ under the probe`);
        if (!scenario && !values.scan && durationS === null) err('djleak: press Ctrl-C to stop');
      },
      onProgress: (p) => {
        const where = `${p.index + 1}/${p.endpoints} ${p.endpoint.method} ${p.endpoint.path}`;
        const line = p.extending
          ? `extending ${where} ${p.extending}`
          : `scanning ${where}, round ${p.round}/${p.rounds}`;
        if (process.stderr.isTTY) process.stderr.write(`\r  ${line.slice(0, 200)}\x1b[K`);
        else if (p.round === 1) err(`djleak: ${line}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    out(formatReport(result.report));
    if (values.json) writeJson(values.json, result.report);
    if (values.junit) writeFileSync(values.junit, junitXml(result.report));
    if (result.status !== 'stopped') return 1;
    return values['fail-on-leak'] && result.report.verdict === 'leak' ? 3 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    engine.library.close();
  }
}

async function sessions(argv: string[]): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return (out(USAGE), 0);
  const engine = openEngine(values.db);
  try {
    const rows = listSessions(engine.library.db);
    if (values.json) {
      out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (rows.length === 0)
      out(`no sessions yet in ${engine.library.file}: start one with 'djleak run --demo'`);
    for (const s of rows) {
      const when = new Date(s.started_at * 1000).toISOString().replace('T', ' ').slice(0, 19);
      const duration = s.ended_at === null ? '' : ` ${(s.ended_at - s.started_at).toFixed(0)} s`;
      const peak = s.peak_rss === null ? '' : ` peak ${(s.peak_rss / 1048576).toFixed(1)} MB`;
      out(
        `${String(s.id).padStart(4)}  ${when}  ${s.status.padEnd(11)} ${s.name}  (${s.processes} proc, ${s.requests} req${peak}${duration})`,
      );
    }
    return 0;
  } finally {
    engine.library.close();
  }
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { db: { type: 'string' }, json: { type: 'string' } }, 1);
  if (values.help) return (out(USAGE), 0);
  const id = integer(positionals[0], 'SESSION', 1, Number.MAX_SAFE_INTEGER);
  if (id === undefined) throw new UsageError('report needs a session id (see djleak sessions)');
  const engine = openEngine(values.db);
  try {
    await dispatch(createHandlers(engine), 'sessions.get', { id });
    const rep = sessionReport(engine, id);
    out(formatReport(rep));
    if (values.json) writeJson(values.json, rep);
    return 0;
  } finally {
    engine.library.close();
  }
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, port: { type: 'string' } });
  if (values.help) return (out(USAGE), 0);
  const engine = openEngine(values.db);
  let web;
  try {
    web = await startWebServer(engine, createHandlers(engine), integer(values.port, 'port', 0, 65535) ?? 0);
  } catch (error) {
    engine.library.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new LaunchError(
        'port-in-use',
        `port ${values.port} on 127.0.0.1 is already in use: pick another --port`,
      );
    throw error;
  }
  out(`djleak is serving its interface on ${web.url}`);
  out(`library: ${engine.library.file}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await web.close();
  await engine.shutdown();
  return 0;
}

async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { db: { type: 'string' }, 'no-redact': { type: 'boolean' } },
    2,
  );
  if (values.help) return (out(USAGE), 0);
  const id = integer(positionals[0], 'SESSION', 1, Number.MAX_SAFE_INTEGER);
  const file = positionals[1];
  if (id === undefined || !file)
    throw new UsageError('export needs a session id and a file: djleak export 3 shop.djleak');
  const engine = openEngine(values.db);
  try {
    const written = await dispatch(createHandlers(engine), 'sessions.export', {
      id,
      file: path.resolve(file),
      redact: !values['no-redact'],
    });
    out(
      `wrote session ${id} to ${written.file} (${(written.bytes / 1048576).toFixed(1)} MB${written.redacted ? ', redacted' : ''})`,
    );
    for (const [table, d] of Object.entries(written.digest))
      if (d.rows)
        out(`  ${table.padEnd(14)} ${String(d.rows).padStart(9)} rows  sha256 ${d.sha256.slice(0, 16)}`);
    return 0;
  } finally {
    engine.library.close();
  }
}

async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { db: { type: 'string' } }, 1);
  if (values.help) return (out(USAGE), 0);
  const file = positionals[0];
  if (!file) throw new UsageError('import needs a file: a .djleak session file or a probe recording');
  const engine = openEngine(values.db);
  let shown = '';
  engine.onEvent((e) => {
    if (e.kind !== 'file-progress') return;
    const line = `${e.phase} ${Math.floor((100 * e.done) / Math.max(1, e.total))}%`;
    if (line !== shown) err(`djleak: ${(shown = line)}`);
  });
  try {
    const done = await dispatch(createHandlers(engine), 'sessions.import', { file: path.resolve(file) });
    out(`imported ${path.basename(file)} as session ${done.sessionId} "${done.name}"`);
    return 0;
  } finally {
    engine.library.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest);
      case 'sessions':
        return await sessions(rest);
      case 'report':
        return await report(rest);
      case 'serve':
        return await serve(rest);
      case 'export':
        return await exportCommand(rest);
      case 'import':
        return await importCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`djleak: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof LaunchError || error instanceof ApiError) {
      err(`djleak: error: ${error.message}`);
      if (error.detail.length) err(`${STDERR_HEADING}\n  ${error.detail.join('\n  ')}`);
      return error instanceof LaunchError && error.code === 'bad-scenario' ? 2 : 1;
    }
    if (error instanceof LibraryError) {
      err(`djleak: error: ${error.message}`);
      return 1;
    }
    err(`djleak: unexpected failure: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
