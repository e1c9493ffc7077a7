import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LaunchError } from './errors.ts';

export interface ProjectLayout {
  dir: string;
  managePy: string | null;
  settings: string | null;
}

/** Checks the folder is a Django project we can start: manage.py, or an explicit settings module. */
export function inspectProject(dir: string, settings: string | undefined): ProjectLayout {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new LaunchError('project-missing', `project folder does not exist: ${abs}`);
  if (!statSync(abs).isDirectory())
    throw new LaunchError('project-missing', `project path is not a folder: ${abs}`);
  const managePy = path.join(abs, 'manage.py');
  const hasManage = existsSync(managePy);
  if (!hasManage && !settings) {
    throw new LaunchError(
      'not-django',
      {
        cli: `no manage.py in ${abs}: point --project at the folder holding manage.py, or pass --settings MODULE`,
        app: `no manage.py in ${abs}: choose the folder holding manage.py as Project folder, or fill in Settings module`,
      },
      [],
      { field: 'project' },
    );
  }
  return {
    dir: abs,
    managePy: hasManage ? managePy : null,
    settings: settings ?? (hasManage ? settingsFromManage(managePy) : null),
  };
}

/** Reads the DJANGO_SETTINGS_MODULE default that `django-admin startproject` writes into manage.py. */
export function settingsFromManage(managePy: string): string | null {
  const text = readFileSync(managePy, 'utf8');
  const match = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(text);
  return match?.[1] ?? null;
}

/** The WSGI module next to the settings module, as startproject lays it out (proj.settings → proj.wsgi). */
export function wsgiModuleFor(settings: string | null): string | null {
  if (!settings) return null;
  const parts = settings.split('.');
  if (parts.length < 2) return null;
  return [...parts.slice(0, -1), 'wsgi'].join('.') + ':application';
}

function tryListen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const chosen = address && typeof address === 'object' ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** A free loopback port, or a clear error when the one asked for is taken. */
export async function choosePort(requested: number | undefined): Promise<number> {
  if (requested === undefined) return tryListen(0);
  try {
    return await tryListen(requested);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LaunchError(
        'port-in-use',
        {
          cli: `port ${requested} on 127.0.0.1 is already in use: stop what holds it or pick another --port`,
          app: `port ${requested} on 127.0.0.1 is already in use: stop what holds it, then start again`,
        },
        [],
        { field: 'port' },
      );
    }
    throw new LaunchError(
      'port-in-use',
      `cannot listen on 127.0.0.1:${requested}: ${(error as Error).message}`,
    );
  }
}
