import { assessGrowth, type Measure, type ScanPoint } from '../analysis/verdict.ts';
import type { GaugesDto, ScanProgressDto } from '../../preload/contract.ts';
import type { ProbeConnection } from '../probe/link.ts';
import type { ScanResultRow } from '../store/scans.ts';
import { unreachedViewReason } from '../analysis/statuses.ts';
import { LaunchError } from '../launcher/errors.ts';
import { measureFigures, type Measurement } from '../probe/protocol.ts';
import { emptyResult, LoadDriver, type EndpointResult, type RequestBase } from './driver.ts';
import type { Scenario, ScenarioEndpoint } from './scenario.ts';

interface Snapshot {
  pre: Measure;
  post: Measure;
  collected: number;
  garbageBytes: number;
  gcEnabled: boolean;
  fullCollections: number;
  processes: number;
}

export interface ScanTarget {
  port: number;
  /** The probes of the processes that serve requests (gunicorn workers, or the runserver process). */
  servers(): ProbeConnection[];
}

export interface ScanProgress extends ScanProgressDto {
  endpoint: ScenarioEndpoint;
}

/** Measurements repeated without traffic after the baseline: the process's own noise. */
const IDLE_MEASUREMENTS = 2;
/** Rounds in each extension of an undecided endpoint (each extension twice the size of the one before). */
const EXTENSION_ROUNDS = 4;

/** Server errors (5xx) and requests that got no answer. */
function failures(sent: EndpointResult): number {
  return (
    Object.entries(sent.statuses).reduce((n, [code, c]) => n + (Number(code) >= 500 ? c : 0), 0) +
    sent.failures
  );
}

export class ScanInterrupted extends Error {}

/** Asks every serving process for before/after-collection figures and adds them up. */
async function measureAll(target: ScanTarget): Promise<Snapshot> {
  const servers = target.servers();
  if (servers.length === 0) throw new ScanInterrupted('no serving process is connected');
  let answers: Measurement[];
  try {
    answers = await Promise.all(servers.map((c) => c.command('measure', { collect: true }, 60_000)));
  } catch (error) {
    throw new ScanInterrupted((error as Error).message);
  }
  const sum = (pick: (m: Measurement) => Measure): Measure =>
    answers.map(pick).reduce((a, b) => ({
      rss: a.rss + b.rss,
      blocks: a.blocks + b.blocks,
      gcObjects: a.gcObjects + b.gcObjects,
      // Traced bytes only mean something when every process traces.
      traced: typeof a.traced === 'number' && typeof b.traced === 'number' ? a.traced + b.traced : null,
      heap: typeof a.heap === 'number' && typeof b.heap === 'number' ? a.heap + b.heap : null,
    }));
  return {
    pre: sum((m) => measureFigures(m.before)),
    post: sum((m) => measureFigures(m.after ?? m.before)),
    collected: answers.reduce((n, m) => n + (m.collected ?? 0), 0),
    garbageBytes: answers.reduce((n, m) => n + (m.garbage_bytes ?? 0), 0),
    gcEnabled: answers.every((m) => m.gc_enabled),
    fullCollections: answers.reduce((n, m) => n + (m.gc_collections[2] ?? 0), 0),
    processes: answers.length,
  };
}

/**
 * The measurement protocol, one endpoint at a time so growth is attributable: warm-up (not recorded), a
 * baseline after a full collection, then `rounds` rounds of requests, each followed by figures before and
 * after a full collection. A target that dies mid-scan ends it: the endpoint in progress is kept, marked
 * partial, and ScanInterrupted is thrown with the results so far attached.
 */
export async function runScan(
  target: ScanTarget,
  scenario: Scenario,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: ScanProgress) => void;
    onResult?: (r: ScanResultRow) => void;
    /** While tracing is on: a labelled snapshot at the start and the end of each endpoint's rounds. */
    snapshot?: (label: string, requests: number) => Promise<unknown>;
    /** The checklist's gauges at the start and the end of each endpoint's rounds. */
    gauges?: (label: string) => Promise<GaugesDto[]>;
    /** What every request carries, when the caller made it already (else made here: see requestBase). */
    base?: RequestBase;
  } = {},
): Promise<ScanResultRow[]> {
  const base = opts.base ?? (await requestBase(target, scenario));
  const driver = new LoadDriver(target.port, scenario.cookies, scenario.concurrency, base);
  const results: ScanResultRow[] = [];
  try {
    for (const [index, ep] of scenario.endpoints.entries()) {
      if (opts.signal?.aborted) break;
      const startedAt = Date.now() / 1000;
      const sent = emptyResult(ep);
      const points: ScanPoint[] = [];
      // Why extending stopped before the verdict was decided, when it did.
      let stopped: string | null = null;
      const progress = (p: Pick<ScanProgress, 'round' | 'rounds' | 'stage' | 'extending'>): void =>
        opts.onProgress?.({ endpoint: ep, index, endpoints: scenario.endpoints.length, ...p });
      const finish = (partial: boolean, gauges: ScanResultRow['gauges'] = null): ScanResultRow => {
        const { pending, ...assessed } = assessGrowth(points, { minLeak: scenario.min_leak });
        const unreached = unreachedViewReason(sent.statuses, sent.redirects);
        const verdict = unreached
          ? {
              ...assessed,
              verdict: 'inconclusive' as const,
              cause: null,
              confidence: 0,
              requests_needed: null,
              reason: unreached,
            }
          : assessed;
        const note = partial
          ? ' (partial: the scan was cut short)'
          : pending !== null && stopped && !unreached
            ? ` (${stopped})`
            : '';
        const row: ScanResultRow = {
          method: ep.method,
          path: ep.path,
          route: null,
          sent: sent.sent,
          errors: failures(sent),
          statuses: sent.statuses,
          ...verdict,
          reason: `${verdict.reason}${note}`,
          points,
          partial,
          started_at: startedAt,
          ended_at: Date.now() / 1000,
          gauges,
        };
        results.push(row);
        opts.onResult?.(row);
        return row;
      };
      try {
        if (scenario.warmup > 0) await driver.drive(ep, scenario.warmup, sent, opts.signal, true);
        // Gauges and snapshots come before the baseline: what they leave behind is not the endpoint's growth.
        const gaugesBefore = await readGauges(opts.gauges, `scan ${ep.method} ${ep.path} (start)`);
        const traced = opts.snapshot && (await anyTracing(target)) ? opts.snapshot : null;
        await traced?.(`scan ${ep.method} ${ep.path} (start)`, 0);
        let last = await measureAll(target);
        points.push({
          requests: 0,
          pre: null,
          post: last.post,
          collected: 0,
          garbageBytes: 0,
          gcEnabled: last.gcEnabled,
          appFullCollections: 0,
        });
        // The process's own noise: the same measurement again, with no traffic in between.
        const idle: Measure[] = [];
        for (let i = 0; i < IDLE_MEASUREMENTS; i++) idle.push((last = await measureAll(target)).post);
        points[0]!.idle = idle;
        const round = async (count: number, stage: number): Promise<void> => {
          await driver.drive(ep, count, sent, opts.signal);
          const now = await measureAll(target);
          points.push({
            requests: sent.sent,
            pre: now.pre,
            post: now.post,
            collected: now.collected,
            garbageBytes: now.garbageBytes,
            gcEnabled: now.gcEnabled,
            // Our own forced collection of the previous point counts once per process. (The probe runs two or three
            // and says how many, probe_full_collections: counting them all, issue 15, turned a control of the demo
            // into an intermittent garbage leak; not yet used.)
            appFullCollections: Math.max(0, now.fullCollections - last.fullCollections - now.processes),
            stage,
          });
          last = now;
        };
        // The first stage: the endpoint's requests in `rounds` rounds (fewer when it has fewer requests: a round
        // sends at least one, and the last one the rest).
        const rounds = Math.max(1, Math.min(scenario.rounds, ep.requests));
        const perRound = Math.floor(ep.requests / rounds);
        for (let r = 1; r <= rounds && !opts.signal?.aborted; r++) {
          progress({ round: r, rounds, stage: 0, extending: null });
          await round(r === rounds ? ep.requests - perRound * (rounds - 1) : perRound, 0);
        }
        // Then, while the verdict is not decided and the budget allows, stages of larger rounds.
        let stageSize = ep.requests;
        let [sentBefore, failedBefore] = [0, 0];
        for (let stage = 1; !opts.signal?.aborted; stage++) {
          const assessment = assessGrowth(points, { minLeak: scenario.min_leak });
          // More of the same redirect or refusal decides nothing about the view.
          if (assessment.pending === null || unreachedViewReason(sent.statuses)) break;
          const elapsedS = Date.now() / 1000 - startedAt;
          const perRequestS = sent.elapsed_ms / 1000 / Math.max(1, sent.sent);
          stageSize = Math.min(
            stageSize * 2,
            scenario.max_requests - sent.sent,
            Math.floor((scenario.max_seconds - elapsedS) / Math.max(perRequestS, 1e-4)),
          );
          if (stageSize < EXTENSION_ROUNDS) {
            stopped = `the budget (${scenario.max_requests} requests or ${scenario.max_seconds} s per endpoint) is spent`;
            break;
          }
          if (failures(sent) - failedBefore > 0.5 * (sent.sent - sentBefore)) {
            stopped = 'stopped extending: most of its latest requests failed';
            break;
          }
          [sentBefore, failedBefore] = [sent.sent, failures(sent)];
          const perExtension = Math.floor(stageSize / EXTENSION_ROUNDS);
          for (let r = 1; r <= EXTENSION_ROUNDS && !opts.signal?.aborted; r++) {
            progress({
              round: r,
              rounds: EXTENSION_ROUNDS,
              stage,
              extending: `to ${sent.sent + stageSize - perExtension * (r - 1)} requests: ${assessment.pending}`,
            });
            await round(r === EXTENSION_ROUNDS ? stageSize - perExtension * (r - 1) : perExtension, stage);
          }
        }
        await traced?.(`scan ${ep.method} ${ep.path} (end)`, sent.sent);
        const gaugesAfter = await readGauges(opts.gauges, `scan ${ep.method} ${ep.path} (end)`);
        finish(
          Boolean(opts.signal?.aborted),
          gaugesBefore && gaugesAfter ? { before: gaugesBefore, after: gaugesAfter } : null,
        );
      } catch (error) {
        if (!(error instanceof ScanInterrupted)) throw error;
        finish(true);
        throw Object.assign(error, { results });
      }
    }
  } finally {
    driver.close();
  }
  return results;
}

/** What every request of the scenario carries: its headers, and the session of its user when it logs in. */
export async function requestBase(target: ScanTarget, scenario: Scenario): Promise<RequestBase> {
  return {
    headers: scenario.headers,
    cookies: scenario.login ? await logIn(target, scenario.login) : undefined,
  };
}

/**
 * The session cookie of an existing user, made in the target (the probe's `login` command) by its first serving
 * process: sessions live in the project's session store, which its processes share (a store only one process
 * sees would fail the project's own logins too). A user that does not exist is the scenario's error.
 */
async function logIn(target: ScanTarget, username: string): Promise<Record<string, string>> {
  const [server] = target.servers();
  if (!server) throw new ScanInterrupted('no serving process is connected');
  let session;
  try {
    session = await server.command('login', { username }, 30_000);
  } catch (error) {
    if (server.socket.destroyed) throw new ScanInterrupted((error as Error).message);
    throw new LaunchError('bad-scenario', `cannot log in as '${username}': ${(error as Error).message}`);
  }
  return { [session.cookie]: session.session_key };
}

/** Whether a serving process has tracemalloc on (the user opened a trace window). */
async function anyTracing(target: ScanTarget): Promise<boolean> {
  try {
    const replies = await Promise.all(target.servers().map((c) => c.command('trace_status', {})));
    return replies.some((r) => r.tracing);
  } catch (error) {
    throw new ScanInterrupted((error as Error).message);
  }
}

/** Gauges are evidence for the checklist, not for the verdict: a process that cannot read them (an old
 * probe, a part failing) leaves the endpoint without them. A target gone mid-scan still interrupts it. */
async function readGauges(
  read: ((label: string) => Promise<GaugesDto[]>) | undefined,
  label: string,
): Promise<GaugesDto[] | null> {
  if (!read) return null;
  try {
    return await read(label);
  } catch (error) {
    if (error instanceof ScanInterrupted) throw error;
    return null;
  }
}
