import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureDemoVenv } from '../../main/launcher/demo.ts';
import { demoVenv, repoRoot } from '../helpers/demo.ts';

/**
 * Builds the renderer the browser-mode server serves (out/renderer), once per run, and makes the demo
 * virtualenv with the same code as `djleak run --demo`. DJLEAK_E2E_SKIP_BUILD=1 reuses an existing build.
 */
export default async function setup(): Promise<void> {
  process.env.DJLEAK_DEMO_VENV = demoVenv;
  if (process.env.DJLEAK_E2E_SKIP_BUILD !== '1') {
    execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'electron-vite'), ['build'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  await ensureDemoVenv('/nonexistent-unused', (line) => console.log(`[demo venv] ${line}`));
}
