import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { demoPython, repoRoot } from '../test/helpers/demo.ts';
import { tempDir } from '../test/helpers/tmp.ts';

/**
 * The probe's heap walks (census, the database-connection gauge, referrers) beside an app thread: the walk's
 * time, how long the app thread stops, and how many of its tuples break with the walks paused as shipped and
 * unpaused (bench/heap_walks.py).
 */
export function heapWalks(): Record<string, unknown> {
  const t = tempDir('djleak-walks-');
  try {
    const py = spawnSync(
      demoPython,
      [
        path.join(repoRoot, 'bench', 'heap_walks.py'),
        path.join(repoRoot, 'assets', 'examples', 'leaky_shop'),
        path.join(repoRoot, 'assets', 'probe'),
        path.join(t.dir, 'shop.sqlite3'),
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (py.status !== 0) throw new Error(`heap walks bench failed: ${py.stderr}`);
    return JSON.parse(py.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  } finally {
    t.cleanup();
  }
}
