import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LaunchError } from '../../main/launcher/errors.ts';
import { interpreterCandidates, resolveInterpreter } from '../../main/launcher/interpreter.ts';
import {
  choosePort,
  inspectProject,
  settingsFromManage,
  wsgiModuleFor,
} from '../../main/launcher/project.ts';
import { targetCommand, targetTunables } from '../../main/launcher/target.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const MANAGE = `#!/usr/bin/env python
import os, sys
def main():
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop_site.settings')
`;

describe('inspectProject', () => {
  it('reads the settings module from manage.py', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'manage.py'), MANAGE);
    expect(inspectProject(dir, undefined)).toEqual({
      dir,
      managePy: path.join(dir, 'manage.py'),
      settings: 'shop_site.settings',
    });
    expect(settingsFromManage(path.join(dir, 'manage.py'))).toBe('shop_site.settings');
    expect(inspectProject(dir, 'other.settings').settings).toBe('other.settings');
  });

  it('explains a missing folder, a file, and a folder without manage.py', () => {
    const dir = tmp();
    expect(() => inspectProject(path.join(dir, 'nope'), undefined)).toThrow(/project folder does not exist/);
    writeFileSync(path.join(dir, 'file.txt'), '');
    expect(() => inspectProject(path.join(dir, 'file.txt'), undefined)).toThrow(/not a folder/);
    expect(() => inspectProject(dir, undefined)).toThrow(/no manage.py in .*--settings/);
    expect(inspectProject(dir, 'x.settings').managePy).toBeNull();
  });

  it("names the CLI's flags in the CLI and the start form's fields in the app, and says which input", () => {
    const error = (() => {
      try {
        inspectProject(tmp(), undefined);
      } catch (e) {
        return e as LaunchError;
      }
      throw new Error('no error');
    })();
    expect(error.message).toMatch(
      /point --project at the folder holding manage\.py, or pass --settings MODULE$/,
    );
    expect(error.messageFor('cli')).toBe(error.message);
    expect(error.messageFor('app')).toMatch(
      /choose the folder holding manage\.py as Project folder, or fill in Settings module$/,
    );
    expect(error.field).toBe('project');
    expect(() =>
      targetCommand({
        project: { dir: '/p', managePy: null, settings: null },
        server: 'gunicorn',
        workers: 1,
        port: 1,
      }),
    ).toThrow(expect.objectContaining({ field: 'settings', message: expect.stringMatching(/--settings/) }));
  });

  it('derives the gunicorn WSGI module and the command lines', () => {
    expect(wsgiModuleFor('shop_site.settings')).toBe('shop_site.wsgi:application');
    expect(wsgiModuleFor('conf.settings.dev')).toBe('conf.settings.wsgi:application');
    expect(wsgiModuleFor('settings')).toBeNull();
    const project = { dir: '/p', managePy: '/p/manage.py', settings: 's.settings' };
    expect(targetCommand({ project, server: 'runserver', workers: 1, port: 8123 })).toEqual([
      'manage.py',
      'runserver',
      '127.0.0.1:8123',
      '--noreload',
    ]);
    expect(
      targetCommand({ project: { ...project, managePy: null }, server: 'runserver', workers: 1, port: 1 })[0],
    ).toBe('-m');
    expect(targetCommand({ project, server: 'gunicorn', workers: 3, port: 9 })).toEqual(
      expect.arrayContaining([
        '-m',
        'gunicorn',
        's.wsgi:application',
        '--workers',
        '3',
        '--bind',
        '127.0.0.1:9',
      ]),
    );
  });
});

describe('choosePort', () => {
  it('finds a free port and explains a taken one', async () => {
    const port = await choosePort(undefined);
    expect(port).toBeGreaterThan(0);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    await expect(choosePort(taken)).rejects.toThrow(`port ${taken} on 127.0.0.1 is already in use`);
    await new Promise((r) => blocker.close(r));
  });
});

describe('interpreter discovery', () => {
  it('orders --python, VIRTUAL_ENV, .venv, venv, env, then python3', () => {
    const dir = tmp();
    for (const name of ['.venv', 'env']) {
      mkdirSync(path.join(dir, name, 'bin'), { recursive: true });
      writeFileSync(path.join(dir, name, 'bin', 'python'), '');
    }
    expect(interpreterCandidates(dir, '/x/python', {})).toEqual([{ python: '/x/python', source: 'option' }]);
    expect(interpreterCandidates(dir, undefined, { VIRTUAL_ENV: '/ve' }).map((c) => c.source)).toEqual([
      'VIRTUAL_ENV',
      '.venv',
      'env',
      'PATH',
    ]);
    expect(interpreterCandidates(dir, undefined, {})[0]).toEqual({
      python: path.join(dir, '.venv', 'bin', 'python'),
      source: '.venv',
    });
  });

  it('says when the interpreter does not exist', async () => {
    const dir = tmp();
    await expect(resolveInterpreter(dir, path.join(dir, 'no-python'))).rejects.toThrow(
      /Python interpreter not found/,
    );
  });

  it('says when the interpreter cannot import Django', async () => {
    const dir = tmp();
    const venv = path.join(dir, 'bare');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    await expect(resolveInterpreter(dir, path.join(venv, 'bin', 'python'))).rejects.toThrow(
      /Django is not importable by .*ModuleNotFoundError/,
    );
  });

  it('says when the file is not a Python interpreter', async () => {
    const dir = tmp();
    const fake = path.join(dir, 'python');
    writeFileSync(fake, '#!/bin/sh\necho not python >&2\nexit 3\n', { mode: 0o755 });
    await expect(resolveInterpreter(dir, fake)).rejects.toThrow(
      /does not run as a Python interpreter: not python/,
    );
  });
});

describe('targetTunables', () => {
  it("turns glibc's thread cache off, after the user's own tunables, unless they set it", () => {
    expect(targetTunables(undefined)).toBe('glibc.malloc.tcache_count=0');
    expect(targetTunables('')).toBe('glibc.malloc.tcache_count=0');
    expect(targetTunables('glibc.malloc.arena_max=2')).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0',
    );
    expect(targetTunables('glibc.malloc.arena_max=2:glibc.malloc.tcache_count=3')).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.tcache_count=3',
    );
    // a longer tunable's name is not this one
    expect(targetTunables('glibc.malloc.xtcache_count=3')).toBe(
      'glibc.malloc.xtcache_count=3:glibc.malloc.tcache_count=0',
    );
  });
});
