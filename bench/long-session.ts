import { statSync } from 'node:fs';
import path from 'node:path';
import { createHandlers, dispatch } from '../main/api/index.ts';
import { Engine } from '../main/engine.ts';
import type { Sample } from '../main/probe/protocol.ts';
import type { RequestRecord, SnapshotRow } from '../main/probe/protocol.ts';
import { timelineRows } from '../main/store/queries.ts';
import { storeSnapshot } from '../main/store/snapshots.ts';
import { SessionWriter } from '../main/store/writer.ts';
import { Rng } from '../test/helpers/fuzz.ts';
import { tempDir } from '../test/helpers/tmp.ts';

/**
 * An 8-hour session as the engine would store it: 4 processes sampled every 100 ms (4 × 288,000 samples),
 * 100,000 requests, 50 tracemalloc snapshots of 2,000 ten-frame tracebacks drawn from shared sites; written
 * through SessionWriter with one transaction per flush (a flush per 0.5 s of session time, the probe's batch).
 * Then the calls the faces make on it, through the handler map, against the goals.
 */

const HOURS = 8;
const PROCESSES = 4;
const SAMPLE_HZ = 10;
const REQUESTS = 100_000;
const SNAPSHOTS = 50;
const SNAPSHOT_ROWS = 2_000;
const FLUSH_EVERY_S = 0.5;
const GOALS = { ingest_rows_per_s: 50_000, timeline_ms: 50, library_mb: 200 };

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number): number => round(bytes / 1048576, 1);

function stats(values: number[]): { median_ms: number; max_ms: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median_ms: round(sorted[Math.floor(sorted.length / 2)]!, 2), max_ms: round(sorted.at(-1)!, 2) };
}

async function timedMs<T>(f: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await f();
  return { ms: performance.now() - t0, result };
}

/** Tracebacks as a Django app's tracemalloc shows them: project frames over a deep stack of library frames. */
function sitePool(rng: Rng, count: number): SnapshotRow['frames'][] {
  const files = [
    ...Array.from(
      { length: 40 },
      (_, i) => `/srv/shop/shop/${['views', 'models', 'cache', 'forms', 'api'][i % 5]}_${i}.py`,
    ),
    ...Array.from(
      { length: 260 },
      (_, i) =>
        `/srv/shop/.venv/lib/python3.12/site-packages/${['django/db/models', 'django/core/handlers', 'django/template', 'rest_framework', 'celery/app'][i % 5]}/mod_${i}.py`,
    ),
  ];
  return Array.from({ length: count }, () =>
    Array.from({ length: 10 }, (_, depth) => {
      const file = depth < 2 ? files[rng.int(40)]! : files[40 + rng.int(260)]!;
      return [file, 1 + rng.int(900)] as [string, number];
    }),
  );
}

interface Written {
  session: number;
  stream_rows: number;
  requests: number;
  snapshots: number;
  snapshot_rows: number;
  flushes: number;
  total_s: number;
  write_s: number;
  snapshot_store_ms_each: number;
}

function writeSession(engine: Engine, rng: Rng): Written {
  const lib = engine.library;
  const session = lib.createSession({
    name: 'eight hours',
    project: '/srv/shop',
    python: '/srv/shop/.venv/bin/python',
    server: 'gunicorn',
    command: ['-m', 'gunicorn', 'shop.wsgi', '-w', '3'],
    startedAt: 1_700_000_000,
  });
  const procs = Array.from({ length: PROCESSES }, (_, i) =>
    lib.addProcess(session, {
      pid: 4000 + i,
      ppid: i === 0 ? 1 : 4000,
      role: i === 0 ? 'main' : 'worker',
      argv: ['gunicorn'],
      t: 1_700_000_000,
    }),
  );
  const writer = new SessionWriter(lib.db, session);
  const seconds = HOURS * 3600;
  const samplesPerFlush = SAMPLE_HZ * FLUSH_EVERY_S;
  const flushes = seconds / FLUSH_EVERY_S;
  const requestsPerFlush = REQUESTS / flushes;
  const pool = sitePool(rng, 4_000);
  const routes = Array.from({ length: 24 }, (_, i) => `api/v1/resource_${i}/<int:pk>/`);
  const snapshotEvery = Math.floor(flushes / SNAPSHOTS);
  const zero = [0, 0, 0] as [number, number, number];
  let streamRows = 0;
  let requestsWritten = 0;
  let requestDebt = 0;
  let snapshotsStored = 0;
  let snapshotMs = 0;
  let writeMs = 0;
  const t0 = performance.now();
  for (let f = 0; f < flushes; f++) {
    const base = 1_700_000_000 + f * FLUSH_EVERY_S;
    procs.forEach((p, pi) => {
      const items: Sample[] = Array.from({ length: samplesPerFlush }, (_, k) => {
        const i = f * samplesPerFlush + k;
        return {
          t: base + k / SAMPLE_HZ,
          rss: 80_000_000 + pi * 5_000_000 + i * 37 + rng.int(400_000),
          heap: 50_000_000 + pi * 3_000_000 + i * 29 + rng.int(100_000),
          gc_count: [rng.int(700), rng.int(10), rng.int(10)],
          gc_collections: [Math.floor(i / 7), Math.floor(i / 70), Math.floor(i / 700)],
          gc_collected: [i * 3, i, 0],
          gc_uncollectable: zero,
          gc_enabled: true,
          threads: 3 + (pi === 0 ? 1 : 0),
          fds: 12 + rng.int(4),
        };
      });
      writer.addSamples(p, items);
    });
    requestDebt += requestsPerFlush;
    const n = Math.floor(requestDebt);
    requestDebt -= n;
    if (n > 0) {
      const items: RequestRecord[] = Array.from({ length: n }, (_, k) => {
        const r = rng.int(routes.length);
        return {
          t: base + (k / n) * FLUSH_EVERY_S,
          method: r % 5 === 0 ? 'POST' : 'GET',
          route: r === 23 ? null : routes[r]!,
          view: r === 23 ? null : `shop.api.Resource${r}View`,
          path: r === 23 ? `/missing/${rng.int(1e6)}` : `/api/v1/resource_${r}/${rng.int(100_000)}/`,
          status: r === 23 ? 404 : rng.chance(0.01) ? 500 : 200,
          duration_ms: 2 + rng.next() * 80,
          rss_before: 90_000_000,
          rss_after: 90_000_000 + rng.int(64_000),
        };
      });
      writer.addRequests(procs[1 + (f % (PROCESSES - 1))]!, items);
      requestsWritten += n;
    }
    const w0 = performance.now();
    streamRows += writer.flush();
    writeMs += performance.now() - w0;
    if ((f + 1) % snapshotEvery === 0 && snapshotsStored < SNAPSHOTS) {
      // Mostly the same sites every time (a long-lived process), a few new ones, one growing leak.
      const rows: SnapshotRow[] = Array.from({ length: SNAPSHOT_ROWS }, (_, k) => ({
        size: k === 0 ? 1_000_000 + snapshotsStored * 250_000 : 1_000 + rng.int(200_000),
        count: 1 + rng.int(2_000),
        frames: pool[k < 1_800 ? k : 1_800 + rng.int(pool.length - 1_800)]!,
      }));
      const s0 = performance.now();
      storeSnapshot(
        lib.db,
        session,
        {
          pid: 4001,
          label: `snapshot ${snapshotsStored + 1}`,
          t: base,
          frames: 10,
          traced_bytes: 40_000_000,
          rows_total: 25_000,
          truncated: true,
          requests: requestsWritten,
        },
        rows,
      );
      snapshotMs += performance.now() - s0;
      snapshotsStored++;
    }
  }
  writer.flush(true); // the session ends: its open rollup buckets too
  const totalS = (performance.now() - t0) / 1000;
  return {
    session,
    stream_rows: streamRows,
    requests: requestsWritten,
    snapshots: snapshotsStored,
    snapshot_rows: snapshotsStored * SNAPSHOT_ROWS,
    flushes,
    total_s: totalS,
    write_s: writeMs / 1000,
    snapshot_store_ms_each: snapshotMs / snapshotsStored,
  };
}

export async function longSession(): Promise<Record<string, unknown>> {
  const t = tempDir('djleak-bench-long-');
  const engine = new Engine(t.dir, path.join(t.dir, 'library.sqlite'));
  try {
    const rng = new Rng(8);
    const w = writeSession(engine, rng);
    const lib = engine.library;
    lib.db.pragma('wal_checkpoint(TRUNCATE)');
    const libraryBytes = statSync(lib.file).size;
    const handlers = createHandlers(engine);
    const id = w.session;
    const span = { from: 1_700_000_000, to: 1_700_000_000 + HOURS * 3600 - 1 / SAMPLE_HZ };

    // Zoom windows at the start, a quarter, the middle, three quarters and the end of the session.
    const widths: [string, number][] = [
      ['whole_session', HOURS * 3600],
      ['1_h', 3600],
      ['10_min', 600],
      ['1_min', 60],
      ['10_s', 10],
    ];
    const timeline: Record<string, unknown> = {};
    const all: number[] = [];
    let slowest = { window: '', ms: 0 };
    for (const [name, width] of widths) {
      const times: number[] = [];
      const positions = width >= HOURS * 3600 ? [0] : [0, 0.25, 0.5, 0.75, 1];
      let points = 0;
      for (const at of positions) {
        const from = span.from + at * (span.to - span.from - width);
        const args = width >= HOURS * 3600 ? { id } : { id, from, to: from + width };
        await dispatch(handlers, 'sessions.timeline', args); // warm the page cache once per window
        for (let run = 0; run < 3; run++) {
          const { ms, result } = await timedMs(() => dispatch(handlers, 'sessions.timeline', args));
          times.push(ms);
          points = result.processes.reduce((n, p) => n + p.rss.t.length, 0);
          if (ms > slowest.ms) slowest = { window: `${name} at ${at * 100}%`, ms: round(ms, 2) };
        }
      }
      all.push(...times);
      timeline[name] = { ...stats(times), windows: positions.length, points_drawn: points };
    }
    // What the whole-session and a 10 s call read: the rollup level chosen and the rows it took.
    const readOf = (from: number, to: number) => {
      const rows = timelineRows(lib.db, id, from, to, 800);
      return { level_s: rows.level, rows_read: rows.processes.reduce((n, p) => n + p.t.length, 0) };
    };
    const mid = span.from + HOURS * 1800;
    const wholeRead = await timedMs(() => readOf(-1e308, 1e308));
    const narrowRead = await timedMs(() => readOf(mid, mid + 10));
    const listPlan = (
      lib.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT max(r.rss_max) FROM sample_rollup r JOIN processes p ON p.id = r.process_id
           WHERE p.session_id = ? AND r.level = 120`,
        )
        .all(id) as { detail: string }[]
    ).map((r) => r.detail);

    const listTimes: number[] = [];
    for (let run = 0; run < 5; run++)
      listTimes.push((await timedMs(() => dispatch(handlers, 'sessions.list', {}))).ms);

    const file = path.join(t.dir, 'eight-hours.djleak');
    const exported = await timedMs(() => dispatch(handlers, 'sessions.export', { id, file, redact: false }));
    const imported = await timedMs(() => dispatch(handlers, 'sessions.import', { file }));

    const ingest = Math.round(w.stream_rows / w.total_s);
    const timelineMax = Math.max(...all);
    const libraryMb = mb(libraryBytes);
    return {
      session: {
        hours: HOURS,
        processes: PROCESSES,
        samples: PROCESSES * HOURS * 3600 * SAMPLE_HZ,
        requests: w.requests,
        snapshots: w.snapshots,
        snapshot_rows: w.snapshot_rows,
        flushes: w.flushes,
      },
      ingest: {
        rows: w.stream_rows,
        seconds: round(w.total_s, 2),
        rows_per_s: ingest,
        rows_per_s_in_transactions: Math.round(w.stream_rows / w.write_s),
        goal_rows_per_s: GOALS.ingest_rows_per_s,
        met: ingest >= GOALS.ingest_rows_per_s,
        snapshot_store_ms_each: round(w.snapshot_store_ms_each, 1),
      },
      library: { mb: libraryMb, goal_mb: GOALS.library_mb, met: libraryMb < GOALS.library_mb },
      timeline: {
        ...timeline,
        all_windows: { ...stats(all), slowest },
        goal_ms: GOALS.timeline_ms,
        met: timelineMax < GOALS.timeline_ms,
        over_goal_by_ms: timelineMax < GOALS.timeline_ms ? 0 : round(timelineMax - GOALS.timeline_ms, 1),
        whole_session_read: { ms: round(wholeRead.ms, 1), ...wholeRead.result },
        ten_s_read: { ms: round(narrowRead.ms, 1), ...narrowRead.result },
      },
      session_list: { ...stats(listTimes), peak_rss_query_plan: listPlan },
      export: {
        ms: round(exported.ms, 0),
        file_mb: mb(exported.result.bytes),
        redact: false,
      },
      import: { ms: round(imported.ms, 0) },
    };
  } finally {
    await engine.shutdown();
    t.cleanup();
  }
}
