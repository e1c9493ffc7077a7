// Runs the probe's Python unit tests, with the demo virtualenv (Django present) when there is one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const venv = process.env.DJLEAK_DEMO_VENV ?? path.join(root, '.cache', 'demo-venv');
const venvPython = path.join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const python = existsSync(venvPython) ? venvPython : 'python3';
console.log(`probe tests with ${python}`);
const result = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], {
  cwd: path.join(root, 'assets', 'probe'),
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
