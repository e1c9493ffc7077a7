/** A session's scan results as every reader sees them: the current ones (analysis/current.ts), with their cost. */
import type Database from 'better-sqlite3';
import type { CompareDto, FindingDto, ScanResultDto } from '../../preload/contract.ts';
import { compareFindings, compareScans } from '../analysis/compare.ts';
import { withCost, workerBaseRss } from '../analysis/cost.ts';
import { currentScans } from '../analysis/current.ts';
import { detect } from '../analysis/detectors.ts';
import { EngineError } from '../engine-errors.ts';
import { latestGauges } from '../store/checklist.ts';
import { listSessions, processSummaries } from '../store/queries.ts';
import { scanResults } from '../store/scans.ts';

/** One result per endpoint: the latest finished one. */
export function sessionScans(db: Database.Database, sessionId: number): ScanResultDto[] {
  return currentScans(scanResults(db, sessionId));
}

/** The current results with what each leak costs in production (the session's own worker size). */
export function costedScans(db: Database.Database, sessionId: number): ScanResultDto[] {
  return withCost(sessionScans(db, sessionId), workerBaseRss(processSummaries(db, sessionId)));
}

/** The checklist's findings from the current results and the latest gauges. */
export function sessionFindings(db: Database.Database, sessionId: number): ReturnType<typeof detect> {
  return detect({ scans: sessionScans(db, sessionId), gauges: latestGauges(db, sessionId) });
}

/** Two sessions side by side, per endpoint and per checklist item. */
export function compareSessions(db: Database.Database, before: number, after: number): CompareDto {
  const side = (id: number) => {
    const summary = listSessions(db).find((s) => s.id === id);
    if (!summary) throw new EngineError('not-found', `no session ${id} in the library`);
    const findings: FindingDto[] = sessionFindings(db, id).findings;
    return { summary, scans: sessionScans(db, id), findings };
  };
  const a = side(before);
  const b = side(after);
  return {
    before: a.summary,
    after: b.summary,
    endpoints: compareScans(a.scans, b.scans),
    checklist: compareFindings(a.findings, b.findings),
  };
}
