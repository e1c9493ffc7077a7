import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoEndpoints, demoPython, repoRoot } from '../helpers/demo.ts';

describe('the demo manifest (leaks.json)', () => {
  it('names a planted line that carries its marker for every endpoint, and every URL resolves in Django', () => {
    const dir = path.join(repoRoot, 'assets', 'examples', 'leaky_shop');
    const out = execFileSync(demoPython, ['check_leaks.py', '--django'], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/ok: \d+ endpoints/);
  });

  it('has one leaking endpoint per checklist item and controls that do not leak', () => {
    const endpoints = demoEndpoints();
    const items = endpoints.filter((e) => e.leaks).map((e) => e.checklist);
    expect(items.sort()).toEqual([
      'clear-caches',
      'close-db-connections',
      'destroy-session-data',
      'garbage-collection',
      'weakref',
    ]);
    expect(endpoints.filter((e) => !e.leaks).length).toBeGreaterThanOrEqual(3);
  });
});
