import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editorArgv, editorCommand, projectFile } from '../../main/source-open.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

describe('open in editor', () => {
  it('fills {file} and {line} in DJLEAK_EDITOR, keeps quoted words whole, appends the file otherwise', () => {
    expect(editorArgv('code --goto {file}:{line}', '/p/a b.py', 7)).toEqual([
      'code',
      '--goto',
      '/p/a b.py:7',
    ]);
    expect(editorArgv('"/opt/My Editor/bin/ed" +{line} {file}', '/p/x.py', 3)).toEqual([
      '/opt/My Editor/bin/ed',
      '+3',
      '/p/x.py',
    ]);
    expect(editorArgv('gedit', '/p/x.py', 3)).toEqual(['gedit', '/p/x.py']);
    expect(() => editorArgv('  ', '/p/x.py', 3)).toThrow('DJLEAK_EDITOR is empty');
    expect(editorCommand('/p/x.py', 9, { DJLEAK_EDITOR: 'subl {file}:{line}' })).toEqual([
      'subl',
      '/p/x.py:9',
    ]);
  });

  it('opens files inside the project only, links resolved', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const project = path.join(t.dir, 'proj');
    mkdirSync(path.join(project, 'shop'), { recursive: true });
    writeFileSync(path.join(project, 'shop', 'views.py'), 'x = 1\n');
    writeFileSync(path.join(t.dir, 'secret.py'), 'y = 2\n');
    symlinkSync(path.join(t.dir, 'secret.py'), path.join(project, 'link.py'));
    expect(projectFile(project, 'shop/views.py')).toBe(path.join(project, 'shop', 'views.py'));
    expect(projectFile(project, path.join(project, 'shop', 'views.py'))).toBe(
      path.join(project, 'shop', 'views.py'),
    );
    for (const file of ['../secret.py', path.join(t.dir, 'secret.py'), 'link.py', '.'])
      expect(() => projectFile(project, file), file).toThrow('outside the project');
    expect(() => projectFile(project, 'shop/gone.py')).toThrow('shop/gone.py no longer exists');
    expect(() => projectFile(project, 'shop')).toThrow('shop is not a file');
  });
});
