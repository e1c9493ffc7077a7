import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';

/** The Electron binary cannot be downloaded on every machine; the smoke test runs where it is installed. */
function electronBinary(): string | null {
  const dir = path.join(repoRoot, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
if (!binary)
  console.warn(
    '[electron smoke] SKIPPED: no Electron binary in node_modules/electron (it cannot be downloaded here)',
  );

const title = binary
  ? 'Electron shell (smoke)'
  : 'Electron shell (smoke), skipped: no Electron binary in node_modules/electron';
describe.skipIf(!binary)(title, () => {
  it('opens one hardened window that reaches the engine through the preload bridge', async () => {
    const home = tempDir();
    const app = await electron.launch({
      executablePath: binary!,
      args: [repoRoot, '--no-sandbox'],
      env: { ...process.env, DJLEAK_HOME: home.dir } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      const bridge = await page.evaluate(() => typeof (globalThis as unknown as { djleak?: unknown }).djleak);
      expect(bridge).toBe('object');
      const nodeVisible = await page.evaluate(
        () => typeof (globalThis as unknown as { require?: unknown }).require,
      );
      expect(nodeVisible).toBe('undefined');
      const processVisible = await page.evaluate(
        () => typeof (globalThis as unknown as { process?: unknown }).process,
      );
      expect(processVisible).toBe('undefined');
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      const sessions = await page.evaluate(() =>
        (globalThis as unknown as { djleak: { call(c: string, a: object): Promise<unknown> } }).djleak.call(
          'sessions.list',
          {},
        ),
      );
      expect(sessions).toEqual([]);
    } finally {
      await app.close();
      home.cleanup();
    }
  });
});
