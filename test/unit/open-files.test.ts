import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesToOpen } from '../../main/open-files.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(() => t.cleanup());

describe('files the OS asks the app to open', () => {
  it('takes existing .djleak and .ndjson files from argv, resolved against the cwd; flags and others left', () => {
    writeFileSync(path.join(t.dir, 'a.djleak'), '');
    writeFileSync(path.join(t.dir, 'b.NDJSON'), '');
    writeFileSync(path.join(t.dir, 'c.txt'), '');
    const argv = ['--inspect', 'a.djleak', path.join(t.dir, 'b.NDJSON'), 'c.txt', 'gone.djleak', '.'];
    expect(filesToOpen(argv, t.dir)).toEqual([path.join(t.dir, 'a.djleak'), path.join(t.dir, 'b.NDJSON')]);
  });
});
