import type { Investigation } from '../investigation.ts';
import { discoverScenario } from './discovery.ts';
import { requestBase, runScan, ScanInterrupted, type ScanProgress } from './protocol.ts';
import type { Scenario, ScenarioEndpoint } from './scenario.ts';
import { LoadDriver, type RequestBase } from './driver.ts';
import { diagnoseEndpoint } from './diagnosis.ts';
import { routeForPath } from '../store/queries.ts';
import { addScanResults, type ScanResultRow } from '../store/scans.ts';

/** The probe sends request records every 0.5 s and the engine flushes every 0.25 s. */
const RECORDS_SETTLE_MS = 1000;

/** What the user set for a scan beyond its endpoints (unset: the scenario's, or the defaults): its budget, and
 * who its requests are (a user to log in as, headers such as a token). */
export interface ScanOverrides {
  min_leak?: number;
  max_requests?: number;
  login?: string;
  headers?: Record<string, string>;
}

export interface ScanOutcome {
  results: ScanResultRow[];
  /** The target went away mid-scan: the last result is partial. */
  interrupted: boolean;
}

/** The traced window's requests to a leaking endpoint, after a few to warm it up under tracing. */
const DIAGNOSIS_REQUESTS = 40;

/** A leaking endpoint's diagnosis beginning: which of the scan's leaks, and the traced window's requests. */
export interface Diagnosing {
  endpoint: ScenarioEndpoint;
  /** 0-based, of `count` leaks to diagnose. */
  index: number;
  count: number;
  requests: number;
}

/** A traced window on each leaking endpoint; a diagnosis that fails says why in the endpoint's reason. */
async function diagnoseLeaks(
  investigation: Investigation,
  scenario: Scenario,
  base: RequestBase,
  results: ScanResultRow[],
  onDiagnosing?: (d: Diagnosing) => void,
): Promise<void> {
  const driver = new LoadDriver(investigation.port, scenario.cookies, 1, base);
  const leaks = results.filter((row) => row.verdict === 'leak' && !row.partial);
  try {
    for (const [index, row] of leaks.entries()) {
      const ep = scenario.endpoints.find((e) => e.method === row.method && e.path === row.path)!;
      onDiagnosing?.({ endpoint: ep, index, count: leaks.length, requests: DIAGNOSIS_REQUESTS });
      try {
        row.diagnosis = await diagnoseEndpoint(investigation, driver, ep, row.cause, DIAGNOSIS_REQUESTS);
      } catch (error) {
        // The verdict stands without its diagnosis; say why in the reason.
        row.reason = `${row.reason} (diagnosis failed: ${(error as Error).message})`;
      }
    }
  } finally {
    driver.close();
  }
}

/**
 * Scans a running investigation (a scenario, or discovery when none is given) and stores every endpoint's
 * result with the session once the probe's request records are in, so each carries the route it matched.
 */
export async function scanSession(
  investigation: Investigation,
  given: Scenario | null,
  opts: {
    signal?: AbortSignal;
    overrides?: ScanOverrides;
    onProgress?: (p: ScanProgress) => void;
    onResult?: (r: ScanResultRow) => void;
    /** After the verdicts, a traced window on each leaking endpoint (default on). */
    diagnose?: boolean;
    onDiagnosing?: (d: Diagnosing) => void;
  } = {},
): Promise<ScanOutcome> {
  const found = given ? null : await discoverScenario(investigation);
  const overrides = Object.fromEntries(
    Object.entries(opts.overrides ?? {}).filter(([, v]) => v !== undefined),
  ) as ScanOverrides;
  const scenario: Scenario = { ...(given ?? found!.scenario), ...overrides };
  // what discovery could not fill is stored with the session (a scan of some endpoints keeps the last list)
  investigation.library.updateSession(investigation.sessionId, {
    scenario: JSON.stringify(scenario),
    ...(found ? { skipped: JSON.stringify(found.skipped) } : {}),
  });
  let results: ScanResultRow[];
  let interrupted = false;
  const target = { port: investigation.port, servers: () => investigation.servers() };
  const release = investigation.holdPeriodic();
  try {
    // Made once: the scan and the diagnosis windows after it send the same user's session and headers.
    const base = await requestBase(target, scenario);
    try {
      results = await runScan(target, scenario, {
        ...opts,
        base,
        snapshot: (label, requests) => investigation.snapshot(label, requests),
        gauges: (label) => investigation.gauges(label),
      });
    } catch (error) {
      if (!(error instanceof ScanInterrupted)) throw error;
      results = (error as ScanInterrupted & { results?: ScanResultRow[] }).results ?? [];
      interrupted = true;
    }
    if (opts.diagnose !== false && !interrupted && !opts.signal?.aborted)
      await diagnoseLeaks(investigation, scenario, base, results, opts.onDiagnosing);
  } finally {
    release();
  }
  await Promise.race([new Promise((r) => setTimeout(r, RECORDS_SETTLE_MS)), investigation.ended]);
  const db = investigation.library.db;
  const sessionId = investigation.sessionId;
  const stored = results.map((row) => ({ ...row, route: routeForPath(db, sessionId, row.method, row.path) }));
  addScanResults(db, sessionId, stored);
  return { results: stored, interrupted };
}
