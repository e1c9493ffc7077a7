import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, numberAttr, openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const LEAK_ROUTE = '[data-testid="route-table"] tr[data-route="cache/leak/"]';

describe('the demo, from the Start view to a reopened session', () => {
  it('starts the demo, shows it growing live, stops it and reopens it read-only', async () => {
    const { page, problems } = await openApp(app);

    await page.getByRole('heading', { name: 'New investigation' }).waitFor();
    await page.getByText('No sessions yet').waitFor();
    await screenshots(page, 'start');

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Take a memory snapshot').waitFor();
    await screenshots(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Try the demo' }).click();
    const serverLink = page.getByRole('link', { name: 'Server URL' });
    await serverLink.waitFor({ timeout: 180_000 });
    const serverUrl = await serverLink.getAttribute('href');
    expect(serverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.locator('[data-testid="status-badge"][data-status="running"]').first().waitFor();

    await page.locator('[data-testid="timeline"][data-state="ready"]').waitFor();
    const samplesBefore = await numberAttr(page, '[data-testid="timeline"]', 'data-samples');
    // The heap in use is drawn beside RSS: its latest figure before the leaking requests (the app is up).
    const lastHeap = (): Promise<number> =>
      page.locator('[data-testid="timeline"] .js-plotly-plot').evaluate((el) => {
        const heap = (el as unknown as { data: { name: string; y: number[] }[] }).data.find((d) =>
          d.name.endsWith(' heap in use'),
        );
        return heap?.y.at(-1) ?? -1;
      });
    await expect.poll(lastHeap, { timeout: 30_000 }).toBeGreaterThan(0);
    const heapBefore = await lastHeap();

    const statuses = await drive(`${serverUrl}cache/leak/`, 150);
    expect(statuses.every((s) => s === 200)).toBe(true);

    await expect
      .poll(() => numberAttr(page, LEAK_ROUTE, 'data-requests'), { timeout: 30_000, interval: 250 })
      .toBeGreaterThanOrEqual(150);
    await expect
      .poll(() => numberAttr(page, '[data-testid="timeline"]', 'data-samples'), { timeout: 30_000 })
      .toBeGreaterThan(samplesBefore);
    expect(await numberAttr(page, '[data-testid="timeline"]', 'data-points')).toBeGreaterThan(0);
    // ... and shows what the 150 requests kept (~45 KB each, ~6.6 MB).
    await expect.poll(async () => (await lastHeap()) - heapBefore, { timeout: 30_000 }).toBeGreaterThan(5);
    await page.getByRole('table', { name: 'Request log' }).getByText('/cache/leak/').first().waitFor();

    // filtering the request log goes through sessions.requests
    const search = page.getByRole('searchbox', { name: 'Filter by path or view' });
    await search.fill('no-such-path');
    await page.getByText('No request matches these filters').waitFor();
    await search.fill('');
    await page.getByRole('table', { name: 'Request log' }).waitFor();
    await page.getByRole('combobox', { name: 'Minimum status' }).selectOption('500');
    await page.getByText('No request matches these filters').waitFor();
    await page.getByRole('combobox', { name: 'Minimum status' }).selectOption('');
    await page.getByRole('table', { name: 'Request log' }).waitFor();

    // dragging across the chart zooms every subplot and refetches that window at full resolution
    const drag = page.locator('[data-testid="timeline"] .nsewdrag').first();
    const box = (await drag.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await page.locator('[data-testid="timeline"][data-zoomed="true"]').waitFor();
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.locator('[data-testid="timeline"][data-zoomed="false"]').waitFor();

    await page
      .getByRole('region', { name: 'Output' })
      .getByText(/GET \/cache\/leak\//)
      .first()
      .waitFor();
    await screenshots(page, 'live-running');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .locator('[data-testid="status-badge"][data-status="stopped"]')
      .first()
      .waitFor({ timeout: 60_000 });
    await page.getByTestId('read-only').waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Server URL' }).count()).toBe(0);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
    const table = page.getByRole('table', { name: 'Sessions' });
    await table.waitFor();
    const row = table.locator('tbody tr').first();
    await row.getByText('Stopped').waitFor();
    await expect
      .poll(async () =>
        Number((await row.locator('td[data-col="requests"]').textContent())?.replace(/\D/g, '')),
      )
      .toBeGreaterThanOrEqual(150);

    await row.getByRole('button', { name: /^Rename/ }).click();
    const nameInput = row.getByRole('textbox', { name: /New name for session/ });
    await nameInput.fill('Price list cache leak');
    await nameInput.press('Enter');
    await row.getByText('Price list cache leak').waitFor();
    await screenshots(page, 'sessions');

    await row.getByRole('button', { name: 'Open Price list cache leak' }).click();
    await page.getByTestId('read-only').waitFor();
    await page.getByRole('heading', { name: 'Price list cache leak' }).waitFor();
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    await page.locator('[data-testid="timeline"][data-state="ready"]').waitFor();
    expect(await numberAttr(page, '[data-testid="timeline"]', 'data-points')).toBeGreaterThan(0);
    expect(await numberAttr(page, LEAK_ROUTE, 'data-requests')).toBeGreaterThanOrEqual(150);
    await screenshots(page, 'reopened');

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
