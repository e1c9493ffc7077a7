import { buildReport, type Report } from './analysis/report.ts';
import type { Engine } from './engine.ts';
import type { InvestigationOptions, Listener } from './investigation.ts';
import type { ScanProgress } from './scan/protocol.ts';
import { scanSession, type Diagnosing, type ScanOverrides } from './scan/run.ts';
import type { Scenario } from './scan/scenario.ts';
import type { SessionStatus } from './store/library.ts';
import { processSummaries, routeSummaries, sampleTimes } from './store/queries.ts';
import { sessionSkipped } from './store/scans.ts';
import { sessionFindings, sessionScans } from './scan/results.ts';

export interface HeadlessRun {
  options: InvestigationOptions;
  /** Endpoints to scan from a scenario file; with `discover`, found from the target's URL patterns. */
  scenario: Scenario | null;
  discover: boolean;
  /** Overrides of the scenario's (or discovery's) smallest leak of interest, requests per endpoint, user to log
   * in as and headers. */
  overrides?: ScanOverrides;
  /** The memory budget per worker the stop-gaps keep to (MB). */
  workerBudgetMb?: number;
  /** A traced window on each leaking endpoint after the verdicts (top sites, types, who holds them). */
  diagnose?: boolean;
  durationS: number | null;
  /** Aborted by Ctrl-C: ends the scan or the wait early, then stops cleanly. */
  signal: AbortSignal;
  onEvent?: Listener;
  onServing?: (sessionId: number, port: number) => void;
  onProgress?: (progress: ScanProgress) => void;
  onDiagnosing?: (d: Diagnosing) => void;
}

export interface HeadlessResult {
  sessionId: number;
  status: SessionStatus;
  report: Report;
}

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

export function sessionReport(engine: Engine, sessionId: number, workerBudgetMb?: number): Report {
  const db = engine.library.db;
  const session = engine.library.session(sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  const processes = processSummaries(db, sessionId);
  const times = new Map(processes.map((p) => [p.id, sampleTimes(db, p.id)] as const));
  const scans = sessionScans(db, sessionId);
  const { findings } = sessionFindings(db, sessionId);
  return buildReport(
    session,
    processes,
    times,
    routeSummaries(db, sessionId),
    scans,
    sessionSkipped(db, sessionId),
    findings,
    workerBudgetMb,
  );
}

/** What `djleak run` does: launch, scan (scenario or discovery) or wait, stop, store, report. */
export async function runHeadless(engine: Engine, run: HeadlessRun): Promise<HeadlessResult> {
  const investigation = await engine.startInvestigation(run.options, run.onEvent);
  const sessionId = investigation.sessionId;
  run.onServing?.(sessionId, investigation.port);
  let failure: Error | null = null;
  try {
    if (run.scenario || run.discover) {
      await scanSession(investigation, run.scenario, {
        signal: run.signal,
        overrides: run.overrides,
        onProgress: run.onProgress,
        diagnose: run.diagnose ?? true,
        onDiagnosing: run.onDiagnosing,
      });
    }
    if (run.durationS !== null) await sleep(run.durationS * 1000, run.signal, investigation.ended);
    else if (!run.scenario && !run.discover) await sleep(2 ** 31 - 1, run.signal, investigation.ended);
  } catch (error) {
    failure = error as Error;
  }
  const status = await investigation.stop();
  if (failure) throw failure;
  return { sessionId, status, report: sessionReport(engine, sessionId, run.workerBudgetMb) };
}
