import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/demo.ts';
import { drive, openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe('the Start view offers the bundled examples', () => {
  it('shows slow_leaks beside the demo and starts it the way it starts the demo', async () => {
    const { page, problems } = await openApp(app);
    const examples = page.getByRole('region', { name: 'More examples' });
    const card = examples.locator('li[data-example="slow_leaks"]');
    await card.getByText('Slow leaks').waitFor();
    await card.getByText('small leaks of 76 B–4 KB a request among hard controls').waitFor();
    // The demo keeps its own card; the list holds the others only.
    expect(await examples.locator('li[data-example="leaky_shop"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Try the demo' }).waitFor();
    await screenshots(page, 'start-examples');

    await card.getByRole('button', { name: 'Start the Slow leaks example' }).click();
    const serverLink = page.getByRole('link', { name: 'Server URL' });
    await serverLink.waitFor({ timeout: 180_000 });
    await page.locator('[data-testid="status-badge"][data-status="running"]').first().waitFor();
    const [running] = [...app.engine.running.values()];
    expect(running).toBeDefined();
    const session = app.engine.library.session(running!.sessionId)!;
    expect(session.project).toBe(path.join(repoRoot, 'assets', 'examples', 'slow_leaks'));
    expect(session.name).toMatch(/^slow_leaks /);
    expect(JSON.parse(session.options!)).toEqual({ example: 'slow_leaks' });

    const serverUrl = (await serverLink.getAttribute('href'))!;
    const statuses = await drive(`${serverUrl}analytics/ping/`, 5);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await page.getByRole('table', { name: 'Request log' }).getByText('/analytics/ping/').first().waitFor();

    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .locator('[data-testid="status-badge"][data-status="stopped"]')
      .first()
      .waitFor({ timeout: 60_000 });
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
