import { statSync } from 'node:fs';
import path from 'node:path';
import { createHandlers, dispatch } from '../main/api/index.ts';
import { Engine } from '../main/engine.ts';
import { buildOneHourSession } from '../test/helpers/synthetic.ts';
import { tempDir } from '../test/helpers/tmp.ts';
import { heapWalks } from './heap-walks.ts';
import { liveViewLoad } from './live-view.ts';
import { longSession } from './long-session.ts';
import { probeCosts } from './probe-costs.ts';
import { probeOverhead } from './probe-overhead.ts';
import { goals } from './goals.ts';
import { cliScan, sensitivity } from './sensitivity.ts';
import { snapshotDiffBench } from './snapshot-diff.ts';

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await f();
    times.push(performance.now() - t0);
  }
  return { ms: round(median(times)), result };
}

/**
 * One hour of a 4-process session (10 Hz samples, 20k requests), written as the engine writes it (one
 * transaction per flush), then the Live view's timeline calls through the same handler map the faces use.
 */
async function oneHourSession(): Promise<Record<string, unknown>> {
  const t = tempDir('djleak-bench-');
  const engine = new Engine(t.dir, path.join(t.dir, 'library.sqlite'));
  try {
    const { session, rows, seconds: ingestS, processes } = buildOneHourSession(engine);
    const lib = engine.library;
    lib.db.pragma('wal_checkpoint(TRUNCATE)');

    const handlers = createHandlers(engine);
    const whole = await timed(7, () => dispatch(handlers, 'sessions.timeline', { id: session }));
    const zoom10min = await timed(7, () =>
      dispatch(handlers, 'sessions.timeline', { id: session, from: 1200, to: 1800 }),
    );
    const zoom10s = await timed(7, () =>
      dispatch(handlers, 'sessions.timeline', { id: session, from: 1800, to: 1810 }),
    );
    const log = await timed(7, () => dispatch(handlers, 'sessions.requests', { id: session, limit: 200 }));
    const list = await timed(7, () => dispatch(handlers, 'sessions.list', {}));
    return {
      samples_per_process: 36_000,
      processes,
      rows_written: rows,
      ingest_rows_per_s: Math.round(rows / ingestS),
      library_mb: round(statSync(lib.file).size / 1048576, 1),
      timeline_whole_hour_ms: whole.ms,
      timeline_whole_hour_points: whole.result.processes.reduce((n, p) => n + p.rss.t.length, 0),
      timeline_10_min_window_ms: zoom10min.ms,
      timeline_10_s_window_ms: zoom10s.ms,
      request_log_page_ms: log.ms,
      session_list_ms: list.ms,
    };
  } finally {
    await engine.shutdown();
    t.cleanup();
  }
}

/** The probe samples every 100 ms: over a process's life, its mean sample spacing stays within twice that. */
const SAMPLE_SPACING_GOAL_MS = 200;

/**
 * Wall time of `djleak run --demo --scan` (diagnosis included) through the real CLI, and the sample spacing of
 * its processes against the goal (a figure of this machine's load; test/integration/cli-run.test.ts checks
 * only that no process is sampled more often than configured).
 */
function demoScan(): Record<string, unknown> {
  const { report, wall_s } = cliScan(['--demo'], { diagnosis: true });
  return {
    wall_s,
    endpoints: report.endpoints.filter((e) => e.verdict).length,
    leaks: report.endpoints.filter((e) => e.verdict === 'leak').map((e) => e.path),
    sample_spacing: report.processes.map((p) => ({
      pid: p.pid,
      role: p.role,
      samples: p.samples,
      mean_ms: p.sample_interval_ms,
      max_gap_ms: p.max_gap_ms,
      goal_mean_ms: SAMPLE_SPACING_GOAL_MS,
      met: p.sample_interval_ms !== null && p.sample_interval_ms <= SAMPLE_SPACING_GOAL_MS,
    })),
  };
}

const args = process.argv.slice(2);
const checking = args.includes('--check');
const only = args.find((a) => !a.startsWith('--'));
const results: Record<string, unknown> = {};
if (!only || only === 'store') results.one_hour_session = await oneHourSession();
if (!only || only === 'live') results.live_view_one_hour = await liveViewLoad(buildOneHourSession);
if (!only || only === 'diff') results.snapshot_diff_100k = snapshotDiffBench();
if (!only || only === 'probe') results.probe_overhead = await probeOverhead();
if (!only || only === 'walks') results.heap_walks = heapWalks();
if (!only || only === 'costs') results.probe_costs = probeCosts();
if (!only || only === 'scan') results.demo_scan = demoScan();
if (!only || only === 'long') results.long_session_8h = await longSession();
if (!only || only === 'sensitivity') results.sensitivity = sensitivity();
const held = goals(results);
results.goals = held;
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
const missed = held.filter((g) => !g.met);
if (checking && missed.length) {
  for (const g of missed)
    process.stderr.write(`missed: ${g.figure} = ${JSON.stringify(g.value)} (goal ${g.goal})\n`);
  process.exitCode = 1;
}
