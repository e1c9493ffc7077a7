import { buildReport, type Report } from './analysis/report.ts';
import type { Engine } from './engine.ts';
import type { InvestigationOptions, Listener } from './investigation.ts';
import { driveScenario, type EndpointResult } from './scenario/driver.ts';
import type { Scenario, ScenarioEndpoint } from './scenario/scenario.ts';
import type { SessionStatus } from './store/library.ts';
import { processSummaries, routeSummaries, sampleTimes } from './store/queries.ts';

export interface HeadlessRun {
  options: InvestigationOptions;
  scenario: Scenario | null;
  durationS: number | null;
  /** Aborted by Ctrl-C: ends the scenario or the wait early, then stops cleanly. */
  signal: AbortSignal;
  onEvent?: Listener;
  onServing?: (sessionId: number, port: number) => void;
  onProgress?: (done: number, total: number, endpoint: ScenarioEndpoint) => void;
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

export function sessionReport(
  engine: Engine,
  sessionId: number,
  sent: readonly EndpointResult[] | null,
): Report {
  const db = engine.library.db;
  const session = engine.library.session(sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  const processes = processSummaries(db, sessionId);
  const times = new Map(processes.map((p) => [p.id, sampleTimes(db, p.id)] as const));
  return buildReport(session, processes, times, routeSummaries(db, sessionId), sent);
}

/** What `djleak run` does: launch, drive the scenario or wait, stop, report. Launch errors propagate. */
export async function runHeadless(engine: Engine, run: HeadlessRun): Promise<HeadlessResult> {
  const investigation = await engine.startInvestigation(run.options, run.onEvent);
  run.onServing?.(investigation.sessionId, investigation.port);
  let sent: EndpointResult[] | null = null;
  if (run.scenario) {
    sent = await driveScenario(run.scenario, {
      port: investigation.port,
      signal: run.signal,
      onProgress: run.onProgress,
    });
  }
  if (run.durationS !== null) await sleep(run.durationS * 1000, run.signal, investigation.ended);
  else if (!run.scenario) await sleep(2 ** 31 - 1, run.signal, investigation.ended);
  const status = await investigation.stop();
  return {
    sessionId: investigation.sessionId,
    status,
    report: sessionReport(engine, investigation.sessionId, sent),
  };
}
