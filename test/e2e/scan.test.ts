import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEndpoints, demoPython } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';
import { openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
const project = tempDir('djleak-e2e-params-');
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  project.cleanup();
});

/** A Django project whose every route takes a path parameter: discovery finds nothing to scan. */
function paramsOnlyProject(): string {
  const dir = project.dir;
  writeFileSync(
    path.join(dir, 'manage.py'),
    "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'paramonly.settings')\n" +
      'from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
  );
  mkdirSync(path.join(dir, 'paramonly'), { recursive: true });
  writeFileSync(path.join(dir, 'paramonly', '__init__.py'), '');
  writeFileSync(
    path.join(dir, 'paramonly', 'settings.py'),
    "SECRET_KEY = 'x'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\nROOT_URLCONF = 'paramonly.urls'\n" +
      'INSTALLED_APPS = []\nMIDDLEWARE = []\nDATABASES = {}\n',
  );
  writeFileSync(
    path.join(dir, 'paramonly', 'urls.py'),
    'from django.http import HttpResponse\nfrom django.urls import path\n' +
      "urlpatterns = [path('item/<int:pk>/', lambda request, pk: HttpResponse(str(pk)))]\n",
  );
  return dir;
}

const PANEL = '[data-testid="endpoints"]';
const ROWS = '[data-testid="endpoint-table"] tbody tr';
const RANK: Record<string, number> = { leak: 0, inconclusive: 1, ok: 2 };

function rowFor(page: Page, path: string) {
  return page.locator(`${ROWS}[data-path="${path}"]`);
}

async function verdicts(page: Page): Promise<string[]> {
  return page.locator(ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict') ?? ''));
}

describe('leak scans from the Live view', () => {
  it("scans the demo: each endpoint's verdict as in leaks.json, leaks first, a chart per endpoint", async () => {
    const { page, problems } = await openApp(app);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 180_000 });

    const panel = page.locator(PANEL);
    await panel.getByText('Run a scan to get a verdict per endpoint').waitFor();
    await panel.getByText(/your app receives ~150 requests per route/).waitFor();

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Scan the running session for leaks').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await panel.getByRole('button', { name: 'Scan for leaks' }).click();
    await page.locator(`${PANEL}[data-state="scanning"]`).waitFor();
    await panel.getByRole('button', { name: 'Cancel scan' }).waitFor();
    await panel
      .getByText(/^Endpoint \d+ of \d+ · round \d+ of \d+ · GET \//)
      .first()
      .waitFor({ timeout: 60_000 });
    // results arrive one by one while the scan goes on
    await page.locator(`${PANEL}[data-state="scanning"] ${ROWS}`).first().waitFor({ timeout: 60_000 });
    expect(await panel.getByTestId('scan-summary').textContent()).toMatch(/so far$/);
    await screenshots(page, 'scan-progress');

    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 180_000 });
    expect(await panel.getByTestId('scan-progress').count()).toBe(0);
    await panel.getByRole('button', { name: 'Scan for leaks' }).waitFor();

    for (const e of demoEndpoints()) {
      const row = rowFor(page, e.path);
      const reason = await row.locator('.scan-reason').textContent();
      expect(await row.getAttribute('data-verdict'), `${e.path}: ${reason}`).toBe(e.leaks ? 'leak' : 'ok');
      expect(await row.getAttribute('data-partial')).toBe('false');
    }
    // the stored results carry the route each path matched
    expect(await rowFor(page, '/cache/leak/').locator('td').nth(2).textContent()).toBe('/cache/leak/');

    const shown = await verdicts(page);
    expect(shown).toEqual([...shown].sort((a, b) => RANK[a]! - RANK[b]!));
    const leaks = shown.filter((v) => v === 'leak').length;
    expect(leaks).toBe(demoEndpoints().filter((e) => e.leaks).length);
    const summary = panel.getByTestId('scan-summary');
    expect(await summary.getAttribute('data-leak')).toBe(String(leaks));
    expect(await summary.textContent()).toMatch(/^5 endpoints leak · \d+ ok · \d+ inconclusive$/);

    await panel.getByText('Select an endpoint to chart its memory round by round.').waitFor();
    await rowFor(page, '/cache/leak/').getByRole('button', { name: 'GET /cache/leak/' }).click();
    await page.locator('[data-testid="scan-chart"][data-state="ready"][data-path="/cache/leak/"]').waitFor();
    expect(await page.getByTestId('scan-chart').locator('.scatterlayer .trace').count()).toBe(2);
    await screenshots(page, 'scan');

    // /gc/leak/ is cyclic garbage only a forced collection frees: its chart has the garbage strip
    await rowFor(page, '/gc/leak/').click();
    await page.locator('[data-testid="scan-chart"][data-state="ready"][data-path="/gc/leak/"]').waitFor();
    expect(await page.getByTestId('scan-chart').getAttribute('data-garbage')).toBe('true');
    await screenshots(page, 'scan-garbage');

    // stopped, the session keeps showing its scan, read-only
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('read-only').waitFor({ timeout: 60_000 });
    expect(await panel.getByRole('button', { name: 'Scan for leaks' }).count()).toBe(0);
    expect(await summary.getAttribute('data-leak')).toBe(String(leaks));

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
    const first = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr').first();
    const badges = first.getByTestId('scan-verdicts');
    await badges.waitFor();
    expect(await badges.getAttribute('data-leak')).toBe(String(leaks));
    await badges.getByText(`${leaks} leak`).waitFor();
    await screenshots(page, 'scan-sessions');

    await first.getByRole('button', { name: /^Open / }).click();
    await page.locator(`${PANEL}[data-state="done"]`).waitFor();
    expect(await page.locator(ROWS).count()).toBe(shown.length);
    expect(await rowFor(page, '/cache/leak/').getAttribute('data-verdict')).toBe('leak');

    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('cancelling a scan just after it starts returns to idle with the endpoint in progress marked partial', async () => {
    const { page, problems } = await openApp(app);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 180_000 });
    const panel = page.locator(PANEL);
    await panel.getByText('Run a scan to get a verdict per endpoint').waitFor();
    // plotly's first load takes the page's main thread for a moment: let it settle before timing a cancel
    await page.locator('[data-testid="timeline"][data-state="ready"]').waitFor();

    await page.keyboard.press('Control+Shift+L');
    await page.locator('[data-testid="scan-progress"]:not([data-index="0"])').waitFor({ timeout: 60_000 });
    await panel.getByRole('button', { name: 'Cancel scan' }).click();

    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 60_000 });
    await panel.getByRole('button', { name: 'Scan for leaks' }).waitFor();
    expect(await panel.getByTestId('scan-progress').count()).toBe(0);
    expect(await panel.getByTestId('scan-note').textContent()).toMatch(
      /^Scan cancelled after \d+ endpoints?: the one in progress is marked partial\./,
    );
    const partial = page.locator(`${ROWS}[data-partial="true"]`);
    expect(await partial.count()).toBe(1);
    await partial.getByText('partial', { exact: true }).waitFor();
    expect(await partial.locator('.scan-reason').textContent()).toContain('partial: the scan was cut short');
    await screenshots(page, 'scan-cancelled');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('read-only').waitFor({ timeout: 60_000 });
    expect(await page.locator(`${ROWS}[data-partial="true"]`).count()).toBe(1);

    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('a scan with nothing to scan explains why in an error panel and leaves the session idle', async () => {
    const { page, problems } = await openApp(app);
    const dir = paramsOnlyProject();
    const folder = page.getByRole('textbox', { name: 'Project folder' });
    await folder.fill(dir);
    await folder.blur();
    await page.getByTestId('inspect-result').getByText('paramonly.settings').waitFor();
    await page.getByRole('textbox', { name: 'Interpreter path' }).fill(demoPython);
    await page.getByRole('button', { name: 'Start investigation' }).click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 120_000 });

    const panel = page.locator(PANEL);
    await panel.getByRole('button', { name: 'Scan for leaks' }).click();
    const error = panel.getByRole('alert', { name: 'The scan did not run' });
    await error.waitFor({ timeout: 60_000 });
    const message = await error.getByTestId('error-message').textContent();
    expect(message).toMatch(/^discovery found no GET route without path parameters to scan/);
    expect(message).toContain('item/<int:pk>/');
    await panel.getByRole('button', { name: 'Scan for leaks' }).waitFor();
    await panel.getByText('Run a scan to get a verdict per endpoint').waitFor();
    await screenshots(page, 'scan-error');

    await error.getByRole('button', { name: 'Dismiss' }).click();
    await error.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('read-only').waitFor({ timeout: 60_000 });
    await panel.getByText('No scan was run in this session').waitFor();

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
