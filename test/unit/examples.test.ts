import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExampleName } from '../../preload/contract.ts';
import { startSchema } from '../../main/api/investigations.ts';
import { USAGE } from '../../main/cli/args.ts';
import {
  DEFAULT_EXAMPLE,
  EXAMPLE_NAMES,
  exampleDir,
  exampleRequirements,
  listExamples,
  requestedExample,
} from '../../main/launcher/examples.ts';
import { inspectProject } from '../../main/launcher/project.ts';
import { demoDir } from '../../main/paths.ts';
import { repoRoot } from '../helpers/demo.ts';

describe('the bundled examples', () => {
  it('lists the demo (default), slow_leaks and lending_library, each a Django project whose settings manage.py names', () => {
    expect(EXAMPLE_NAMES).toEqual(['leaky_shop', 'slow_leaks', 'lending_library']);
    expect(DEFAULT_EXAMPLE).toBe('leaky_shop');
    expect(exampleDir('leaky_shop')).toBe(demoDir());
    expect(exampleDir('slow_leaks')).toBe(path.join(repoRoot, 'assets', 'examples', 'slow_leaks'));
    expect(listExamples().map((e) => [e.name, e.default])).toEqual([
      ['leaky_shop', true],
      ['slow_leaks', false],
      ['lending_library', false],
    ]);
    expect(listExamples()[1]!.description).toBe('small leaks of 76 B–4 KB a request among hard controls');
    for (const e of listExamples()) {
      expect(existsSync(path.join(e.project, 'requirements.txt')), e.name).toBe(true);
      expect(USAGE, e.name).toContain(e.name);
    }
    expect(inspectProject(exampleDir('slow_leaks'), undefined).settings).toBe('slow_leaks.settings');
    expect(inspectProject(exampleDir('leaky_shop'), undefined).settings).toBe('leaky_shop.settings');
    expect(inspectProject(exampleDir('lending_library'), undefined).settings).toBe(
      'lending_library.settings',
    );
  });

  it('installs one requirements set when the examples need the same packages', () => {
    const files = exampleRequirements();
    const wanted = (name: ExampleName): string =>
      readFileSync(path.join(exampleDir(name), 'requirements.txt'), 'utf8').trim();
    // Today both ask for Django 5.2 and gunicorn: one file serves both.
    expect(wanted('slow_leaks')).toBe(wanted('leaky_shop'));
    expect(files).toEqual([path.join(exampleDir('leaky_shop'), 'requirements.txt')]);
  });

  it('reads `demo: true` as the demo, `example` as named, and neither as a project', () => {
    expect(requestedExample({ demo: true })).toBe('leaky_shop');
    expect(requestedExample({ example: 'slow_leaks' })).toBe('slow_leaks');
    expect(requestedExample({ demo: false })).toBeNull();
    expect(requestedExample({})).toBeNull();
  });

  it('the start call takes one of a project, the demo or an example', () => {
    expect(startSchema.safeParse({ example: 'slow_leaks' }).success).toBe(true);
    expect(startSchema.safeParse({ demo: true }).success).toBe(true);
    expect(startSchema.safeParse({ example: 'nope' }).success).toBe(false);
    expect(startSchema.safeParse({ example: 'slow_leaks', demo: true }).success).toBe(false);
    expect(startSchema.safeParse({ example: 'slow_leaks', project: '/p' }).success).toBe(false);
    expect(startSchema.safeParse({ demo: true, project: '/p' }).success).toBe(false);
  });
});
