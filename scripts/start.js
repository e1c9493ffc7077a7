// `npm start`: build, then open the Electron app, or say in one line why not and what to run instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const electronDir = path.join(root, 'node_modules', 'electron');
const pathFile = path.join(electronDir, 'path.txt');
const binary = existsSync(pathFile)
  ? path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  : null;

const build = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

if (!binary || !existsSync(binary)) {
  console.log(
    'djleak: no Electron binary is installed on this machine; run `npm run web` for the same app in a browser.',
  );
  process.exit(0);
}
const app = spawnSync(binary, [root], { cwd: root, stdio: 'inherit' });
process.exit(app.status ?? 0);
