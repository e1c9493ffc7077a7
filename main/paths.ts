import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder Electron uses as `app.getPath('userData')` for an app named djleak, so CLI sessions show up in the app. */
export function defaultDataHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.DJLEAK_HOME) return path.resolve(env.DJLEAK_HOME);
  const home = os.homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'djleak');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'djleak');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'djleak');
  }
}

export function libraryPath(dataHome: string): string {
  return path.join(dataHome, 'library.sqlite');
}

/** Where the demo's own virtualenv lives; DJLEAK_DEMO_VENV lets CI and tests share one. */
export function demoVenvPath(dataHome: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.DJLEAK_DEMO_VENV ? path.resolve(env.DJLEAK_DEMO_VENV) : path.join(dataHome, 'demo-venv');
}

let cachedRoot: string | undefined;

/**
 * The folder holding `assets/` (the probe and the demo). In a source checkout that is the repository; in a
 * packaged app the shell sets DJLEAK_RESOURCES to `process.resourcesPath`.
 */
export function resourceRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DJLEAK_RESOURCES) return env.DJLEAK_RESOURCES;
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'assets', 'probe', 'djleak_probe'))) return (cachedRoot = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('djleak: cannot find its assets folder (assets/probe/djleak_probe)');
    dir = parent;
  }
}

export const probeDir = (): string => path.join(resourceRoot(), 'assets', 'probe');
export const demoDir = (): string => path.join(resourceRoot(), 'assets', 'examples', 'leaky_shop');
