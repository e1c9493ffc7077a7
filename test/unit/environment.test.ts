import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environment, UsageError } from '../../main/cli/args.ts';
import { EnvironmentError, parseAssignment, parseDotenv } from '../../main/launcher/environment.ts';
import { parseEnvironment } from '../../renderer/src/views/start/environment.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}

/** Lines both the dotenv reader and the app's Environment field take, with what they mean. */
const ACCEPTED: [string, Record<string, string>][] = [
  ['A=1', { A: '1' }],
  ['', {}],
  ['# only a comment\n\n   \n', {}],
  ['export SECRET_KEY=abc', { SECRET_KEY: 'abc' }],
  ['URL=postgres://u:p@h/db?x=1', { URL: 'postgres://u:p@h/db?x=1' }],
  ['EMPTY=', { EMPTY: '' }],
  ['  SPACED = value with spaces   ', { SPACED: 'value with spaces' }],
  ['BARE=abc # a comment', { BARE: 'abc' }],
  ['HASH=abc#def', { HASH: 'abc#def' }],
  ["SINGLE='a # b \\n $X'", { SINGLE: 'a # b \\n $X' }],
  ['DOUBLE="a # b\\n\\"c\\""  # comment', { DOUBLE: 'a # b\n"c"' }],
  ['_UNDER_1=x\r\nNEXT=y', { _UNDER_1: 'x', NEXT: 'y' }],
  ['TWICE=first\nTWICE=second', { TWICE: 'second' }],
  ['EXPAND=${HOME}/x', { EXPAND: '${HOME}/x' }],
];

/** Lines both refuse, with the line and the reason they give. */
const REFUSED: [string, string][] = [
  ['A=1\nNOEQUALS', "line 2: 'NOEQUALS' has no '=': write KEY=VALUE"],
  ['=value', "line 1: '=value' has no name before '='"],
  [
    '1ABC=x',
    "line 1: '1ABC' is not a valid variable name (letters, digits and _, not starting with a digit)",
  ],
  [
    'MY-VAR=x',
    "line 1: 'MY-VAR' is not a valid variable name (letters, digits and _, not starting with a digit)",
  ],
  ["Q='unclosed", "line 1: the value's ' is never closed"],
  ['Q="a" b', "line 1: unexpected 'b' after the quoted value"],
];

describe('the dotenv reader (--env-file) and the Environment field read lines alike', () => {
  it.each(ACCEPTED)('%j', (text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
    expect(parseEnvironment(text)).toEqual({ ok: true, env: expected });
  });

  it.each(REFUSED)('refuses %j', (text, reason) => {
    expect(messageOf(() => parseDotenv(text))).toBe(reason);
    expect(parseEnvironment(text)).toEqual({ ok: false, message: reason });
  });

  it('a file may continue a double-quoted value over lines (a PEM key); the field, a line per variable, may not', () => {
    const text = 'KEY="-----BEGIN-----\nabc\n-----END-----"\nAFTER=1';
    expect(parseDotenv(text)).toEqual({ KEY: '-----BEGIN-----\nabc\n-----END-----', AFTER: '1' });
    expect(parseEnvironment(text)).toEqual({ ok: false, message: 'line 1: the value\'s " is never closed' });
    expect(() => parseDotenv('A=1\nKEY="never\nclosed')).toThrow('line 2: the value\'s " is never closed');
  });

  it('skips a byte order mark', () => {
    expect(parseDotenv('\uFEFFA=1')).toEqual({ A: '1' });
  });
});

describe('--env KEY=VALUE', () => {
  it('takes the value as is, = and spaces included', () => {
    expect(parseAssignment('A=b=c')).toEqual(['A', 'b=c']);
    expect(parseAssignment('A= padded ')).toEqual(['A', ' padded ']);
    expect(parseAssignment('A=')).toEqual(['A', '']);
  });

  it('refuses a missing =, an empty name, an invalid name, a NUL byte', () => {
    expect(() => parseAssignment('DEBUG')).toThrow("'DEBUG' has no '=': write KEY=VALUE");
    expect(() => parseAssignment('=1')).toThrow("'=1' has no name before '='");
    expect(() => parseAssignment('A B=1')).toThrow("'A B' is not a valid variable name");
    expect(() => parseAssignment('A=\0')).toThrow('the value of A holds a NUL byte');
  });
});

describe('environment(--env, --env-file): what the CLI passes to the target', () => {
  it('nothing given, nothing set', () => {
    expect(environment(undefined, undefined)).toBeUndefined();
    expect(environment([], [])).toBeUndefined();
  });

  it('files in order, then --env over them', () => {
    const dir = tmp();
    const first = path.join(dir, 'base.env');
    const second = path.join(dir, 'local.env');
    writeFileSync(first, 'A=from-base\nB=from-base\nC=from-base\n');
    writeFileSync(second, 'export B="from local"\n');
    expect(environment(['C=from-flag'], [first, second])).toEqual({
      A: 'from-base',
      B: 'from local',
      C: 'from-flag',
    });
  });

  it('bad input is a UsageError that names the flag, the file and the line', () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.env');
    writeFileSync(bad, '# settings\nDEBUG\n');
    const usage = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('no UsageError');
    };
    expect(usage(() => environment(['DEBUG'], undefined))).toBe("--env 'DEBUG' has no '=': write KEY=VALUE");
    expect(usage(() => environment(['=x'], undefined))).toBe("--env '=x' has no name before '='");
    expect(usage(() => environment(['2FA=on'], undefined))).toMatch(
      /^--env '2FA' is not a valid variable name/,
    );
    expect(usage(() => environment(undefined, [bad]))).toBe(
      `--env-file ${bad}, line 2: 'DEBUG' has no '=': write KEY=VALUE`,
    );
    expect(usage(() => environment(undefined, [path.join(dir, 'missing.env')]))).toBe(
      `cannot read --env-file ${path.join(dir, 'missing.env')}: no such file`,
    );
    const folder = path.join(dir, 'folder.env');
    mkdirSync(folder);
    expect(usage(() => environment(undefined, [folder]))).toBe(
      `cannot read --env-file ${folder}: it is a folder`,
    );
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, 'locked.env');
      writeFileSync(locked, 'A=1');
      chmodSync(locked, 0o000);
      expect(usage(() => environment(undefined, [locked]))).toBe(
        `cannot read --env-file ${locked}: permission denied`,
      );
    }
  });
});
