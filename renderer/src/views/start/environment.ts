/**
 * The Environment field: one KEY=VALUE per line, as a .env file's lines (blank lines and # comments skipped,
 * an optional `export `, values single- or double-quoted, or bare up to a ` #` comment). The same rules as
 * `--env-file` (main/launcher/environment.ts; test/unit/environment.test.ts holds both to them), without
 * values that go on over several lines: the field is a line per variable.
 */
export type ParsedEnvironment = { ok: true; env: Record<string, string> } | { ok: false; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The value after `=`, or why it cannot be read. */
function value(raw: string): string | { problem: string } {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return raw.replace(/\s+#.*$/, '').trimEnd();
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote === '"' && c === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      out += ESCAPES[next] ?? `\\${next}`;
    } else if (c === quote) {
      const tail = raw.slice(i + 1);
      if (tail.trim() !== '' && !/^\s+#/.test(tail))
        return { problem: `unexpected '${tail.trim()}' after the quoted value` };
      return out;
    } else out += c;
  }
  return { problem: `the value's ${quote} is never closed` };
}

function assignment(line: string): [string, string] | { problem: string } {
  const text = line.replace(/^export\s+/, '');
  const eq = text.indexOf('=');
  if (eq < 0) return { problem: `'${text}' has no '=': write KEY=VALUE` };
  const name = text.slice(0, eq).trim();
  if (name === '') return { problem: `'${text}' has no name before '='` };
  if (!NAME.test(name))
    return {
      problem: `'${name}' is not a valid variable name (letters, digits and _, not starting with a digit)`,
    };
  const parsed = value(text.slice(eq + 1).trimStart());
  return typeof parsed === 'string' ? [name, parsed] : parsed;
}

/** The field's variables, or the first bad line said as `line N: why`. */
export function parseEnvironment(text: string): ParsedEnvironment {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = assignment(line);
    if (!Array.isArray(parsed)) return { ok: false, message: `line ${i + 1}: ${parsed.problem}` };
    env[parsed[0]] = parsed[1];
  }
  return { ok: true, env };
}
