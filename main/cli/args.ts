import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HEADER_NAME } from '../scan/scenario.ts';
import { EnvironmentError, parseAssignment, parseDotenv } from '../launcher/environment.ts';

export class UsageError extends Error {}

export const USAGE = `djleak: find, explain and fix memory leaks in Django applications

usage:
  djleak run (--demo | --example NAME | --project DIR) [--python PATH] [--settings MODULE]
             [--server runserver|gunicorn] [--workers N] [--port N]
             [--scan | --scenario FILE] [--fail-on-leak] [--junit FILE] [--skip-diagnosis]
             [--min-leak BYTES] [--max-requests N] [--worker-budget MB]
             [--login USER] [--header "Name: value"]...
             [--env KEY=VALUE]... [--env-file FILE]...
             [--duration SECONDS] [--name NAME] [--db FILE] [--json FILE]
  djleak sessions [--db FILE] [--json]
  djleak report SESSION [--db FILE] [--json FILE]
  djleak serve [--db FILE] [--port N]
  djleak export SESSION FILE [--no-redact] [--db FILE]
  djleak import FILE [--db FILE]

The library defaults to the app's data folder (DJLEAK_HOME overrides it); --db names another file.
--example runs a bundled example in the demo's virtualenv: leaky_shop (the demo, as --demo), slow_leaks
(small leaks of 76 B to 4 KB a request among hard controls) or lending_library (pages behind a login: user
reader).
--scan discovers the GET routes and scans each for leaks: those without path parameters, and detail views
whose keys it fills in from an existing row (read only); --scenario scans the listed ones.
An endpoint is measured until its leak verdict is decided: retaining less than --min-leak bytes per request
(default 64) is ok; an undecided one gets more requests, up to --max-requests per endpoint (default 2000).
A response that never reached its view (every one a redirect, 401/403, 404 or 405) makes the endpoint
inconclusive, never ok: pages behind a login need --login USER (an existing user: the probe makes its session
in the app, as Django's test client force_login does, no password needed); --header sends a header with every
request (an API token).
--env sets an environment variable of the target (repeatable); --env-file reads them from a dotenv file
(KEY=VALUE lines, # comments, optional export, quoted values); an --env wins over the file.
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

/** --login USER: the username of an existing user (its model's USERNAME_FIELD). */
export function login(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim() || value.length > 254)
    throw new UsageError(`--login takes the username of an existing user, not '${value}'`);
  return value;
}

/** --header "Name: value", repeatable: the headers every request of the scan sends (the last of a name wins). */
export function headers(values: string[] | undefined): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const raw of values) {
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name))
      throw new UsageError(
        `--header takes "Name: value" (an HTTP header name, a colon, its value), not '${raw}'`,
      );
    const value = raw.slice(colon + 1).trim();
    if (/[\r\n]/.test(value)) throw new UsageError(`--header ${name}: the value must be on one line`);
    out[name] = value;
  }
  return out;
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
};

function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new UsageError(`cannot read --env-file ${file}: ${(code && FILE_ERRORS[code]) ?? message}`);
  }
  try {
    return parseDotenv(text);
  } catch (error) {
    if (error instanceof EnvironmentError) throw new UsageError(`--env-file ${file}, ${error.message}`);
    throw error;
  }
}

/**
 * The target's environment from --env-file FILE (in order) and --env KEY=VALUE (after them: an --env wins over
 * a file). Undefined when neither is given.
 */
export function environment(
  assignments: string[] | undefined,
  files: string[] | undefined,
): Record<string, string> | undefined {
  if (!assignments?.length && !files?.length) return undefined;
  const env: Record<string, string> = {};
  for (const file of files ?? []) Object.assign(env, readEnvFile(file));
  for (const text of assignments ?? []) {
    try {
      const [name, value] = parseAssignment(text);
      env[name] = value;
    } catch (error) {
      if (error instanceof EnvironmentError) throw new UsageError(`--env ${error.message}`);
      throw error;
    }
  }
  return env;
}
