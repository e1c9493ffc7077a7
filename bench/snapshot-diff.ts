import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffSnapshots, type Frame, type SiteRow } from '../main/analysis/snapshot-diff.ts';
import { Library } from '../main/store/library.ts';
import { snapshotRows, storeSnapshot } from '../main/store/snapshots.ts';
import { demoPython } from '../test/helpers/demo.ts';
import { tempDir } from '../test/helpers/tmp.ts';

const SITES = 100_000;
const DEPTH = 10;

/** Deterministic pseudo-random numbers (LCG), so every run diffs the same data. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function synthetic(): { frames: Frame[][]; before: SiteRow[]; after: SiteRow[] } {
  const rnd = lcg(42);
  const frames: Frame[][] = [];
  for (let i = 0; i < SITES; i++) {
    // Unique tracebacks: the innermost frame's line differs per site; callers are shared, as in real code.
    frames.push(
      Array.from({ length: DEPTH }, (_, d) =>
        d === 0
          ? { file: `/srv/shop/app/mod${i % 400}.py`, line: 1 + Math.floor(i / 400) }
          : { file: `/srv/shop/app/caller${(i + d) % 50}.py`, line: 10 * d },
      ),
    );
  }
  const before: SiteRow[] = [];
  const after: SiteRow[] = [];
  for (let i = 0; i < SITES; i++) {
    const size = 32 + Math.floor(rnd() * 4096);
    if (i % 10 !== 0) before.push({ site: i, size, count: 1 }); // 10 % new in the second snapshot
    if (i % 13 !== 0)
      after.push({ site: i, size: rnd() < 0.3 ? size + Math.floor(rnd() * 2048) : size, count: 1 }); // some freed
  }
  return { frames, before, after };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const round = (n: number): number => Math.round(n * 10) / 10;

const PYTHON_COMPARE = `
import json, sys, time, tracemalloc
data = json.load(open(sys.argv[1]))
frames = [tuple((f, l) for f, l in site) for site in data["frames"]]
def snap(rows):
    # raw traces: (domain, size, frames most recent first, total_nframe), as tracemalloc keeps them
    return tracemalloc.Snapshot([(0, size, frames[site], len(frames[site])) for site, size in rows], ${DEPTH})
a, b = snap(data["before"]), snap(data["after"])
times = []
for _ in range(5):
    t0 = time.perf_counter()
    stats = b.compare_to(a, "traceback")
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[2], "rows": len(stats)}))
`;

/** djleak's diff and tracemalloc's own Snapshot.compare_to on the same 100,000 tracebacks, in one run. */
export function snapshotDiffBench(): Record<string, unknown> {
  const t = tempDir('djleak-bench-');
  try {
    const { frames, before, after } = synthetic();
    const byId = new Map(frames.map((f, i) => [i, f] as const));
    const ours: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      rows = diffSnapshots(before, after, byId, {
        groupBy: 'site',
        projectRoot: '/srv/shop',
        scope: 'all',
        limit: SITES,
      }).length;
      ours.push(performance.now() - t0);
    }
    const oursLine: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      diffSnapshots(before, after, byId, { groupBy: 'line', projectRoot: '/srv/shop', scope: 'project' });
      oursLine.push(performance.now() - t0);
    }

    const dataFile = path.join(t.dir, 'snapshots.json');
    writeFileSync(
      dataFile,
      JSON.stringify({
        frames: frames.map((f) => f.map((x) => [x.file, x.line])),
        before: before.map((r) => [r.site, r.size]),
        after: after.map((r) => [r.site, r.size]),
      }),
    );
    const py = spawnSync(demoPython, ['-c', PYTHON_COMPARE, dataFile], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) throw new Error(`tracemalloc compare_to failed: ${py.stderr}`);
    const theirs = JSON.parse(py.stdout.trim()) as { ms: number; rows: number };

    // Storing: a fresh library, 100k rows of 10-frame tracebacks, then the same sites again (interned).
    const lib = new Library(path.join(t.dir, 'library.sqlite'));
    const session = lib.createSession({
      name: 'b',
      project: '/srv/shop',
      python: null,
      server: 'runserver',
      command: [],
      startedAt: 0,
    });
    const wire = before.map((r) => ({
      size: r.size,
      count: r.count,
      frames: frames[r.site]!.map((f) => [f.file, f.line] as [string, number]),
    }));
    const meta = {
      pid: 1,
      label: 'a',
      t: 0,
      frames: DEPTH,
      traced_bytes: 0,
      rows_total: wire.length,
      truncated: false,
      requests: 0,
    };
    let t0 = performance.now();
    const first = storeSnapshot(lib.db, session, meta, wire);
    const storeFirst = performance.now() - t0;
    t0 = performance.now();
    storeSnapshot(lib.db, session, { ...meta, label: 'b' }, wire);
    const storeSecond = performance.now() - t0;
    t0 = performance.now();
    const loaded = snapshotRows(lib.db, first).length;
    const load = performance.now() - t0;
    lib.close();

    return {
      sites: SITES,
      frames_per_site: DEPTH,
      djleak_diff_by_site_ms: round(median(ours)),
      djleak_diff_by_line_ms: round(median(oursLine)),
      tracemalloc_compare_to_ms: round(theirs.ms),
      speedup: round(theirs.ms / median(ours)),
      rows_djleak: rows,
      rows_tracemalloc: theirs.rows,
      store_100k_rows_new_sites_ms: Math.round(storeFirst),
      store_100k_rows_known_sites_ms: Math.round(storeSecond),
      load_100k_rows_ms: round(load),
      loaded_rows: loaded,
    };
  } finally {
    t.cleanup();
  }
}
