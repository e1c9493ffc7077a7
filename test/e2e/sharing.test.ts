import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStoppedSession } from '../helpers/shared-sessions.ts';
import { tempDir } from '../helpers/tmp.ts';
import { openApp, recordRenders, screenshotDir, screenshots, startApp, type App } from './harness.ts';

let app: App;
const downloads = tempDir('djleak-e2e-sharing-');
let before: number;
let after: number;

beforeAll(async () => {
  app = await startApp();
  const now = Math.floor(Date.now() / 1000);
  // two runs an hour apart: the first leaks on /cache/leak/, the second (after the fix) does not
  before = buildStoppedSession(app.engine.library, {
    name: 'Shop before fix',
    startedAt: now - 7200,
    seconds: 600,
    rss: 60 * 1024 ** 2,
    growth: 40_000,
    scans: [
      { path: '/cache/leak/', verdict: 'leak', retained: 41_000 },
      { path: '/', verdict: 'ok', retained: 10 },
    ],
  });
  after = buildStoppedSession(app.engine.library, {
    name: 'Shop after fix',
    startedAt: now - 3600,
    seconds: 420,
    rss: 58 * 1024 ** 2,
    growth: 100,
    scans: [
      { path: '/cache/leak/', verdict: 'ok', retained: 30 },
      { path: '/', verdict: 'ok', retained: 12 },
    ],
  });
});
afterAll(async () => {
  await app?.close();
  downloads.cleanup();
});

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });
const row = (page: Page, id: number) =>
  page.getByRole('table', { name: 'Sessions' }).locator(`tbody tr[data-session="${id}"]`);

/** A DataTransfer in the page holding the file, as the OS hands over a file dragged from the desktop. */
function dataTransferWith(page: Page, file: string) {
  const bytes = readFileSync(file).toString('base64');
  return page.evaluateHandle(`(() => {
    const raw = Uint8Array.from(atob(${JSON.stringify(bytes)}), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([raw], ${JSON.stringify(path.basename(file))}, { type: 'application/vnd.sqlite3' }));
    return dt;
  })()`);
}

/** An imported session opened in the Live view: its id, once its banner shows. */
async function importedSession(page: Page, notId: number[]): Promise<number> {
  const view = page.locator('[data-testid="live-view"]').filter({ has: page.getByTestId('origin-banner') });
  await view.waitFor({ timeout: 30_000 });
  const id = Number(await view.getAttribute('data-session'));
  expect(notId).not.toContain(id);
  return id;
}

describe('sharing sessions', () => {
  it('exports a redacted file, imports it by drag-and-drop and file picker, refuses junk, compares two sessions', async () => {
    const { page, problems } = await openApp(app);
    await nav(page, 'Sessions').click();
    await row(page, before).waitFor();

    // Export… with redaction (the default), downloaded in browser mode
    await row(page, before).getByRole('button', { name: 'Export Shop before fix' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export “Shop before fix”' });
    await dialog.waitFor();
    expect(await dialog.getByRole('checkbox', { name: 'Redact before sharing' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('list', { name: 'What redaction does' }).locator('li').count()).toBe(3);
    const downloading = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const download = await downloading;
    const saved = path.join(downloads.dir, download.suggestedFilename());
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toBe(`Shop-before-fix-${before}.djleak`);
    expect(readFileSync(saved).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const file = new Database(saved, { readonly: true });
    try {
      expect(file.prepare('SELECT python FROM sessions').pluck().get()).toBe('…/bin/python');
      expect(file.prepare(`SELECT count(*) FROM requests WHERE path LIKE '%?%'`).pluck().get()).toBe(0);
      expect(file.prepare('SELECT message FROM events').pluck().get()).toContain('DJANGO_SECRET_KEY=…');
    } finally {
      file.close();
    }
    await dialog.getByTestId('export-done').waitFor();
    expect(await dialog.getByTestId('export-done').textContent()).toContain(download.suggestedFilename());
    await screenshots(page, 'sharing-export');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Import by dropping the file anywhere on the Sessions view
    // the phases the import progress showed, recorded as they render (a small file imports in a blink)
    const progressSeen = await recordRenders(page, '[data-testid="import-progress"]', 'data-phase');
    const transfer = await dataTransferWith(page, saved);
    await page.getByTestId('sessions-view').dispatchEvent('dragenter', { dataTransfer: transfer });
    const zone = page.getByTestId('drop-zone');
    await zone.waitFor();
    expect(await zone.textContent()).toContain('Drop to import');
    await screenshots(page, 'sharing-drop');
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    const dropped = await importedSession(page, [before, after]);
    const phases = await progressSeen();
    // the upload, then the engine's own phases as its file-progress events arrive
    expect(phases[0]).toBe('uploading');
    const engineOwn = phases.filter((p) => !['opening', 'uploading', 'checking'].includes(p));
    expect(engineOwn.length, phases.join(' → ')).toBeGreaterThan(0); // reading, processes, samples…
    expect(await page.getByTestId('origin-text').textContent()).toMatch(
      new RegExp(
        `^Imported from Shop-before-fix-${before}\\.djleak on .+ \\(original session #${before}\\)$`,
      ),
    );
    // read-only: nothing to stop, scan or re-run
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Scan for leaks' }).count()).toBe(0);
    await page.locator('[data-testid="timeline"][data-state="ready"]').waitFor();
    await screenshots(page, 'sharing-imported');
    // the Live header offers Export… too
    await page.getByTestId('live-view').getByRole('button', { name: 'Export…' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.evaluate(`location.hash = '#/checklist/${dropped}'`);
    await page.locator(`[data-testid="checklist-view"][data-session="${dropped}"]`).waitFor();
    await page.getByTestId('origin-banner').waitFor();
    expect(await page.getByRole('button', { name: /Re-run/ }).count()).toBe(0);

    // Import with the file picker
    await nav(page, 'Sessions').click();
    await row(page, dropped).getByTestId('origin-tag').waitFor();
    // exported after it ended: the status and duration it had
    expect(await row(page, dropped).getByTestId('status-badge').textContent()).toBe('Stopped');
    expect(await row(page, before).locator('[data-col="duration"]').textContent()).toBe('10 min 0 s');
    expect(await row(page, dropped).locator('[data-col="duration"]').textContent()).toBe('10 min 0 s');
    await page.getByTestId('import-input').setInputFiles(saved);
    const picked = await importedSession(page, [before, after, dropped]);
    expect(new URL(page.url()).hash).toBe(`#/live/${picked}`);

    // A file that is no session: the engine's reason, as it gave it
    await nav(page, 'Sessions').click();
    await page.getByTestId('import-input').setInputFiles({
      name: 'junk.djleak',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('these are not the bytes you are looking for\n'),
    });
    const refused = page.getByRole('alert', { name: 'Could not import junk.djleak' });
    await refused.waitFor();
    expect(await refused.getByTestId('error-message').textContent()).toBe(
      'junk.djleak is not a djleak session file (it is not a SQLite database)',
    );
    await refused.getByRole('button', { name: 'Dismiss' }).click();
    await refused.waitFor({ state: 'hidden' });
    expect(await page.getByRole('table', { name: 'Sessions' }).locator('tbody tr').count()).toBe(4);

    // Start's "Open session file…" imports the same way, and says there why it refused a file
    await nav(page, 'Start').click();
    const start = page.getByTestId('start-view');
    await start.getByRole('button', { name: 'Open session file…' }).waitFor();
    await start.getByTestId('import-input').setInputFiles({
      name: 'junk.djleak',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not a session\n'),
    });
    await start.getByRole('alert', { name: 'Could not import junk.djleak' }).waitFor();
    await start.getByTestId('import-input').setInputFiles(saved);
    const opened = await importedSession(page, [before, after, dropped, picked]);
    expect(new URL(page.url()).hash).toBe(`#/live/${opened}`);
    await nav(page, 'Sessions').click();

    // Compare: tick two sessions, the later one is "after"
    await row(page, after).getByRole('checkbox', { name: 'Compare Shop after fix' }).check();
    await row(page, before).getByRole('checkbox', { name: 'Compare Shop before fix' }).check();
    const bar = page.getByTestId('compare-bar');
    expect(await bar.getAttribute('data-selected')).toBe('2');
    await bar.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.locator('[data-testid="compare-view"][data-state="ready"]').waitFor();
    expect(new URL(page.url()).hash).toBe(`#/compare/${before}/${after}`);
    const chart = page.locator('[data-testid="compare-timeline"][data-state="ready"]');
    await chart.waitFor();
    expect(await chart.getAttribute('data-traces')).toBe('2');
    expect(await chart.locator('.scatterlayer .trace').count()).toBe(2);
    const legend = await chart.locator('.legendtext').allTextContents();
    expect(legend).toEqual(['before: Shop before fix', 'after: Shop after fix']);
    // a common axis: both lines start at the origin of elapsed time, though the sessions ran an hour apart
    const spans = await chart
      .locator('.compare-plot')
      .evaluate((el) =>
        (el as unknown as { data: { x: number[] }[] }).data.map((d) => [d.x[0], d.x[d.x.length - 1]]),
      );
    expect(spans[1]![0]).toBe(spans[0]![0]);
    expect(spans.map(([first, last]) => last! - first!)).toEqual([599_500, 419_500]);
    expect(await chart.locator('.xtick text').first().textContent()).toBe('00:00:00');
    const endpoints = page.getByRole('table', { name: 'Endpoints before and after' });
    expect(await endpoints.locator('tr[data-path="/cache/leak/"]').getAttribute('data-change')).toBe('fixed');
    expect(await endpoints.locator('tr[data-path="/"]').getAttribute('data-change')).toBe('no-leak');
    expect(await endpoints.locator('tr[data-path="/cache/leak/"] .badge').last().textContent()).toBe('fixed');
    const fixes = page.getByRole('table', { name: 'Fixes before and after' });
    expect(await fixes.locator('tbody tr').count()).toBe(5);
    await compareScreenshots(page);

    // Chromium logs the refused uploads' HTTP 400 itself (one from Sessions, one from Start); anything else is a
    // fault
    const refusedUpload = 'Failed to load resource: the server responded with a status of 400 (Bad Request)';
    expect(problems.filter((p) => p === refusedUpload)).toHaveLength(2);
    const others = problems.filter((p) => p !== refusedUpload);
    expect(others, others.join('\n')).toEqual([]);
  });
});

describe('a session exported while it ran', () => {
  it('is imported with its duration up to its last sample, and says it was exported while running', async () => {
    // still running here (the engine of this process owns it), as the app's Export… on a live session sees it
    const live = buildStoppedSession(app.engine.library, {
      name: 'Shop live',
      startedAt: Math.floor(Date.now() / 1000) - 1800,
      seconds: 300,
      rss: 60 * 1024 ** 2,
      growth: 1000,
      scans: [],
    });
    app.engine.library.updateSession(live, { status: 'running', ended_at: null });
    const { page, problems } = await openApp(app);
    await nav(page, 'Sessions').click();
    expect(await row(page, live).locator('[data-col="duration"]').textContent()).toBe('running');
    await row(page, live).getByRole('button', { name: 'Export Shop live' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export “Shop live”' });
    await dialog.getByText('This session is still running').waitFor();
    const downloading = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const saved = path.join(downloads.dir, 'live.djleak');
    await (await downloading).saveAs(saved);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await page.getByTestId('import-input').setInputFiles(saved);
    const id = await importedSession(page, [live]);
    // the Live view: what happened in words, a duration up to the last sample (299.5 s after the start)
    const badge = page.getByTestId('live-view').getByTestId('status-badge');
    expect(await badge.textContent()).toBe('Exported while running');
    expect(await badge.getAttribute('data-status')).toBe('interrupted');
    expect(await badge.getAttribute('title')).toMatch(/still running when it was exported/);
    expect(await page.getByTestId('origin-text').textContent()).toMatch(
      /, exported while it was still running$/,
    );
    const facts = page.getByTestId('live-view').locator('.facts');
    expect(await facts.locator('div', { hasText: 'Duration' }).locator('dd').textContent()).toBe('5 min 0 s');
    // and the Sessions list
    await nav(page, 'Sessions').click();
    await row(page, id).waitFor();
    expect(await row(page, id).getByTestId('status-badge').textContent()).toBe('Exported while running');
    expect(await row(page, id).locator('[data-col="duration"]').textContent()).toBe('5 min 0 s');
    expect(problems).toEqual([]);
  });
});

/** Like the harness's screenshots(), waiting for the overlay chart to redraw in each colour scheme. */
async function compareScreenshots(page: Page): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.mouse.move(0, 0);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.locator(`[data-testid="compare-timeline"][data-scheme="${scheme}"]`).waitFor();
    await page.screenshot({
      path: path.join(screenshotDir, `sharing-compare-${scheme}.png`),
      fullPage: true,
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
