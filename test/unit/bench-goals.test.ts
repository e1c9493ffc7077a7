import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { goals } from '../../bench/goals.ts';
import { repoRoot } from '../helpers/demo.ts';

describe('the benchmarks held to their goals', () => {
  it('reads the goals a benchmark reports and the ones set on its figures', () => {
    const held = goals({
      long_session_8h: {
        library: { mb: 250.5, goal_mb: 200, met: false },
        ingest: { rows_per_s: 61_000, goal_rows_per_s: 50_000, met: true },
      },
      sensitivity: { leaks_found_every_run: '6/7', false_leaks_total: 0, demo_mismatches: [] },
      probe_overhead: { '/fast/': { light_mode_ratio: 0.9 }, server: 'gunicorn' },
    });
    expect(held.filter((g) => !g.met).map((g) => [g.figure, g.value])).toEqual([
      ['long_session_8h.library', { mb: 250.5 }],
      ['sensitivity.leaks_found_every_run', '6/7'],
      ['probe_overhead./fast/.light_mode_ratio', 0.9],
    ]);
    expect(held.filter((g) => g.met).map((g) => g.figure)).toEqual([
      'long_session_8h.ingest',
      'sensitivity.false_leaks_total',
      'sensitivity.demo_mismatches',
    ]);
    // A run of one benchmark checks only the figures it has.
    expect(goals({ snapshot_diff_100k: { ms: 5 } })).toEqual([]);
  });

  it('--check exits 0 when no figure misses its goal (a run of no benchmark)', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'bench.js'), 'none', '--check'], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ goals: [] });
  });
});
