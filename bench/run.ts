import { statSync } from 'node:fs';
import path from 'node:path';
import { Library } from '../main/store/library.ts';
import { sampleSeries } from '../main/store/queries.ts';
import { SessionWriter } from '../main/store/writer.ts';
import { tempDir } from '../test/helpers/tmp.ts';

/** Store ingest: one hour of 10 Hz samples for 4 processes plus 20k requests, flushed as the engine does. */
function ingest(): Record<string, number> {
  const t = tempDir('djleak-bench-');
  const lib = new Library(path.join(t.dir, 'library.sqlite'));
  try {
    const session = lib.createSession({
      name: 'bench',
      project: '/p',
      python: null,
      server: 'gunicorn',
      command: [],
      startedAt: 0,
    });
    const procs = [0, 1, 2, 3].map((i) =>
      lib.addProcess(session, { pid: 100 + i, ppid: 1, role: 'worker', argv: [], t: 0 }),
    );
    const writer = new SessionWriter(lib.db, session);
    const perProcess = 36_000;
    const batch = 25; // 2.5 s of samples per process between flushes (the engine flushes every 250 ms)
    let rows = 0;
    const started = performance.now();
    for (let i = 0; i < perProcess; i += batch) {
      for (const p of procs) {
        const items = Array.from({ length: batch }, (_, k) => ({
          t: (i + k) / 10,
          rss: 50_000_000 + (i + k) * 100,
          gc_count: [1, 2, 3] as [number, number, number],
          gc_collections: [4, 5, 6] as [number, number, number],
          gc_collected: [7, 8, 9] as [number, number, number],
          gc_uncollectable: [0, 0, 0] as [number, number, number],
          gc_enabled: true,
          threads: 3,
          fds: 9,
        }));
        writer.addSamples(p, items);
      }
      const requests = Array.from({ length: 14 }, (_, k) => ({
        t: i / 10 + k / 100,
        method: 'GET',
        route: `r${k % 7}/`,
        path: `/r${k % 7}/`,
        status: 200,
        duration_ms: 3.2,
        rss_before: 1,
        rss_after: 2,
      }));
      writer.addRequests(procs[0]!, requests);
      rows += writer.flush();
    }
    const seconds = (performance.now() - started) / 1000;
    const q0 = performance.now();
    const series = sampleSeries(lib.db, procs[1]!, 1000, 1600);
    const windowMs = performance.now() - q0;
    lib.db.pragma('wal_checkpoint(TRUNCATE)');
    return {
      rows,
      ingest_rows_per_s: Math.round(rows / seconds),
      library_mb: Math.round((statSync(lib.file).size / 1048576) * 10) / 10,
      timeline_window_rows: series.length,
      timeline_window_ms: Math.round(windowMs * 100) / 100,
    };
  } finally {
    lib.close();
    t.cleanup();
  }
}

process.stdout.write(JSON.stringify({ store_ingest_1h_4proc: ingest() }, null, 2) + '\n');
