import { buildReport, type Report, type SkippedRoute } from './analysis/report.ts';
import type { Engine } from './engine.ts';
import type { Investigation, InvestigationOptions, Listener } from './investigation.ts';
import { LaunchError } from './launcher/errors.ts';
import {
  endpointsFromPatterns,
  runScan,
  ScanInterrupted,
  type ScanProgress,
  type UrlPattern,
} from './scenario/scan.ts';
import { scenarioSchema, type Scenario } from './scenario/scenario.ts';
import type { SessionStatus } from './store/library.ts';
import { processSummaries, routeForPath, routeSummaries, sampleTimes } from './store/queries.ts';
import { addScanResult, scanResults, type ScanResultRow } from './store/scans.ts';

export interface HeadlessRun {
  options: InvestigationOptions;
  /** Endpoints to scan from a scenario file; with `discover`, found from the target's URL patterns. */
  scenario: Scenario | null;
  discover: boolean;
  durationS: number | null;
  /** Aborted by Ctrl-C: ends the scan or the wait early, then stops cleanly. */
  signal: AbortSignal;
  onEvent?: Listener;
  onServing?: (sessionId: number, port: number) => void;
  onProgress?: (progress: ScanProgress) => void;
}

export interface HeadlessResult {
  sessionId: number;
  status: SessionStatus;
  report: Report;
}

/** Requests per discovered endpoint: 5 rounds of 20 after 10 warm-up requests. */
export const DISCOVERY_REQUESTS = 100;

function sleep(ms: number, signal: AbortSignal, ended: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    }),
    ended,
  ]);
}

export function sessionReport(
  engine: Engine,
  sessionId: number,
  skipped: readonly SkippedRoute[] = [],
): Report {
  const db = engine.library.db;
  const session = engine.library.session(sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  const processes = processSummaries(db, sessionId);
  const times = new Map(processes.map((p) => [p.id, sampleTimes(db, p.id)] as const));
  return buildReport(
    session,
    processes,
    times,
    routeSummaries(db, sessionId),
    scanResults(db, sessionId),
    skipped,
  );
}

/** Asks the target for its URL patterns and turns the parameter-free GET routes into a scan. */
async function discover(
  investigation: Investigation,
): Promise<{ scenario: Scenario; skipped: SkippedRoute[] }> {
  const probe = investigation.servers()[0];
  if (!probe) throw new LaunchError('not-ready', 'no probe connected to ask for the URL patterns');
  const answer = (await probe.command('urls', {}, 30_000)) as { patterns: UrlPattern[] };
  const found = endpointsFromPatterns(answer.patterns, DISCOVERY_REQUESTS);
  const skipped = found.skipped.map((p) => ({
    route: p.route,
    reason: 'needs path parameters: add example paths in a scenario file',
  }));
  if (found.endpoints.length === 0) {
    const listed = skipped.map((s) => `  ${s.route}`).join('\n');
    throw new LaunchError(
      'bad-scenario',
      `discovery found no GET route without path parameters to scan${listed ? `; these need example paths in a scenario file (--scenario):\n${listed}` : ''}`,
    );
  }
  return { scenario: scenarioSchema.parse({ endpoints: found.endpoints }), skipped };
}

/** What `djleak run` does: launch, scan (scenario or discovery) or wait, stop, store, report. */
export async function runHeadless(engine: Engine, run: HeadlessRun): Promise<HeadlessResult> {
  const investigation = await engine.startInvestigation(run.options, run.onEvent);
  const sessionId = investigation.sessionId;
  run.onServing?.(sessionId, investigation.port);
  let results: ScanResultRow[] = [];
  let skipped: SkippedRoute[] = [];
  let failure: Error | null = null;
  try {
    let scenario = run.scenario;
    if (run.discover) ({ scenario, skipped } = await discover(investigation));
    if (scenario) {
      results = await runScan(
        { port: investigation.port, servers: () => investigation.servers() },
        scenario,
        {
          signal: run.signal,
          onProgress: run.onProgress,
        },
      );
    }
    if (run.durationS !== null) await sleep(run.durationS * 1000, run.signal, investigation.ended);
    else if (!scenario) await sleep(2 ** 31 - 1, run.signal, investigation.ended);
  } catch (error) {
    if (error instanceof ScanInterrupted)
      results = (error as ScanInterrupted & { results: ScanResultRow[] }).results ?? [];
    else failure = error as Error;
  }
  const status = await investigation.stop();
  // Routes are known once the probe's last request batches are in, which stop() waits for.
  for (const row of results) {
    addScanResult(engine.library.db, sessionId, {
      ...row,
      route: routeForPath(engine.library.db, sessionId, row.method, row.path),
    });
  }
  if (failure) throw failure;
  return { sessionId, status, report: sessionReport(engine, sessionId, skipped) };
}
