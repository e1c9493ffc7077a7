import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export const USAGE = `djleak: find, explain and fix memory leaks in Django applications

usage:
  djleak run (--demo | --example NAME | --project DIR) [--python PATH] [--settings MODULE]
             [--server runserver|gunicorn] [--workers N] [--port N]
             [--scan | --scenario FILE] [--fail-on-leak] [--junit FILE] [--skip-diagnosis]
             [--min-leak BYTES] [--max-requests N] [--worker-budget MB]
             [--duration SECONDS] [--name NAME] [--db FILE] [--json FILE]
  djleak sessions [--db FILE] [--json]
  djleak report SESSION [--db FILE] [--json FILE]
  djleak serve [--db FILE] [--port N]
  djleak export SESSION FILE [--no-redact] [--db FILE]
  djleak import FILE [--db FILE]

The library defaults to the app's data folder (DJLEAK_HOME overrides it); --db names another file.
--example runs a bundled example in the demo's virtualenv: leaky_shop (the demo, as --demo) or slow_leaks
(small leaks of 76 B to 4 KB a request among hard controls).
--scan discovers the parameter-free GET routes and scans each for leaks; --scenario scans the listed ones.
An endpoint is measured until its leak verdict is decided: retaining less than --min-leak bytes per request
(default 64) is ok; an undecided one gets more requests, up to --max-requests per endpoint (default 2000).
Each leaking endpoint then gets a tracemalloc window: where it allocates and what holds it (--skip-diagnosis).
Leaks show their cost per 100,000 requests and the worker restarts that keep a worker under --worker-budget MB
(default 512) until they are fixed.
export writes one session to a .djleak file (paths outside the project, query strings and NAME=value values
redacted unless --no-redact); import reads a .djleak file or a probe recording (DJLEAK_RECORD) as a new session.
Exit codes: 0 done, 1 the target could not start or crashed, 2 bad usage, 3 a leak was found (--fail-on-leak).`;

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals > 0,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > positionals)
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
  return parsed;
}

export function integer(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

export function seconds(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 7 * 24 * 3600)
    throw new UsageError(`--${name} must be a positive number of seconds, not '${value}'`);
  return n;
}
