import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHandlers } from '../../main/api/index.ts';
import { Engine } from '../../main/engine.ts';
import type { addScanResult } from '../../main/store/scans.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { demoVenv, repoRoot } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHROMIUM = process.env.DJLEAK_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

export interface App {
  engine: Engine;
  web: WebServer;
  browser: Browser;
  dataHome: string;
  close(): Promise<void>;
}

/**
 * A real engine over its own data folder, the browser-mode server in front of it, and Debian's Chromium.
 * `scrollbars`: draw them as a desktop does (headless Chromium hides them by default).
 */
export async function startApp(options: { scrollbars?: boolean } = {}): Promise<App> {
  process.env.DJLEAK_DEMO_VENV ??= demoVenv;
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set DJLEAK_CHROMIUM)`);
  const home = tempDir('djleak-e2e-');
  const engine = new Engine(home.dir, path.join(home.dir, 'library.sqlite'));
  const web = await startWebServer(engine, createHandlers(engine));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    ignoreDefaultArgs: options.scrollbars ? ['--hide-scrollbars'] : [],
  });
  return {
    engine,
    web,
    browser,
    dataHome: home.dir,
    async close() {
      await browser.close();
      await web.close();
      await engine.shutdown();
      home.cleanup();
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, CSP violations included. */
  problems: string[];
}

export async function openApp(app: App): Promise<WatchedPage> {
  // The previous test's page goes: left open it keeps its WebSocket and re-renders on every engine event, and
  // two live pages on two cores starve the one under test (a click waited 30 s for its main thread).
  await Promise.all(app.browser.contexts().map((c) => c.close()));
  const context = await app.browser.newContext({
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  await page.goto(app.web.url);
  return { page, problems };
}

/** The charts that stamp `data-scheme` once plotly has drawn them in the current colour scheme. */
const CHARTS = ['timeline', 'scan-chart'];

/**
 * Saves `<name>-light.png` and `<name>-dark.png`: flips the emulated OS colour scheme, and where the
 * view has charts, waits until plotly has redrawn them in that scheme.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.mouse.move(0, 0); // no hover state (plotly's mode bar, row highlights) in the pictures
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const chart of CHARTS) {
      if (await page.getByTestId(chart).count())
        await page.locator(`[data-testid="${chart}"][data-scheme="${scheme}"]`).waitFor();
    }
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Where the documentation's pictures go: committed files, rewritten only when DJLEAK_SCREENSHOTS=1. */
export const docsImageDir = path.join(repoRoot, 'docs', 'images');

/**
 * With DJLEAK_SCREENSHOTS=1, saves `docs/images/<name>.png`: the top of the page at 1280×800 in the light
 * scheme, once plotly has redrawn its charts at that size; the window gets its size back afterwards.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.DJLEAK_SCREENSHOTS !== '1') return;
  mkdirSync(docsImageDir, { recursive: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.mouse.move(0, 0);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.emulateMedia({ colorScheme: 'light' });
  for (const chart of CHARTS) {
    if (await page.getByTestId(chart).count())
      await page.locator(`[data-testid="${chart}"][data-scheme="light"]`).waitFor();
  }
  await page.waitForTimeout(1000); // the charts' ResizeObserver redraws them at the new width
  await page.screenshot({ path: path.join(docsImageDir, `${name}.png`) });
  if (size) await page.setViewportSize(size);
}

/** Sends `count` GETs one after another with Node's http client; returns the status codes. */
export async function drive(url: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push(
      await new Promise<number>((resolve, reject) => {
        http
          .get(url, { agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      }),
    );
  }
  return statuses;
}

/** A number read from a DOM attribute, for polling with expect.poll. */
export async function numberAttr(page: Page, selector: string, attr: string): Promise<number> {
  const value = await page
    .locator(selector)
    .first()
    .getAttribute(attr, { timeout: 1000 })
    .catch(() => null);
  return Number(value ?? 0);
}

/**
 * Starts recording what an element shows each time it renders (its text, or one attribute), each change once:
 * a state that lasts a blink (a small import, a scan's first rounds) is seen without polling for it. Read the
 * list with the function returned.
 */
export async function recordRenders(
  page: Page,
  selector: string,
  attribute: string | null = null,
): Promise<() => Promise<string[]>> {
  const name = `djleakSeen${Math.random().toString(36).slice(2)}`;
  await page.evaluate(`(() => {
    const seen = (window[${JSON.stringify(name)}] = []);
    const read = (el) => (${JSON.stringify(attribute)} === null ? el.textContent : el.getAttribute(${JSON.stringify(attribute)}));
    new MutationObserver(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      const value = el ? read(el) : null;
      if (value && seen[seen.length - 1] !== value) seen.push(value);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
  return () => page.evaluate(`window[${JSON.stringify(name)}]`);
}

const MB = 1024 * 1024;

/** An earlier scan's undecided result, stored as the engine stores one: the Live view offers to decide it. */
export function undecided(
  path: string,
  needed: number,
  statuses: Record<string, number> = { '200': 100 },
): Parameters<typeof addScanResult>[2] {
  const now = Date.now() / 1000;
  const heap = (k: number): number => 160 * MB + 40 * k + ((k * 7919) % 5) * 900;
  const figures = (k: number) => ({ rss: 90 * MB, blocks: 100_000, gcObjects: 50_000, heap: heap(k) });
  return {
    method: 'GET',
    path,
    route: path.slice(1),
    sent: 100,
    errors: 0,
    statuses,
    verdict: 'inconclusive',
    cause: null,
    confidence: 0,
    retained_bytes_per_request: 40,
    retained_range: [0, 143],
    blocks_per_request: 0.1,
    requests_needed: needed,
    garbage_bytes_per_request: 0,
    objects_per_request: 0,
    reason: `heap in use after a full collection moves 0 B–143 B/request (95 %) over 80 requests: neither clearly above zero nor below 64 B/request; about ${needed} more requests would decide it`,
    points: [0, 20, 40, 60, 80, 100].map((requests, k) => ({
      requests,
      pre: k ? figures(k) : null,
      post: figures(k),
      collected: 0,
      garbageBytes: 0,
      gcEnabled: true,
      appFullCollections: 0,
      ...(k ? { stage: 0 } : { idle: [figures(0), figures(0), figures(0)] }),
    })),
    partial: false,
    started_at: now - 10,
    ended_at: now,
  };
}
