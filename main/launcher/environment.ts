/**
 * The target's own environment variables: `--env KEY=VALUE`, `--env-file FILE` (dotenv), the app's
 * Environment field. Pure: text in, variables out; reading the file is the CLI's.
 */

/** A name os.environ and a shell both take: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with one assignment; `line` is 1-based in a dotenv text, null for a single `--env`. */
export class EnvironmentError extends Error {
  constructor(
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
  }
}

/** The name of a `NAME=value` assignment, checked; `shown` is how the assignment is quoted back. */
function checkName(name: string, shown: string): string {
  if (name === '') throw new EnvironmentError(null, `'${shown}' has no name before '='`);
  if (!ENV_NAME.test(name))
    throw new EnvironmentError(
      null,
      `'${name}' is not a valid variable name (letters, digits and _, not starting with a digit)`,
    );
  return name;
}

function checkValue(name: string, value: string): string {
  // The OS cannot pass a NUL byte in the environment; spawning would fail later with a vaguer message.
  if (value.includes('\0')) throw new EnvironmentError(null, `the value of ${name} holds a NUL byte`);
  return value;
}

/** One `--env` argument: `KEY=VALUE`, the value taken as is (it may be empty or hold `=`). */
export function parseAssignment(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new EnvironmentError(null, `'${text}' has no '=': write KEY=VALUE`);
  const name = checkName(text.slice(0, eq), text);
  return [name, checkValue(name, text.slice(eq + 1))];
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * A double-quoted value from `rest` (after the opening quote), which may go on over following lines; returns
 * the value and how many more lines it took. `\n`, `\t`, `\"` and `\\` are escapes, as python-dotenv reads them.
 */
function doubleQuoted(lines: readonly string[], at: number, rest: string): { value: string; used: number } {
  let value = '';
  let text = rest;
  for (let used = 0; ; used++) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < text.length) {
        const next = text[++i]!;
        value += ESCAPES[next] ?? `\\${next}`;
      } else if (c === '"') {
        afterQuote(text.slice(i + 1), at + used);
        return { value, used };
      } else value += c;
    }
    if (at + used + 1 >= lines.length) throw new EnvironmentError(at + 1, 'the value\'s " is never closed');
    value += '\n';
    text = lines[at + used + 1]!;
  }
}

/** After a quoted value: nothing, or a comment. */
function afterQuote(tail: string, index: number): void {
  if (tail.trim() !== '' && !/^\s+#/.test(tail))
    throw new EnvironmentError(index + 1, `unexpected '${tail.trim()}' after the quoted value`);
}

/**
 * A dotenv file: `KEY=VALUE` lines, blank lines and `#` comments, an optional `export ` before the name,
 * values single-quoted (taken literally), double-quoted (escapes; may span lines) or bare (up to a ` #`
 * comment, trimmed). A name given twice keeps its last value. Values are not expanded (`${OTHER}` stays).
 */
export function parseDotenv(text: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const env: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const assignment = line.replace(/^export\s+/, '');
      const eq = assignment.indexOf('=');
      if (eq < 0) throw new EnvironmentError(null, `'${assignment}' has no '=': write KEY=VALUE`);
      const name = checkName(assignment.slice(0, eq).trim(), assignment);
      const raw = assignment.slice(eq + 1).trimStart();
      let value: string;
      if (raw.startsWith('"')) {
        const read = doubleQuoted(lines, i, raw.slice(1));
        value = read.value;
        i += read.used;
      } else if (raw.startsWith("'")) {
        const end = raw.indexOf("'", 1);
        if (end < 0) throw new EnvironmentError(null, "the value's ' is never closed");
        afterQuote(raw.slice(end + 1), i);
        value = raw.slice(1, end);
      } else value = raw.replace(/\s+#.*$/, '').trimEnd();
      env[name] = checkValue(name, value);
    } catch (error) {
      if (error instanceof EnvironmentError && error.line === null)
        throw new EnvironmentError(i + 1, error.reason);
      throw error;
    }
  }
  return env;
}
