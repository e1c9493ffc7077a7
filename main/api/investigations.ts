import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { LaunchError } from '../launcher/errors.ts';
import { ENV_NAME } from '../launcher/environment.ts';
import { EXAMPLE_NAMES } from '../launcher/examples.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

export const startSchema = z
  .object({
    demo: z.boolean().optional(),
    example: z.enum(EXAMPLE_NAMES).optional(),
    project: z.string().min(1).max(4096).optional(),
    python: z.string().min(1).max(4096).optional(),
    settings: z
      .string()
      .regex(/^[A-Za-z_][\w.]*$/, 'must be a dotted Python module path')
      .optional(),
    server: z.enum(['runserver', 'gunicorn']).optional(),
    workers: z.number().int().min(1).max(64).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    name: z.string().max(200).optional(),
    env: z
      .record(
        z.string().regex(ENV_NAME, 'a variable name is letters, digits and _, not starting with a digit'),
        z
          .string()
          .max(65536)
          .refine((v) => !v.includes('\0'), 'a value cannot hold a NUL byte'),
      )
      .refine((env) => Object.keys(env).length <= 1000, 'at most 1000 variables')
      .optional(),
  })
  .strict()
  .refine((a) => a.demo || a.example || a.project, { message: 'give a project folder or choose the demo' })
  .refine((a) => [a.demo, a.example, a.project].filter(Boolean).length <= 1, {
    message: 'give one of a project folder, the demo or an example',
  });

export function investigationHandlers(engine: Engine) {
  return {
    'investigation.start': {
      input: startSchema,
      run: async (args) => {
        try {
          const investigation = await engine.startInvestigation(args);
          return { sessionId: investigation.sessionId, port: investigation.port };
        } catch (error) {
          if (error instanceof LaunchError) throw ApiError.fromLaunch(error);
          throw error;
        }
      },
    },
    'investigation.stop': {
      input: z.object({ sessionId: z.number().int().positive() }).strict(),
      run: async ({ sessionId }) => {
        const investigation = engine.running.get(sessionId);
        if (!investigation) throw new ApiError('not-found', `session ${sessionId} is not running`);
        return { status: await investigation.stop() };
      },
    },
    'investigation.running': {
      input: z.object({}).strict(),
      run: () =>
        [...engine.running.values()].map((i) => ({
          sessionId: i.sessionId,
          port: i.port,
          url: `http://127.0.0.1:${i.port}/`,
        })),
    },
  } satisfies HandlerSpecs<'investigation.start' | 'investigation.stop' | 'investigation.running'>;
}
