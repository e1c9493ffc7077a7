import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/demo.ts';

/** Lints `code` as if it were the file at `file` (a copy of a real one with an import added): the layer rules of
 * eslint.config.js apply by path. */
async function importErrors(file: string, added: string): Promise<string[]> {
  const original = readFileSync(path.join(repoRoot, file), 'utf8');
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(`${added}\n${original}`, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** Relative imports (type-only ones too) of every .ts file under main/, as paths from the repository root. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) {
        const source = readFileSync(path.join(repoRoot, rel), 'utf8');
        const targets = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)].map(
          (m) => path.normalize(path.join(dir, m[1]!)),
        );
        graph.set(rel, targets);
      }
    }
  };
  walk('main');
  return graph;
}

/** A cycle through `start`, if any (depth-first). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the engine in layers', () => {
  /** The file lints clean as it is, and each added import is refused with a message matching `said`. */
  async function refuses(file: string, imports: string[], said: RegExp): Promise<void> {
    expect(await importErrors(file, '')).toEqual([]);
    for (const added of imports) {
      const errors = await importErrors(file, added);
      expect(errors.length, added).toBeGreaterThanOrEqual(1);
      expect(errors.join(' '), added).toMatch(said);
    }
  }

  it('lint rejects a store file importing the engine, analysis or api/', { timeout: 60_000 }, async () => {
    const file = 'main/store/scans.ts';
    await refuses(
      file,
      [
        "import type { Engine } from '../engine.ts';",
        "import { ApiError } from '../api/errors.ts';",
        "import { memoryMetric } from '../analysis/verdict.ts';",
        "import type { Investigation } from '../investigation.ts';",
      ],
      /store\/ imports only itself/,
    );
    // What the store may import still passes.
    expect(await importErrors(file, "import type { Sample } from '../probe/protocol.ts';")).toEqual([]);
  });

  it(
    'lint rejects an analysis file importing the store, api/, the engine or I/O',
    { timeout: 60_000 },
    async () => {
      await refuses(
        'main/analysis/verdict.ts',
        [
          "import { scanResults } from '../store/scans.ts';",
          "import { ApiError } from '../api/errors.ts';",
          "import type { Engine } from '../engine.ts';",
          "import { readFileSync } from 'node:fs';",
        ],
        /analysis\/ is pure/,
      );
    },
  );

  it(
    'lint rejects a face imported below the faces: the engine throws its own errors',
    { timeout: 60_000 },
    async () => {
      for (const [file, up] of [
        ['main/engine.ts', '.'],
        ['main/investigation.ts', '.'],
        ['main/scan/run.ts', '..'],
        ['main/heap/diff.ts', '..'],
        ['main/probe/link.ts', '..'],
        ['main/launcher/target.ts', '..'],
      ] as const) {
        for (const face of ['api/errors.ts', 'cli/args.ts', 'web/server.ts']) {
          const errors = await importErrors(file, `import * as _face from '${up}/${face}';`);
          expect(errors.length, `${file} importing ${face}`).toBeGreaterThanOrEqual(1);
          expect(errors.join(' '), `${file} importing ${face}`).toMatch(/Only the faces/);
        }
      }
      // The faces may.
      expect(await importErrors('main/cli/args.ts', "import * as _face from '../api/errors.ts';")).toEqual(
        [],
      );
    },
  );

  it(
    'lint keeps the probe link and the launcher on the contract and below',
    { timeout: 60_000 },
    async () => {
      await refuses(
        'main/probe/link.ts',
        [
          "import { Library } from '../store/library.ts';",
          "import { LaunchError } from '../launcher/errors.ts';",
        ],
        /probe\/ imports only itself/,
      );
      await refuses(
        'main/launcher/target.ts',
        [
          "import { Library } from '../store/library.ts';",
          "import { verdict } from '../analysis/verdict.ts';",
        ],
        /launcher\/ imports only itself/,
      );
    },
  );

  it('has no import cycle in main/', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    // The check sees a cycle where there is one: close one on purpose.
    const closed = new Map(graph);
    closed.set('main/analysis/verdict.ts', [
      ...graph.get('main/analysis/verdict.ts')!,
      'main/analysis/report.ts',
    ]);
    expect(cycles(closed).length).toBeGreaterThan(0);
    expect(cycles(graph)).toEqual([]);
  });
});
