import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '../main/analysis/report.ts';
import {
  demoEndpoints,
  demoPython,
  demoVenv,
  findingMismatches,
  repoRoot,
  slowLeaksEndpoints,
} from '../test/helpers/demo.ts';
import { tempDir } from '../test/helpers/tmp.ts';

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** One `djleak run --scan` through the real CLI (without the diagnosis unless asked); the report and its wall
 * time. */
export function cliScan(
  target: string[],
  opts: { diagnosis?: boolean; keep?: string } = {},
): { report: Report; wall_s: number } {
  const t = tempDir('djleak-bench-');
  try {
    const json = path.join(t.dir, 'report.json');
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin', 'djleak.js'),
        'run',
        ...target,
        '--scan',
        ...(opts.diagnosis ? [] : ['--skip-diagnosis']),
        '--json',
        json,
        '--db',
        path.join(t.dir, 'lib.sqlite'),
      ],
      {
        env: { ...process.env, DJLEAK_HOME: t.dir, DJLEAK_DEMO_VENV: demoVenv },
        encoding: 'utf8',
        maxBuffer: 64 * 1048576,
      },
    );
    const wall_s = round((performance.now() - started) / 1000, 1);
    if (opts.keep && existsSync(path.join(t.dir, 'lib.sqlite')))
      copyFileSync(path.join(t.dir, 'lib.sqlite'), opts.keep);
    if (result.status !== 0) throw new Error(`scan failed (${result.status}): ${result.stderr.slice(-2000)}`);
    return { report: JSON.parse(readFileSync(json, 'utf8')) as Report, wall_s };
  } finally {
    t.cleanup();
  }
}

/**
 * Issue 12's figures: `runs` discovery scans of assets/examples/slow_leaks (leaks of 76 B to 4.2 KB a request
 * and hard controls), graded against its leaks.json: per run the leaks found and missed, the false leaks among
 * the controls, the controls left inconclusive and the checklist items that differ from leaks.json; over the runs the smallest leak found in every run, each
 * leak's estimate against its planted size and whether the 95 % range held it, and the wall times.
 */
export function sensitivity(runs = Number(process.env.SENSITIVITY_RUNS ?? 5)): Record<string, unknown> {
  const manifest = slowLeaksEndpoints();
  const project = path.join(repoRoot, 'assets', 'examples', 'slow_leaks');
  const perRun: Record<string, unknown>[] = [];
  const estimates = new Map<string, { planted: number; got: number[]; held: number }>();
  const foundEveryRun = new Map(manifest.filter((e) => e.leaks).map((e) => [e.path, 0]));
  for (let run = 0; run < runs; run++) {
    // BENCH_KEEP=DIR keeps each run's library (its points, to see why a verdict went wrong)
    const keep = process.env.BENCH_KEEP
      ? path.join(process.env.BENCH_KEEP, `slow_leaks-${run + 1}.sqlite`)
      : undefined;
    const { report, wall_s } = cliScan(['--project', project, '--python', demoPython], { keep });
    const verdict = (p: string) => report.endpoints.find((e) => e.path === p);
    const missed: string[] = [];
    const falseLeaks: string[] = [];
    const undecided: string[] = [];
    for (const e of manifest) {
      const got = verdict(e.path);
      if (e.leaks) {
        if (got?.verdict === 'leak') foundEveryRun.set(e.path, foundEveryRun.get(e.path)! + 1);
        else missed.push(`${e.path} (${got?.verdict ?? 'not scanned'}): ${got?.reason ?? ''}`);
        const entry = estimates.get(e.path) ?? { planted: e.bytes_per_request, got: [], held: 0 };
        entry.got.push(got?.retained_bytes_per_request ?? 0);
        const range = got?.retained_range;
        if (range && range[0] <= e.bytes_per_request && e.bytes_per_request <= range[1]) entry.held++;
        estimates.set(e.path, entry);
      } else if (got?.verdict === 'leak') falseLeaks.push(`${e.path}: ${got.reason}`);
      else if (got?.verdict !== 'ok')
        undecided.push(`${e.path} (${got?.verdict ?? 'not scanned'}): ${got?.reason ?? ''}`);
    }
    perRun.push({
      wall_s,
      missed,
      false_leaks: falseLeaks,
      controls_not_ok: undecided,
      // each leak under its leaks.json item only, no control under any (findings from the gauges alone)
      checklist_mismatches: findingMismatches(report.findings, manifest),
    });
  }
  const always = manifest
    .filter((e) => e.leaks && foundEveryRun.get(e.path) === runs)
    .map((e) => e.bytes_per_request);
  const demo = cliScan(['--demo'], {
    keep: process.env.BENCH_KEEP ? path.join(process.env.BENCH_KEEP, 'demo.sqlite') : undefined,
  });
  const demoManifest = demoEndpoints();
  return {
    runs,
    smallest_leak_found_every_run_bytes: always.length ? Math.min(...always) : null,
    leaks_found_every_run: `${always.length}/${foundEveryRun.size}`,
    false_leaks_total: perRun.reduce((n, r) => n + (r.false_leaks as string[]).length, 0),
    checklist_mismatches_total: perRun.reduce((n, r) => n + (r.checklist_mismatches as string[]).length, 0),
    per_run: perRun,
    estimates: Object.fromEntries(
      [...estimates].map(([p, e]) => [
        p,
        {
          planted: e.planted,
          estimates: e.got,
          worst_error_pct: round(Math.max(...e.got.map((g) => Math.abs(g - e.planted) / e.planted)) * 100, 1),
          range_held_planted: `${e.held}/${runs}`,
        },
      ]),
    ),
    wall_s: perRun.map((r) => r.wall_s),
    demo_scan_wall_s: demo.wall_s,
    demo_verdicts: Object.fromEntries(demo.report.endpoints.map((e) => [e.path, e.verdict ?? null])),
    // the demo's endpoints whose verdict is not leaks.json's, with the engine's reason
    demo_mismatches: demo.report.endpoints
      .filter((e) => {
        const planted = demoManifest.find((m) => m.path === e.path);
        return planted && e.verdict !== (planted.leaks ? 'leak' : 'ok');
      })
      .map((e) => `${e.path} (${e.verdict}): ${e.reason}`),
  };
}
