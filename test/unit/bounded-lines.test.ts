import { describe, expect, it } from 'vitest';
import { boundedLines } from '../../main/recording.ts';

async function collect(chunks: string[], max: number): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of boundedLines(source(), max)) out.push(line);
  return out;
}

describe('boundedLines', () => {
  it('splits across chunks, drops \\r, keeps a last line without newline', async () => {
    expect(await collect(['ab', 'c\nde\r\n', 'f\n', 'g'], 10)).toEqual(['abc', 'de', 'f', 'g']);
  });

  it('skips a line longer than the bound as it streams by, then goes on', async () => {
    const long = 'x'.repeat(25);
    expect(await collect(['ok\n', long.slice(0, 12), long.slice(12), '\nnext\n'], 10)).toEqual([
      'ok',
      null,
      'next',
    ]);
    expect(await collect(['a\n', 'y'.repeat(50)], 10)).toEqual(['a', null]);
  });
});
