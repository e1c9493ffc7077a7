import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { addScanResult } from '../../main/store/scans.ts';
import { buildStoppedSession } from '../helpers/shared-sessions.ts';
import { openApp, screenshotDir, startApp, undecided, type App } from './harness.ts';

let app: App;
let demo: number;
let before: number;
let after: number;

/** Where the 1280×800 pictures go (DJLEAK_SHOTS: another folder). */
const SHOTS = process.env.DJLEAK_SHOTS ?? screenshotDir;
const shot = (name: string): string => path.join(SHOTS, `layout-1280-${name}.png`);

beforeAll(async () => {
  // scrollbars as a desktop draws them: the test checks that they show
  app = await startApp({ scrollbars: true });
  const now = Math.floor(Date.now() / 1000);
  before = buildStoppedSession(app.engine.library, {
    name: 'Shop before the cache fix, staging copy with the nightly import job enabled',
    startedAt: now - 7200,
    seconds: 300,
    rss: 60 * 1024 ** 2,
    growth: 40_000,
    scans: [
      { path: '/cache/leak/', verdict: 'leak', retained: 41_000 },
      { path: '/reports/quarterly/by-region/export/', verdict: 'ok', retained: 10 },
    ],
  });
  after = buildStoppedSession(app.engine.library, {
    name: 'Shop after the cache fix',
    startedAt: now - 3600,
    seconds: 240,
    rss: 58 * 1024 ** 2,
    growth: 100,
    scans: [
      { path: '/cache/leak/', verdict: 'ok', retained: 30 },
      { path: '/reports/quarterly/by-region/export/', verdict: 'ok', retained: 12 },
    ],
  });

  // a library of a dozen sessions: the list is taller than the window
  for (let n = 1; n <= 8; n++)
    buildStoppedSession(app.engine.library, {
      name: `Nightly run ${n}`,
      startedAt: now - 86_400 * n,
      seconds: 20,
      rss: 55 * 1024 ** 2,
      growth: 1000 * n,
      scans: [],
    });

  // the demo, scanned: a leak with its diagnosis (the snapshot diff) and a control
  const handlers = createHandlers(app.engine);
  ({ sessionId: demo } = await dispatch(handlers, 'investigation.start', { demo: true }));
  const scanned = new Promise<void>((resolve) =>
    app.engine.onEvent((e) => void (e.kind === 'scan-done' && e.sessionId === demo && resolve())),
  );
  await dispatch(handlers, 'scan.start', {
    sessionId: demo,
    scenario: {
      endpoints: [
        { path: '/cache/leak/', requests: 100 },
        { path: '/', requests: 20 },
      ],
      warmup: 20,
      max_requests: 300,
      max_seconds: 40,
    },
  });
  await scanned;
  // an earlier scan's undecided results, as the engine stores them: the longest text the Why column holds, in a
  // table taller than the window
  for (const [path, needed] of [
    ['/session/clear/', 1420],
    ['/report/queries/', 860],
    ['/products/featured/', 2400],
    ['/cart/quote/', 640],
    ['/accounts/profile/', 1180],
  ] as const)
    addScanResult(app.engine.library.db, demo, undecided(path, needed, { '200': 60, '302': 40 }));
}, 300_000);
afterAll(async () => {
  await app?.close();
});

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });

interface Clipped {
  table: string;
  problem: string;
}

/**
 * Every table on screen: its right edge within its horizontal scroll container (scrolled to its end) or, where
 * it has none, within its panel; a container that scrolls inside the window, not cut by an ancestor's overflow,
 * its scrollbar drawn and no taller than the window (the scrollbar is in sight with the table's first rows).
 * And the page itself never scrolls sideways.
 */
async function clippedTables(page: Page): Promise<Clipped[]> {
  return page.evaluate(`(() => {
    const problems = [];
    const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]) || 0;
    const viewport = document.documentElement.clientWidth;
    const clips = (el) => getComputedStyle(el).overflowX !== 'visible';
    for (const table of document.querySelectorAll('table')) {
      if (table.getClientRects().length === 0) continue;
      const say = (problem) =>
        problems.push({ table: table.getAttribute('aria-label') || table.className, problem });
      let box = table.parentElement;
      while (box && box !== document.body && !clips(box)) box = box.parentElement;
      const scroller =
        box && box !== document.body && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX) ? box : null;
      if (scroller) {
        const saved = scroller.scrollLeft;
        scroller.scrollLeft = scroller.scrollWidth;
        const t = table.getBoundingClientRect();
        const s = scroller.getBoundingClientRect();
        const inner = s.left + scroller.clientLeft + scroller.clientWidth;
        if (t.right > inner + 1) say('ends ' + Math.round(t.right - inner) + ' px beyond its scroll container');
        scroller.scrollLeft = saved;
        if (s.right > viewport + 1) say('its scroll container ends ' + Math.round(s.right - viewport) + ' px beyond the window');
        if (scroller.scrollWidth > scroller.clientWidth + 1) {
          const bar = scroller.offsetHeight - scroller.clientHeight - px(scroller, 'borderTopWidth') - px(scroller, 'borderBottomWidth');
          if (bar < 6) say('scrolls sideways without a visible scrollbar');
          if (s.height > window.innerHeight)
            say('scrolls sideways, its scrollbar ' + Math.round(s.height) + ' px below its top in a ' + window.innerHeight + ' px window');
        }
        for (let up = scroller.parentElement; up && up !== document.body; up = up.parentElement) {
          if (!clips(up)) continue;
          const u = up.getBoundingClientRect();
          if (s.right > u.right + 1 || (s.bottom > u.bottom + 1 && getComputedStyle(up).overflowY === 'hidden'))
            say('its scroll container is cut by .' + up.className);
        }
      } else {
        const t = table.getBoundingClientRect();
        const panel = table.closest('.panel, dialog, .view, aside') || document.body;
        const right = panel.getBoundingClientRect().right - px(panel, 'borderRightWidth') - px(panel, 'paddingRight');
        if (t.right > right + 1)
          say('ends ' + Math.round(t.right - right) + ' px beyond its panel (.' + panel.className + ') with nothing to scroll it');
        if (t.right > viewport + 1) say('ends ' + Math.round(t.right - viewport) + ' px beyond the window');
      }
    }
    const root = document.scrollingElement;
    if (root.scrollWidth > window.innerWidth)
      problems.push({ table: '(page)', problem: 'scrolls sideways: ' + root.scrollWidth + ' px wide in a ' + window.innerWidth + ' px window' });
    return problems;
  })()`);
}

async function tableCount(page: Page): Promise<number> {
  return page.evaluate(
    `[...document.querySelectorAll('table')].filter((t) => t.getClientRects().length > 0).length`,
  );
}

describe('the layout at 1280×800', () => {
  it('cuts no table off: each fits or scrolls inside its panel with its scrollbar in sight', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const { page, problems } = await openApp(app);
    await page.setViewportSize({ width: 1280, height: 800 });
    const seen: Record<string, Clipped[]> = {};
    const check = async (where: string, tables: number): Promise<void> => {
      expect(await tableCount(page), where).toBeGreaterThanOrEqual(tables);
      seen[where] = await clippedTables(page);
    };

    for (const touring of [false, true]) {
      const tag = touring ? ' (tour open)' : '';
      if (touring) {
        await nav(page, 'Start').click();
        await page.getByRole('button', { name: 'Take the guided tour' }).click();
        await page.getByTestId('walkthrough').waitFor();
      }

      await nav(page, 'Sessions').click();
      await page.locator(`[data-testid="sessions-table"] tr[data-session="${demo}"]`).waitFor();
      await page
        .locator(`[data-testid="sessions-table"] tr[data-session="${before}"] [data-col="scan"] .badge`)
        .first()
        .waitFor();
      await check(`Sessions${tag}`, 1);
      if (!touring) await page.screenshot({ path: shot('sessions') });
      await page.keyboard.press('?');
      const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await help.waitFor();
      await check(`Keyboard shortcuts${tag}`, 2);
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'hidden' });

      await page.evaluate(`location.hash = '#/live/${demo}'`);
      const endpoints = page.locator('[data-testid="endpoints"][data-state="done"]');
      await endpoints.waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="route-table"] tbody tr').first().waitFor();
      await page.locator('[data-testid="request-log"] tbody tr').first().waitFor();
      const leakRow = page.locator('[data-testid="endpoint-table"] tbody tr[data-path="/cache/leak/"]');
      await check(`Live${tag}`, 3);
      if (!touring) {
        // the scan table whole, its scrollbar at the bottom of the window
        await page.evaluate(
          `document.querySelector('[data-testid="endpoint-table"]').parentElement.scrollIntoView({ block: 'end' })`,
        );
        await page.screenshot({ path: shot('live-scan-table') });
      }

      await leakRow.getByRole('button', { name: 'Open diagnosis' }).click();
      await page.locator('[data-testid="compare"][data-state="ready"]').waitFor({ timeout: 30_000 });
      const first = page.locator('[data-testid="diff-table"] tr.diff-row').first();
      await first.getByRole('button', { name: /^Show the traceback of / }).click();
      await page.getByTestId('traceback').waitFor();
      await page.getByRole('table', { name: 'Type growth' }).locator('tbody tr').first().waitFor();
      await check(`Snapshot diff${tag}`, 2);
      if (touring) {
        await page.getByTestId('diff-table').scrollIntoViewIfNeeded();
        await page.screenshot({ path: shot('snapshot-diff-tour') });
      }

      await page.evaluate(`location.hash = '#/checklist/${demo}'`);
      await page
        .locator(`[data-testid="checklist-view"][data-session="${demo}"][data-state="ready"]`)
        .waitFor();
      const steps = page.getByRole('navigation', { name: 'Checklist steps' });
      await steps.getByRole('button', { name: /Identify/ }).click();
      await page.getByRole('table', { name: 'Leaking endpoints' }).waitFor();
      await check(`Checklist, Identify${tag}`, 1);
      await steps.getByRole('button', { name: /Fix/ }).click();
      await page.getByTestId('fix-step').getByRole('table', { name: 'Figures' }).first().waitFor();
      await check(`Checklist, Fix${tag}`, 1);

      await page.evaluate(`location.hash = '#/compare/${before}/${after}'`);
      await page.locator('[data-testid="compare-view"][data-state="ready"]').waitFor();
      await page.getByTestId('compare-tables').waitFor();
      await check(`Compare${tag}`, 3);
    }
    expect(seen).toEqual(Object.fromEntries(Object.keys(seen).map((k) => [k, []])));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

/** What has focus: its tag, its accessible name as the page gives it, and whether it is the view's heading. */
async function focused(
  page: Page,
): Promise<{ tag: string; name: string; heading: boolean; inDialog: boolean }> {
  return page.evaluate(`(() => {
    const a = document.activeElement;
    if (!a) return { tag: 'none', name: '', heading: false, inDialog: false };
    return {
      tag: a.tagName.toLowerCase(),
      name: a === document.body ? '' : (a.getAttribute('aria-label') || a.textContent || '').trim().slice(0, 80),
      heading: a === document.querySelector('main h1'),
      inDialog: a.closest('dialog[open]') !== null,
    };
  })()`);
}

const onHeading = (name: string) => ({ tag: 'h1', name, heading: true, inDialog: false });
const onButton = (name: string) => ({ tag: 'button', name, heading: false, inDialog: false });

/** Tabs round an open dialog more times than it has controls: focus never leaves it. */
async function tabsStayIn(page: Page, presses: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    seen.push(f.inDialog ? f.name : `outside: ${f.tag} ${f.name}`);
  }
  return seen;
}

describe('focus', () => {
  it('moves to the heading of the view navigated to, stays in an open dialog and returns to its opener', async () => {
    const { page, problems } = await openApp(app);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('heading', { name: 'New investigation' }).waitFor();

    // the first Tab stop skips the nav
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual(onButton('Skip to content'));
    await page.keyboard.press('Enter');
    expect(await focused(page)).toEqual(onHeading('New investigation'));

    // the nav, with the keyboard and with the mouse: focus lands on the new view's heading
    await nav(page, 'Sessions').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toEqual(onHeading('Sessions'));
    await nav(page, 'Compare').click();
    await expect.poll(() => focused(page)).toEqual(onHeading('Compare'));
    await nav(page, 'Checklist').click();
    await expect.poll(() => focused(page)).toEqual(onHeading('Checklist'));
    // a session opened from the list: its Live view's heading once it has loaded
    await nav(page, 'Sessions').click();
    const row = (id: number) => page.locator(`[data-testid="sessions-table"] tr[data-session="${id}"]`);
    await row(after).getByRole('button', { name: 'Open Shop after the cache fix' }).press('Enter');
    await expect.poll(() => focused(page)).toEqual(onHeading('Shop after the cache fix'));
    await page
      .getByTestId('live-view')
      .getByRole('button', { name: 'Snapshots', exact: true })
      .press('Enter');
    await expect.poll(() => focused(page)).toEqual(onHeading('Snapshots'));

    // the keyboard shortcuts' list, opened with ? and closed with Escape: back on the heading
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect((await focused(page)).inDialog).toBe(true);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onHeading('Snapshots'));

    // Export…: its first control takes focus, Tab goes round its controls, Escape and Cancel return to the opener
    await nav(page, 'Sessions').press('Enter');
    await expect.poll(() => focused(page)).toEqual(onHeading('Sessions'));
    const exportName = 'Export Shop after the cache fix';
    const exportButton = row(after).getByRole('button', { name: exportName });
    const exportDialog = page.getByRole('dialog', { name: 'Export “Shop after the cache fix”' });
    await exportButton.press('Enter');
    await exportDialog.waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'input', inDialog: true });
    expect(await tabsStayIn(page, 7)).not.toContainEqual(expect.stringMatching(/^outside/));
    await page.keyboard.press('Escape');
    await exportDialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(exportName));
    await exportButton.press('Enter');
    await exportDialog.getByRole('button', { name: 'Cancel' }).click();
    await exportDialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(exportName));

    // Delete…: a confirmation that focuses its Cancel; Escape and Cancel return to the Delete button
    const deleteName = 'Delete Shop after the cache fix';
    const deleteButton = row(after).getByRole('button', { name: deleteName });
    const confirm = page.getByRole('alertdialog', { name: 'Delete this session?' });
    await deleteButton.press('Enter');
    await confirm.waitFor();
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Cancel', heading: false, inDialog: true });
    expect(await tabsStayIn(page, 5)).not.toContainEqual(expect.stringMatching(/^outside/));
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(deleteName));
    await deleteButton.press('Enter');
    await confirm.getByRole('button', { name: 'Cancel' }).press('Enter');
    await confirm.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(deleteName));

    // a fix's action that drops data asks first: Escape and Cancel return to it, and once it has run, so does it
    await page.evaluate(`location.hash = '#/checklist/${demo}'`);
    await page
      .locator(`[data-testid="checklist-view"][data-session="${demo}"][data-state="ready"]`)
      .waitFor();
    await expect.poll(() => focused(page)).toEqual(onHeading('Checklist'));
    await page
      .getByRole('navigation', { name: 'Checklist steps' })
      .getByRole('button', { name: /Fix/ })
      .click();
    const card = page.locator('[data-testid="fix-card"][data-item="clear-caches"]');
    const action = card.getByRole('button', { name: /^Clear shop\.fragments\._PRICE_LIST_FRAGMENTS/ });
    const actionName = (await action.textContent())!.trim();
    const ask = page.getByRole('alertdialog', { name: 'Clear shop.fragments._PRICE_LIST_FRAGMENTS?' });
    await action.press('Enter');
    await ask.waitFor();
    expect(await focused(page)).toMatchObject({ name: 'Cancel', inDialog: true });
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(actionName));
    await action.press('Enter');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'hidden' });
    expect(await focused(page)).toEqual(onButton(actionName));
    await action.press('Enter');
    await ask.getByRole('button', { name: 'Clear it' }).press('Enter');
    await card.getByTestId('action-result').waitFor({ timeout: 60_000 });
    await expect.poll(() => focused(page)).toEqual(onButton(actionName));

    // the measured effect's table fits the card at 1280×800 too
    expect(await clippedTables(page)).toEqual([]);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
