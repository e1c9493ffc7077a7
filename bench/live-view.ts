import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { createHandlers } from '../main/api/index.ts';
import { Engine } from '../main/engine.ts';
import { startWebServer } from '../main/web/server.ts';
import { repoRoot } from '../test/helpers/demo.ts';
import { tempDir } from '../test/helpers/tmp.ts';

/**
 * The Live view in Debian Chromium (browser mode) opening a one-hour, 4-process session: from navigation to
 * the timeline drawn with its data, median of 5 loads.
 */
export async function liveViewLoad(
  build: (engine: Engine) => { session: number },
): Promise<Record<string, unknown>> {
  if (!existsSync(path.join(repoRoot, 'out', 'renderer', 'index.html'))) {
    spawnSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: repoRoot },
    );
  }
  const t = tempDir('djleak-bench-');
  const engine = new Engine(t.dir, path.join(t.dir, 'library.sqlite'));
  const web = await startWebServer(engine, createHandlers(engine));
  const browser = await chromium.launch({
    executablePath: process.env.DJLEAK_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const { session } = build(engine);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const loads: number[] = [];
    let drawn = { samples: 0, points: 0 };
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      if (i === 0) await page.goto(`${web.url}#/live/${session}`);
      else await page.reload();
      const timeline = page.locator('[data-testid="timeline"][data-state="ready"]');
      await timeline.waitFor({ timeout: 30_000 });
      loads.push(performance.now() - t0);
      drawn = {
        samples: Number(await timeline.getAttribute('data-samples')),
        points: Number(await timeline.getAttribute('data-points')),
      };
    }
    const sorted = [...loads].sort((a, b) => a - b);
    return {
      samples_in_session: drawn.samples,
      points_drawn: drawn.points,
      live_view_load_ms_median: Math.round(sorted[2]!),
      live_view_load_ms_max: Math.round(sorted[4]!),
    };
  } finally {
    await browser.close();
    await web.close();
    await engine.shutdown();
    t.cleanup();
  }
}
