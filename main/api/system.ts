import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { LaunchError } from '../launcher/errors.ts';
import { inspectCandidates } from '../launcher/interpreter.ts';
import { listExamples } from '../launcher/examples.ts';
import { inspectProject } from '../launcher/project.ts';
import { demoDir, resourceRoot } from '../paths.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

function version(): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(resourceRoot(), 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

export function systemHandlers(engine: Engine) {
  return {
    'project.inspect': {
      input: z
        .object({ project: z.string().min(1).max(4096), python: z.string().min(1).max(4096).optional() })
        .strict(),
      run: async ({ project, python }) => {
        try {
          const layout = inspectProject(project, undefined);
          return { ...layout, interpreters: await inspectCandidates(layout.dir, python) };
        } catch (error) {
          if (error instanceof LaunchError)
            throw new ApiError('bad-input', error.messageFor('app'), [], error.field);
          throw error;
        }
      },
    },
    'system.info': {
      input: z.object({}).strict(),
      run: () => ({
        version: version(),
        dataHome: engine.dataHome,
        libraryFile: engine.library.file,
        demoProject: demoDir(),
        platform: process.platform,
        examples: listExamples(),
      }),
    },
  } satisfies HandlerSpecs<'project.inspect' | 'system.info'>;
}
