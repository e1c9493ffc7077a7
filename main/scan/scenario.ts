import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LaunchError } from '../launcher/errors.ts';

/** An HTTP header name (an RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/;

/** Header names and one-line values, each bad one named. */
const headersSchema = z
  .record(
    z.string(),
    z
      .string()
      .max(8000)
      .regex(/^[^\r\n]*$/, 'must be on one line'),
  )
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers))
      if (!HEADER_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
  });

const endpointSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    path: z.string().startsWith('/', 'must start with /').max(2000),
    requests: z.number().int().min(1).max(1_000_000).default(50),
    body: z.string().max(1_000_000).optional(),
    form: z.record(z.string(), z.string()).optional(),
    headers: headersSchema.optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    endpoints: z.array(endpointSchema).min(1, 'needs at least one endpoint').max(1000),
    cookies: z.enum(['fresh', 'keep']).default('fresh'),
    /** An existing user every request is logged in as (a session the probe makes in the target). */
    login: z.string().min(1).max(254).optional(),
    /** Headers sent with every request (a token-authenticated API); an endpoint's own headers win. */
    headers: headersSchema.optional(),
    concurrency: z.number().int().min(1).max(64).default(1),
    /** Requests per endpoint before measuring, not recorded: imports, first-use caches, connections. */
    warmup: z.number().int().min(0).max(100_000).default(10),
    /** Each endpoint's requests are split into this many rounds, with a measurement after each. */
    rounds: z.number().int().min(2).max(1000).default(5),
    /** The smallest leak of interest, bytes per request: an endpoint shown to retain less is ok. */
    min_leak: z.number().int('must be a whole number of bytes').positive().max(1_000_000_000).default(64),
    /** Requests per endpoint at the most, the first rounds included: an endpoint not decided by then is
     * extended with larger rounds up to this many. */
    max_requests: z.number().int().positive().max(10_000_000).default(2000),
    /** Seconds per endpoint at the most (a slow view): no extension starts that would run past it. 240: the demo's
     * 215 ms report, noisy with its transient allocations, once needed ~770 requests to be shown under 64 B. */
    max_seconds: z
      .number()
      .positive()
      .max(24 * 3600)
      .default(240),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioEndpoint = Scenario['endpoints'][number];

/** Validates a scenario; the message names the file and the first offending field. */
export function parseScenario(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LaunchError(
      'bad-scenario',
      `scenario ${source} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new LaunchError('bad-scenario', `scenario ${source}: ${where}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LaunchError(
      'bad-scenario',
      `cannot read scenario ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseScenario(text, file);
}
