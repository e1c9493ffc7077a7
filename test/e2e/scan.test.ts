import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { addScanResult, scanResults } from '../../main/store/scans.ts';
import { demoEndpoints, demoPython } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';
import {
  docsScreenshot,
  openApp,
  recordRenders,
  screenshots,
  startApp,
  undecided,
  type App,
} from './harness.ts';

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
/** "1.0–1.1 KB/request", "0–268 B/request", "800 B–1.2 KB/request" */
const RANGE = /^[\d.]+( B| KB| MB)?–[\d.]+ (B|KB|MB)\/request$/;

function rowFor(page: Page, path: string) {
  return page.locator(`${ROWS}[data-path="${path}"]`);
}

async function verdicts(page: Page): Promise<string[]> {
  return page.locator(ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict') ?? ''));
}

describe('leak scans from the Live view', () => {
  it('scans the demo: leaks with their range, cost and stop-gap, an extension under way, undecided ones decided on demand', async () => {
    const { page, problems } = await openApp(app);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 180_000 });
    const sessionId = Number(await page.getByTestId('live-view').getAttribute('data-session'));

    const panel = page.locator(PANEL);
    await panel.getByText('Run a scan to get a verdict per endpoint').waitFor();
    await panel.getByText(/your app receives ~150 requests per route/).waitFor();

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Scan the running session for leaks').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // two results of an earlier scan left undecided (a state a real scan reaches only by chance)
    const db = app.engine.library.db;
    addScanResult(db, sessionId, undecided('/session/clear/', 220));
    addScanResult(db, sessionId, undecided('/report/queries/', 1420));

    // every progress line the panel shows, recorded as it renders: a round can be over before a poll sees it
    const progressLines = await recordRenders(page, '[data-testid="scan-progress"] [role="status"]');

    // a growth leak, a garbage leak and two controls, within a budget that keeps the test short (a discovery
    // scan of every route gives an undecided one up to 2,000 requests): /cache/leak/ cannot be confirmed in its
    // first 100 requests, so the scan extends it
    await dispatch(createHandlers(app.engine), 'scan.start', {
      sessionId,
      scenario: {
        endpoints: [
          { path: '/cache/leak/', requests: 100 },
          { path: '/gc/leak/', requests: 100 },
          { path: '/', requests: 20 },
          { path: '/cache/bounded/', requests: 120 },
        ],
        warmup: 50,
        max_requests: 400,
        max_seconds: 60,
      },
    });
    await page.locator(`${PANEL}[data-state="scanning"]`).waitFor();
    await panel.getByRole('button', { name: 'Cancel scan' }).waitFor();
    const progress = panel.getByTestId('scan-progress');
    // extending: why, and no bar pretending to be full (read at once: the extension lasts a few seconds)
    let extension: Record<string, string | number | null | undefined> | null = null;
    const readExtension = async () =>
      progress
        .evaluate(
          (box) => {
            const why = box.querySelector('[data-testid="scan-extending"]');
            if (!why) return null;
            return {
              phase: box.dataset.phase,
              line: box.querySelector('[role="status"]')?.textContent,
              why: why.textContent,
              value: box.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow'),
              busy: box.querySelectorAll('.progress-busy').length,
            };
          },
          undefined,
          { timeout: 1000 },
        )
        .catch(() => null);
    await expect
      .poll(async () => (extension = await readExtension()), { timeout: 60_000, interval: 100 })
      .not.toBeNull();
    expect(extension!.phase).toBe('extending');
    expect(extension!.line).toMatch(/^Endpoint 1 of 4 · extension 1, round \d of 4 · GET \/cache\/leak\//);
    expect(extension!.why).toMatch(
      /^Not decided yet, so extending it to \d+ requests: growing [\d.]+ KB\/request over \d+ requests/,
    );
    expect(Number(extension!.value)).toBeLessThan(100);
    expect(extension!.busy).toBe(1);
    await screenshots(page, 'scan-extending');
    // results arrive one by one while the scan goes on
    await page.locator(`${PANEL}[data-state="scanning"] ${ROWS}`).first().waitFor({ timeout: 60_000 });
    expect(await panel.getByTestId('scan-summary').textContent()).toMatch(/so far$/);
    await screenshots(page, 'scan-progress');
    await panel
      .locator('[data-testid="scan-progress"][data-phase="diagnosing"]')
      .waitFor({ timeout: 240_000 });
    await screenshots(page, 'scan-diagnosing');

    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 240_000 });
    expect(await panel.getByTestId('scan-progress').count()).toBe(0);
    // the first endpoint's rounds, then its extension, then the next endpoint's warm-up and rounds, in order
    const lines = await progressLines();
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const order = [
      /^Endpoint 1 of 4 · round 1 of 5 · GET \/cache\/leak\//,
      /^Endpoint 1 of 4 · round 5 of 5 · GET \/cache\/leak\//,
      /^Endpoint 1 of 4 · extension 1, round 1 of 4 · GET \/cache\/leak\//,
      /^Endpoint 2 of 4 · warming up/,
      /^Endpoint 2 of 4 · round 1 of 5 · GET \/gc\/leak\//,
      // each leak's traced window named as it runs, not ~40 s of one line
      /^Every endpoint measured · diagnosing leak 1 of 2 · GET \/cache\/leak\/ in a traced window of 40 requests…/,
      /^Every endpoint measured · diagnosing leak 2 of 2 · GET \/gc\/leak\/ in a traced window of 40 requests…/,
    ].map(at);
    expect(
      order.every((k, n) => k >= 0 && (n === 0 || k > order[n - 1]!)),
      lines.join('\n'),
    ).toBe(true);
    await panel.getByRole('button', { name: 'Scan for leaks' }).waitFor();

    const leaking = new Set(
      demoEndpoints()
        .filter((e) => e.leaks)
        .map((e) => e.path),
    );
    for (const path of ['/cache/leak/', '/gc/leak/', '/', '/cache/bounded/']) {
      const row = rowFor(page, path);
      const reason = await row.locator('.scan-reason').textContent();
      const verdict = await row.getAttribute('data-verdict');
      if (leaking.has(path)) expect(verdict, `${path}: ${reason}`).toBe('leak');
      else expect(verdict, `${path}: ${reason}`).not.toBe('leak');
      expect(await row.getAttribute('data-partial')).toBe('false');
      // a readable range, never a raw byte count
      const retained = await row.getByTestId('retained').textContent();
      if (verdict === 'ok') expect(retained).toMatch(/^< \d+ B\/request$/);
      else if (path !== '/gc/leak/') expect(retained).toMatch(RANGE);
    }
    // the stored results carry the route each path matched
    expect(await rowFor(page, '/cache/leak/').getAttribute('data-route')).toBe('/cache/leak/');
    // the Routes table marks RSS growth only where the scan found a leak: RSS rose on every route
    const routeDelta = (route: string) =>
      page.locator(`[data-testid="route-table"] tr[data-route="${route}"] [data-testid="rss-delta"]`);
    await expect.poll(() => routeDelta('cache/leak/').getAttribute('data-leak')).toBe('true');
    expect(await routeDelta('cache/leak/').getAttribute('class')).toContain('text-grow');
    expect(await routeDelta('cache/bounded/').getAttribute('data-leak')).toBe('false');
    expect(await routeDelta('cache/bounded/').getAttribute('class')).not.toContain('text-grow');

    // a growth leak: its 95 % interval in KB, and what it costs in production
    const cache = rowFor(page, '/cache/leak/');
    const [low, high] = (await cache.getByTestId('retained').textContent())!
      .match(/^([\d.]+)–([\d.]+) KB\/request$/)!
      .slice(1)
      .map(Number);
    expect(low).toBeGreaterThan(20);
    expect(high).toBeGreaterThanOrEqual(low!);
    expect(high).toBeLessThan(100);
    const cost = (await cache.getByTestId('cost').textContent())!;
    expect(cost).toMatch(/^[\d,]+ MB per 100,000 requests$/);
    // 100,000 requests at the interval's figures, in MiB
    const mb = Number(cost.match(/^([\d,]+) MB/)![1]!.replace(/,/g, ''));
    expect(mb).toBeGreaterThanOrEqual(Math.floor((low! * 1024 * 100_000) / 1048576 / 1.05));
    expect(mb).toBeLessThanOrEqual(Math.ceil(((high! * 1024 * 100_000) / 1048576) * 1.05));
    // garbage only a forced collection frees: what it leaves, with its cost
    expect(await rowFor(page, '/gc/leak/').getByTestId('retained').textContent()).toMatch(
      /^[\d.]+ KB\/request$/,
    );
    expect(await rowFor(page, '/gc/leak/').getByTestId('cost').textContent()).toMatch(
      /MB per 100,000 requests$/,
    );

    const shown = await verdicts(page);
    expect(shown).toEqual([...shown].sort((a, b) => RANK[a]! - RANK[b]!));
    const leaks = shown.filter((v) => v === 'leak').length;
    expect(leaks).toBe(2);
    const summary = panel.getByTestId('scan-summary');
    expect(await summary.getAttribute('data-leak')).toBe('2');
    expect(await summary.textContent()).toMatch(/^2 endpoints leak · \d+ ok · \d+ inconclusive$/);

    // the row's detail: the cost again, the stop-gap marked as one, and the chart
    await panel.getByText('Select an endpoint for its details and its memory round by round.').waitFor();
    await cache.getByRole('button', { name: 'GET /cache/leak/' }).click();
    const detail = panel.getByTestId('scan-detail');
    expect(await detail.getAttribute('data-path')).toBe('/cache/leak/');
    expect(await detail.getByTestId('scan-cost').textContent()).toContain(
      `In production it keeps about ${cost}.`,
    );
    const stopgap = detail.getByRole('note', { name: 'Stop-gap, not a fix' });
    expect(await stopgap.textContent()).toMatch(
      /^Stop-gap, not a fix Until the leak is fixed, restart each worker before it passes 512 MB:gunicorngunicorn --max-requests \d+ --max-requests-jitter \d+uWSGI \(ini\)reload-on-rss = 512\s*max-requests = \d+Restarts only cap how large a worker grows.*They never replace the fix/,
    );
    await page.locator('[data-testid="scan-chart"][data-state="ready"][data-path="/cache/leak/"]').waitFor();
    expect(await page.getByTestId('scan-chart').locator('.scatterlayer .trace').count()).toBe(2);
    expect(await page.getByTestId('scan-chart').textContent()).toMatch(/\(1 extension\)/);
    await screenshots(page, 'scan');
    await docsScreenshot(page, 'scan'); // the README's picture (DJLEAK_SCREENSHOTS=1)

    // /gc/leak/ is cyclic garbage only a forced collection frees: its chart has the garbage strip
    await rowFor(page, '/gc/leak/').click();
    await page.locator('[data-testid="scan-chart"][data-state="ready"][data-path="/gc/leak/"]').waitFor();
    expect(await page.getByTestId('scan-chart').getAttribute('data-garbage')).toBe('true');
    await screenshots(page, 'scan-garbage');

    // undecided: how many more requests would decide it, and a scan of that endpoint alone to run them
    const clear = rowFor(page, '/session/clear/');
    expect(await clear.getAttribute('data-verdict')).toBe('inconclusive');
    expect(await clear.getByTestId('retained').textContent()).toBe('0–143 B/request');
    expect(await clear.getByTestId('requests-needed').textContent()).toBe('~220 more requests to decide');
    await clear.click();
    expect(await panel.getByTestId('scan-decide').textContent()).toBe(
      'Not decided after 100 requests: about 220 more would decide it. Scan again measures GET ' +
        '/session/clear/ alone from a new baseline, extending it until it is decided or 400 requests are sent.',
    );
    const before = scanResults(db, sessionId).length;
    await clear.getByRole('button', { name: 'Scan again with up to 400 requests' }).click();
    await page.locator(`${PANEL}[data-state="scanning"]`).waitFor();
    // the other endpoints keep their verdicts meanwhile, and cannot start a scan of their own
    expect(await rowFor(page, '/cache/leak/').getAttribute('data-verdict')).toBe('leak');
    const queries = rowFor(page, '/report/queries/');
    expect(
      await queries.getByRole('button', { name: 'Scan again with up to 1,600 requests' }).isDisabled(),
    ).toBe(true);
    expect(await queries.getByTestId('decide-blocker').textContent()).toBe('scan under way');
    await page.locator(`${PANEL}[data-state="done"]`).waitFor({ timeout: 120_000 });
    const scenario = JSON.parse(app.engine.library.session(sessionId)!.scenario!) as Record<string, unknown>;
    expect(scenario).toMatchObject({
      endpoints: [{ method: 'GET', path: '/session/clear/', requests: 100 }],
      warmup: 50,
      max_requests: 400,
      max_seconds: 240,
    });
    const after = scanResults(db, sessionId);
    expect(after.length).toBe(before + 1);
    const decided = after.at(-1)!;
    expect(decided.path).toBe('/session/clear/');
    expect(decided.sent).toBeLessThanOrEqual(400);
    expect(await clear.getAttribute('data-verdict')).toBe(decided.verdict);
    expect(await clear.locator('.scan-reason').textContent()).toContain(decided.reason);

    // stopped, the session keeps showing its scan, read-only; an undecided endpoint says why it cannot run
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('read-only').waitFor({ timeout: 60_000 });
    expect(await panel.getByRole('button', { name: 'Scan for leaks' }).count()).toBe(0);
    expect(await summary.getAttribute('data-leak')).toBe('2');
    expect(
      await queries.getByRole('button', { name: 'Scan again with up to 1,600 requests' }).isDisabled(),
    ).toBe(true);
    expect(await queries.getByTestId('decide-blocker').textContent()).toBe('session not running');
    await screenshots(page, 'scan-stopped');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
    const first = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr').first();
    const badges = first.getByTestId('scan-verdicts');
    await badges.waitFor();
    expect(await badges.getAttribute('data-leak')).toBe('2');
    await badges.getByText('2 leak').waitFor();
    await screenshots(page, 'scan-sessions');

    await first.getByRole('button', { name: /^Open / }).click();
    await page.locator(`${PANEL}[data-state="done"]`).waitFor();
    // the endpoints' rows (the detail row of the one still selected aside)
    expect(await page.locator(`${ROWS}[data-path]`).count()).toBe(shown.length);
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
    // The routes it skipped are the message's further lines, below its first.
    expect(await error.textContent()).toContain('item/<int:pk>/');
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
