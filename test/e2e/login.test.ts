import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

const PANEL = '[data-testid="endpoints"]';
const row = (path: string) => `[data-testid="endpoint-table"] tbody tr[data-path="${path}"]`;

describe('scanning pages behind a login from the Live view', () => {
  it('shows what answered a page the view never reached, and scans as the user typed in "Log in as"', async () => {
    const { page, problems } = await openApp(app);
    await page
      .getByRole('region', { name: 'More examples' })
      .getByRole('button', { name: 'Start the Lending library example' })
      .click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 180_000 });
    const sessionId = Number(await page.getByTestId('live-view').getAttribute('data-session'));

    // without a user: the catalogue answers the login redirect, which is said, not judged
    await dispatch(createHandlers(app.engine), 'scan.start', {
      sessionId,
      scenario: {
        endpoints: [
          { path: '/books/', requests: 30 },
          { path: '/', requests: 30 },
        ],
        rounds: 3,
        warmup: 10,
      },
    });
    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 120_000 });
    const books = page.locator(`${PANEL} ${row('/books/')}`);
    expect(await books.getAttribute('data-verdict')).toBe('inconclusive');
    const status = books.getByTestId('statuses');
    expect(await status.textContent()).toBe('302 × 30');
    expect(await status.getAttribute('data-unusual')).toBe('true');
    expect(await status.getAttribute('title')).toBe('Responses: 302 × 30');
    expect(await books.locator('.scan-reason').textContent()).toMatch(
      /^every response was 302 to \/accounts\/login\/: the view never ran, so this measured the redirect/,
    );
    const home = page.locator(`${PANEL} ${row('/')}`);
    expect(await home.getByTestId('statuses').textContent()).toBe('200');
    expect(await home.getByTestId('statuses').getAttribute('data-unusual')).toBe('false');
    await screenshots(page, 'scan-statuses');

    // as reader: typed in the panel, Enter starts the scan of every route, logged in
    const login = page.getByRole('textbox', { name: 'Log in as' });
    await login.fill('reader');
    await login.press('Enter');
    await page.locator(`${PANEL}[data-state="scanning"]`).waitFor();
    // stored with the session once discovery has found the routes
    await expect
      .poll(() => JSON.parse(app.engine.library.session(sessionId)!.scenario!).login, { timeout: 30_000 })
      .toBe('reader');
    // the book list (the fourth route found; while the scan runs, only its own results show) answers 200 now, and
    // gets a verdict of its own
    const list = page.locator(`${PANEL}[data-state="scanning"] ${row('/books/')}`);
    await list.waitFor({ timeout: 120_000 });
    expect(await list.getByTestId('statuses').textContent()).toBe('200');
    expect(await list.getAttribute('data-verdict')).toBe('ok');
    await screenshots(page, 'scan-logged-in');
    await page.locator(PANEL).getByRole('button', { name: 'Cancel scan' }).click();
    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 60_000 });
    // the field keeps what was typed for the next scan of this session
    expect(await login.inputValue()).toBe('reader');

    // the routes discovery could not fill are listed beside the results, each with why
    const skipped = page.getByTestId('skipped-routes');
    await skipped.locator('summary').click();
    const archive = skipped.locator('tr[data-route="archive/<int:year>/"]');
    expect(await archive.locator('td').nth(1).textContent()).toMatch(/year/);
    expect(await skipped.locator('tr[data-route="accounts/reset/<uidb64>/<token>/"]').count()).toBe(1);
    // an example path is added once its parameters have values, and makes a scan of its own
    const example = archive.getByRole('textbox', { name: 'Example path for archive/<int:year>/' });
    expect(await example.inputValue()).toBe('/archive/<int:year>/');
    await archive.getByRole('button', { name: 'Add to the scan' }).click();
    expect(await archive.getByRole('alert').textContent()).toBe('The path gives a value for <int:year>.');
    await example.fill('/archive/1861/');
    await example.press('Enter');
    const picked = page.getByTestId('skipped-scenario');
    expect(await picked.locator('li').allTextContents()).toEqual(['GET /archive/1861/ ✕']);
    expect(JSON.parse((await picked.getByTestId('scenario-file').textContent())!)).toEqual({
      endpoints: [{ path: '/archive/1861/' }],
    });
    await screenshots(page, 'scan-skipped-routes');
    await picked.getByRole('button', { name: 'Scan 1 path' }).click();
    await page.locator(`${PANEL}[data-state="scanning"]`).waitFor();
    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 180_000 });
    const year = page.locator(`${PANEL} ${row('/archive/1861/')}`);
    expect(await year.getByTestId('statuses').textContent()).toBe('200');
    // a control in leaks.json: measured, and not a leak
    expect(await year.getAttribute('data-verdict')).not.toBe('leak');
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
