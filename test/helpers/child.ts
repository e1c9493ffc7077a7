import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './demo.ts';

/**
 * Runs a script against the real engine in its own Node process (Engine, createHandlers, dispatch,
 * startWebServer and WebSocket in scope): for inputs that hang or crash a process, which must not be this one.
 */
export async function runChild(
  dir: string,
  body: string,
  limitMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  const script = path.join(dir, `child-${Date.now()}.mts`);
  const from = (p: string): string => JSON.stringify(path.join(repoRoot, p));
  writeFileSync(
    script,
    `import { Engine } from ${from('main/engine.ts')};
import { createHandlers, dispatch } from ${from('main/api/index.ts')};
import { startWebServer } from ${from('main/web/server.ts')};
import WebSocket from ${from('node_modules/ws/index.js')};
void dispatch; void startWebServer; void WebSocket;
${body}
`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => ((killed = true), child.kill('SIGKILL')), limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}
