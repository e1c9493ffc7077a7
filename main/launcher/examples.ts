import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExampleDto, ExampleName, StartInvestigationArgs } from '../../preload/contract.ts';
import { resourceRoot } from '../paths.ts';

interface ExampleEntry {
  /** The folder under assets/examples. */
  folder: string;
  title: string;
  description: string;
}

/** The bundled example projects. They share one managed virtualenv (see ensureDemoVenv). */
const EXAMPLES = {
  leaky_shop: {
    folder: 'leaky_shop',
    title: 'The leaky shop (demo)',
    description: 'a Django shop with five planted leaks and a few harmless endpoints to compare with',
  },
  slow_leaks: {
    folder: 'slow_leaks',
    title: 'Slow leaks',
    description: 'small leaks of 76 B–4 KB a request among hard controls',
  },
  lending_library: {
    folder: 'lending_library',
    title: 'Lending library',
    description:
      'a catalogue whose pages need a login, with detail views by key: one leak behind the login, one in a detail view',
  },
} as const satisfies Record<ExampleName, ExampleEntry>;

/** What `--demo` (and `demo: true`) starts. */
export const DEFAULT_EXAMPLE: ExampleName = 'leaky_shop';

export const EXAMPLE_NAMES = Object.keys(EXAMPLES) as [ExampleName, ...ExampleName[]];

export function isExampleName(name: string): name is ExampleName {
  return Object.hasOwn(EXAMPLES, name);
}

export function exampleDir(name: ExampleName): string {
  return path.join(resourceRoot(), 'assets', 'examples', EXAMPLES[name].folder);
}

export function listExamples(): ExampleDto[] {
  return EXAMPLE_NAMES.map((name) => ({
    name,
    title: EXAMPLES[name].title,
    description: EXAMPLES[name].description,
    project: exampleDir(name),
    default: name === DEFAULT_EXAMPLE,
  }));
}

/** The example a start asks for: `example`, or the demo for `demo: true` (older callers, stored options). */
export function requestedExample(args: Pick<StartInvestigationArgs, 'demo' | 'example'>): ExampleName | null {
  return args.example ?? (args.demo ? DEFAULT_EXAMPLE : null);
}

/**
 * The requirements files the shared virtualenv installs: one per distinct content, so examples that need
 * the same packages (today all of them: Django 5.2 and gunicorn) install once, and any that differ add theirs.
 */
export function exampleRequirements(): string[] {
  const seen = new Map<string, string>();
  for (const name of EXAMPLE_NAMES) {
    const file = path.join(exampleDir(name), 'requirements.txt');
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean)
      .sort()
      .join('\n');
    if (!seen.has(lines)) seen.set(lines, file);
  }
  return [...seen.values()];
}
