import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { demoPython, repoRoot } from '../test/helpers/demo.ts';

/**
 * The probe's own speed goals (bench/probe_costs.py): one sample and one RSS read, and the longest app call while
 * the engine stops reading. Moved here from the probe's tests, which check the behaviour only.
 */
export function probeCosts(): Record<string, unknown> {
  const py = spawnSync(
    demoPython,
    [path.join(repoRoot, 'bench', 'probe_costs.py'), path.join(repoRoot, 'assets', 'probe')],
    { encoding: 'utf8', timeout: 900_000 },
  );
  if (py.status !== 0) throw new Error(`probe costs bench failed: ${py.stderr}`);
  return JSON.parse(py.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}
