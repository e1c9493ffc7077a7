import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChild } from '../helpers/child.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir('djleak-longline-');
afterAll(() => t.cleanup());

describe('sessions.import of a probe recording with one endless line ', () => {
  // Found by the fuzz: readline built the endless line in memory until V8 gave up and the engine died.
  it('answers bad-input and the engine survives', async () => {
    const file = path.join(t.dir, 'endless.ndjson');
    const fd = openSync(file, 'w');
    const mib = Buffer.alloc(1 << 20, 0x78);
    writeSync(fd, '{');
    for (let i = 0; i < 600; i++) writeSync(fd, mib);
    closeSync(fd);
    const outcome = await runChild(
      t.dir,
      `const e = new Engine(${JSON.stringify(t.dir)}, ${JSON.stringify(path.join(t.dir, 'lib.sqlite'))});
const answer = await dispatch(createHandlers(e), 'sessions.import', { file: ${JSON.stringify(file)} }).then(
  () => 'ok', (err) => err.code);
console.log(JSON.stringify({ answer }));
process.exit(0);`,
      100_000,
    );
    expect(outcome.stderr).not.toMatch(/Invalid string length/);
    expect(outcome.stdout).toMatch(/"answer":"bad-input"/);
  });
});
