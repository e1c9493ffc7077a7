/**
 * A seeded, deterministic source of hostile values for the fuzz tests: the same seed gives the same inputs,
 * so a failure names the seed and the case index and can be replayed.
 */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** mulberry32: tiny, fast and good enough to pick cases. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Characters that break parsers and displays: quotes, escapes, NUL, controls, surrogates, RTL marks, emoji. */
  nastyString(maxLength = 40): string {
    const pieces = [
      '"',
      '\\',
      '\\u0000',
      '\0',
      '\n',
      '\r',
      '\t',
      '\u2028',
      '\u202e',
      '\ud800',
      '\udfff',
      '😀',
      'é',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '%s',
      '%n',
      "'; DROP TABLE sessions; --",
      '../',
      '__proto__',
      'constructor',
      'null',
      'NaN',
      '1e999',
      'x',
    ];
    let s = '';
    const n = this.int(maxLength);
    for (let i = 0; i < n; i++) s += this.pick(pieces);
    return s;
  }

  /** Numbers a schema should refuse somewhere: negatives, fractions, non-finite, past 2^53, -0. */
  nastyNumber(): number {
    return this.pick([
      -1,
      0,
      -0,
      0.5,
      1.5,
      -1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 32,
      2 ** 63,
    ]);
  }

  /** Any JSON-ish value of a random kind, with nesting up to `depth`. */
  junk(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 11 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return undefined;
      case 2:
        return this.chance(0.5);
      case 3:
        return this.nastyNumber();
      case 4:
        return this.int(1000) - 500;
      case 5:
        return this.nastyString();
      case 6:
        return '';
      case 7:
        return this.chance(0.1) ? 'x'.repeat(1 << 20) : 'y'.repeat(this.int(5000));
      case 8:
        return Array.from({ length: this.int(4) }, () => this.junk(depth - 1));
      case 9:
        return Object.fromEntries(
          Array.from({ length: this.int(4) }, () => [this.nastyString(8), this.junk(depth - 1)]),
        );
      default:
        return nested(this.int(500) + 1, this.chance(0.5)); // deeper ones are tried on their own
    }
  }
}

/** `depth` levels of arrays or objects, the innermost holding 1. */
export function nested(depth: number, arrays: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** A JSON text nested `depth` deep (as a string, so depths past JSON.stringify's stack limit are possible). */
export function nestedText(depth: number, arrays: boolean): string {
  return arrays
    ? '['.repeat(depth) + '1' + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Flips, inserts and deletes characters of a text: a valid line turned into a near miss. */
export function mutateText(rng: Rng, text: string, edits = 1 + rng.int(4)): string {
  let s = text;
  for (let k = 0; k < edits; k++) {
    const at = rng.int(s.length + 1);
    const op = rng.int(3);
    const ch = rng.pick([
      '"',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '0',
      '-',
      'e',
      '.',
      ' ',
      '\\',
      'x',
      '\u00e9',
      '\u0000',
    ]);
    if (op === 0 && s.length) s = s.slice(0, at) + ch + s.slice(at + 1);
    else if (op === 1) s = s.slice(0, at) + ch + s.slice(at);
    else s = s.slice(0, at) + s.slice(at + 1);
  }
  return s;
}

/** Replaces one randomly chosen value inside a JSON value (any depth) with junk, or deletes or adds a key. */
export function mutateValue(rng: Rng, value: unknown): unknown {
  const copy = structuredClone(value) as unknown;
  const containers: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((item, i) => (containers.push({ parent: v, key: i }), walk(item)));
    else if (v && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        containers.push({ parent: v as Record<string, unknown>, key: k });
        walk(item);
      }
  };
  walk(copy);
  if (containers.length === 0) return rng.junk();
  const { parent, key } = rng.pick(containers);
  const op = rng.int(5);
  if (op === 0 && !Array.isArray(parent)) delete parent[key as string];
  else if (op === 1 && !Array.isArray(parent)) parent[rng.nastyString(10) || 'extra'] = rng.junk(2);
  else if (op === 2) (parent as Record<string | number, unknown>)[key] = rng.nastyNumber();
  else if (op === 3) (parent as Record<string | number, unknown>)[key] = rng.nastyString();
  else (parent as Record<string | number, unknown>)[key] = rng.junk(2);
  return copy;
}

/** JSON.stringify that keeps what JSON cannot say (NaN, Infinity, -0) as the bare tokens a hostile peer sends. */
export function hostileJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return `@@${String(v)}@@`;
      return v;
    }) ?? 'undefined'
  ).replace(/"@@(NaN|Infinity|-Infinity)@@"/g, '$1');
}
