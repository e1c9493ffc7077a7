import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import type { EngineEvent } from '../../preload/contract.ts';
import { openApp, screenshotDir, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const TOUR = '[data-testid="walkthrough"]';
const CARD = '[data-testid="fix-card"]';

async function atStep(page: Page, step: string, status: string, timeout = 30_000): Promise<void> {
  await page.locator(`${TOUR}[data-step="${step}"][data-status="${status}"]`).waitFor({ timeout });
}

/** What the tour says it saw done, line by line. */
async function doneNotes(page: Page): Promise<string[]> {
  return page.locator(`${TOUR} [data-testid="tour-done"] li`).allTextContents();
}

describe('the guided tour follows what the user does with the page’s own buttons', () => {
  it(
    'moves on by itself after the demo is started, scanned, its finding opened and its cache cleared without Do it, and never scans twice',
    { timeout: 1_080_000 },
    async () => {
      const events: EngineEvent[] = [];
      const unsubscribe = app.engine.onEvent((e) => void events.push(e));
      const scansDone = (id: number): number =>
        events.filter((e) => e.kind === 'scan-done' && e.sessionId === id).length;

      const { page, problems } = await openApp(app);
      await page.getByRole('button', { name: 'Take the guided tour' }).click();
      await atStep(page, 'start', 'todo');

      // the Start view's own demo button: the tour takes that session and moves on
      await page.getByTestId('start-demo').click();
      await atStep(page, 'scan', 'todo', 180_000);
      const sessionId = Number(new URL(page.url()).hash.split('/')[2]);
      expect(sessionId).toBeGreaterThan(0);
      expect(await doneNotes(page)).toEqual([`Done: the demo runs as session #${sessionId}`]);

      // the Live view's own Scan button, not the tour's Do it
      const panel = page.getByTestId('endpoints');
      await panel.getByRole('button', { name: 'Scan for leaks' }).click();
      await page.locator('[data-testid="endpoints"][data-state="scanning"]').waitFor();
      // while it runs the tour follows the scan the user started
      await page
        .locator(`${TOUR}[data-step="scan"][data-status="todo"] p.tour-detail[role="status"]`)
        .waitFor();
      // a discovery scan of the demo: a few minutes, more on a busy machine
      await expect.poll(() => scansDone(sessionId), { timeout: 780_000, interval: 1000 }).toBe(1);
      const end = events.find((e) => e.kind === 'scan-done');
      expect(end).toMatchObject({ error: null, cancelled: false });
      // the tour saw it ended: it moves on by itself
      await atStep(page, 'diff', 'todo');
      const notes = await doneNotes(page);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(
        /^Done: you scanned the demo \(\d+ endpoints? leaks? · \d+ ok · \d+ inconclusive\)$/,
      );

      await page.setViewportSize({ width: 1280, height: 800 });
      await page.mouse.move(0, 0);
      await page.screenshot({ path: path.join(screenshotDir, 'walkthrough-advanced.png') });

      // exactly one scan: one scan-done, each endpoint measured once
      const handlers = createHandlers(app.engine);
      const results = await dispatch(handlers, 'sessions.scans', { id: sessionId });
      const paths = results.map((r) => `${r.method} ${r.path}`);
      expect(paths).toContain('GET /cache/leak/');
      expect(new Set(paths).size).toBe(paths.length);
      expect(scansDone(sessionId)).toBe(1);

      // a tour saved before the scan was seen (another window, a reload) does not scan again once resumed
      await page.evaluate(
        `(() => {
          const saved = JSON.parse(localStorage.getItem('djleak.walkthrough'));
          localStorage.setItem('djleak.walkthrough', JSON.stringify({ ...saved, step: 'scan', status: 'todo', notes: [] }));
        })()`,
      );
      await page.reload();
      await atStep(page, 'diff', 'todo');
      expect((await doneNotes(page))[0]).toMatch(/^Done: you scanned the demo/);

      // the checklist's Fix step shows the finding: the tour moves past "Open the finding"
      await page.locator(TOUR).getByRole('button', { name: 'Do it', exact: true }).click();
      await atStep(page, 'diff', 'done');
      await page.locator(TOUR).getByRole('button', { name: 'Next', exact: true }).click();
      await atStep(page, 'finding', 'todo');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Checklist' }).click();
      await atStep(page, 'action', 'todo');
      expect(await doneNotes(page)).toEqual(['Done: you opened the Clear caches finding']);

      // the card's own Clear button: the tour shows the effect, and the clear ran once
      const card = page.locator(`${CARD}[data-item="clear-caches"]`);
      await card.getByRole('button', { name: /^Clear shop\.fragments\._PRICE_LIST_FRAGMENTS/ }).click();
      const dialog = page.getByRole('alertdialog', { name: 'Clear shop.fragments._PRICE_LIST_FRAGMENTS?' });
      await dialog.getByRole('button', { name: 'Clear it' }).click();
      await atStep(page, 'effect', 'todo', 60_000);
      expect(await doneNotes(page)).toEqual(['Done: you cleared shop.fragments._PRICE_LIST_FRAGMENTS']);
      expect(Number(await page.getByTestId('tour-effect').getAttribute('data-entries-after'))).toBe(0);

      // a tour saved before the clear was seen finds it stored with the session: it does not clear again
      await page.evaluate(
        `(() => {
          const saved = JSON.parse(localStorage.getItem('djleak.walkthrough'));
          localStorage.setItem('djleak.walkthrough', JSON.stringify({ ...saved, step: 'action', status: 'todo', results: null, notes: [] }));
        })()`,
      );
      await page.reload();
      await atStep(page, 'effect', 'todo');
      expect(await doneNotes(page)).toEqual(['Done: you cleared shop.fragments._PRICE_LIST_FRAGMENTS']);
      expect(Number(await page.getByTestId('tour-effect').getAttribute('data-entries-after'))).toBe(0);
      await card.getByTestId('action-history').waitFor({ state: 'attached' });
      expect(await card.getByTestId('action-history').locator('li').count()).toBe(1);

      // nothing started another scan meanwhile: no progress line since the scan ended, none under way
      const since = events.slice(events.indexOf(end!) + 1);
      expect(since.filter((e) => e.kind.startsWith('scan-')).map((e) => e.kind)).toEqual([]);
      await expect(dispatch(handlers, 'scan.cancel', { sessionId })).rejects.toThrow(/no scan is running/);
      expect(scansDone(sessionId)).toBe(1);
      unsubscribe();
      expect(problems, problems.join('\n')).toEqual([]);
    },
  );
});
