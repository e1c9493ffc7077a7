import type { Library } from '../../main/store/library.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { sampleItem } from './samples.ts';

/** Writes one hour of a 4-process session (10 Hz samples, 20k requests) as the engine does: one transaction per flush. */
export function buildOneHourSession(engine: { library: Library }): {
  session: number;
  rows: number;
  seconds: number;
  processes: number;
} {
  const lib = engine.library;
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
  const batch = 25;
  let rows = 0;
  const started = performance.now();
  for (let i = 0; i < perProcess; i += batch) {
    for (const p of procs) {
      writer.addSamples(
        p,
        Array.from({ length: batch }, (_, k) =>
          sampleItem((i + k) / 10, 50_000_000 + (i + k) * 100 + ((i + k) % 13) * 4096, {
            heap: 30_000_000 + (i + k) * 80,
            gc_count: [1, 2, 3],
            gc_collections: [i + k, 5, 6],
            gc_collected: [7, 8, 9],
            threads: 3,
            fds: 9,
          }),
        ),
      );
    }
    writer.addRequests(
      procs[i % 4]!,
      Array.from({ length: 14 }, (_, k) => ({
        t: i / 10 + k / 100,
        method: 'GET',
        route: `r${k % 7}/`,
        path: `/r${k % 7}/`,
        status: 200,
        duration_ms: 3.2,
        rss_before: 1,
        rss_after: 2,
      })),
    );
    rows += writer.flush();
  }
  writer.flush(true);
  return { session, rows, seconds: (performance.now() - started) / 1000, processes: procs.length };
}
