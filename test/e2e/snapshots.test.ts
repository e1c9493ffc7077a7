import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { requestCount } from '../../main/store/queries.ts';
import { repoRoot } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';
import { drive, openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
const editor = tempDir('djleak-e2e-editor-');
const opened = path.join(editor.dir, 'opened.txt');
const savedEditor = process.env.DJLEAK_EDITOR;

beforeAll(async () => {
  // The engine runs in this process: "Open in editor" starts this recorder instead of an editor.
  const recorder = path.join(editor.dir, 'record.cjs');
  writeFileSync(
    recorder,
    `require('fs').appendFileSync(${JSON.stringify(opened)}, JSON.stringify(process.argv.slice(2)) + '\\n');`,
  );
  process.env.DJLEAK_EDITOR = `"${process.execPath}" "${recorder}" {file} {line}`;
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  if (savedEditor === undefined) delete process.env.DJLEAK_EDITOR;
  else process.env.DJLEAK_EDITOR = savedEditor;
  editor.cleanup();
});

const FRAGMENTS = realpathSync(
  path.join(repoRoot, 'assets', 'examples', 'leaky_shop', 'shop', 'fragments.py'),
);

function editorCalls(): string[][] {
  if (!existsSync(opened)) return [];
  return readFileSync(opened, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as string[]);
}

describe('the Snapshots view', () => {
  it('takes a baseline and a snapshot, diffs them to the planted line, opens it in the editor, finds who holds it', async () => {
    const { page, problems } = await openApp(app);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    const serverLink = page.getByRole('link', { name: 'Server URL' });
    await serverLink.waitFor({ timeout: 180_000 });
    const serverUrl = (await serverLink.getAttribute('href'))!;

    // from the Live view's header to the Snapshots view of the same session
    await page.getByTestId('live-view').getByRole('button', { name: 'Snapshots', exact: true }).click();
    const view = page.locator('[data-testid="snapshots-view"][data-running="true"]');
    await view.waitFor();
    const sessionId = Number(await view.getAttribute('data-session'));
    expect(new URL(page.url()).hash).toBe(`#/snapshots/${sessionId}`);
    await page.getByText('No snapshots yet').waitFor();
    await page.getByText('costly: requests run ~5–8× slower').waitFor();

    // tracing is off: the first snapshot starts it, and that moment is the baseline
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    const note = page.getByTestId('snapshot-note');
    await note.waitFor({ timeout: 60_000 });
    expect(await note.textContent()).toMatch(/this snapshot is the baseline/);
    await page.locator('[data-testid="tracing"][data-state="on"]').waitFor();
    await page.getByText('One snapshot so far').waitFor();

    const before = requestCount(app.engine.library.db, sessionId);
    const statuses = await drive(`${serverUrl}cache/leak/`, 40);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // the probe sends request records every 0.5 s: the snapshot counts the requests the library holds
    await expect
      .poll(() => requestCount(app.engine.library.db, sessionId), { timeout: 15_000, interval: 100 })
      .toBeGreaterThanOrEqual(before + 40);

    await page.getByRole('textbox', { name: 'Label (optional)' }).fill('after 40 price lists');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    const beforeSelect = page.getByRole('combobox', { name: 'Before' });
    const afterSelect = page.getByRole('combobox', { name: 'After' });
    await afterSelect.waitFor({ timeout: 60_000 });
    const options = await beforeSelect
      .locator('option')
      .evaluateAll((os) => os.map((o) => ({ value: o.getAttribute('value'), text: o.textContent })));
    expect(options).toHaveLength(2);
    expect(options[0]!.text).toContain('baseline');
    expect(options[1]!.text).toContain('after 40 price lists');
    await beforeSelect.selectOption(options[0]!.value);
    await afterSelect.selectOption(options[1]!.value);

    const firstRow = page.locator('[data-testid="diff-table"] tr.diff-row').first();
    await page.locator('[data-testid="compare"][data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('radio', { name: 'by line' }).isChecked()).toBe(true);
    expect(await page.getByRole('combobox', { name: 'Scope' }).inputValue()).toBe('project');
    expect(await firstRow.getAttribute('data-location')).toBe('shop/fragments.py:32');
    expect(Number(await firstRow.getAttribute('data-size-diff'))).toBeGreaterThan(0);
    expect(Number(await firstRow.getAttribute('data-per-request'))).toBeGreaterThan(10_000);
    expect(await firstRow.locator('td[data-col="per-request"]').textContent()).toMatch(/^\+\d+(\.\d)? KB$/);

    await firstRow.getByRole('button', { name: 'Show the traceback of shop/fragments.py:32' }).click();
    const traceback = page.getByTestId('traceback');
    const planted = traceback.locator('li[data-kind="attributed"]');
    expect(await planted.getAttribute('data-location')).toBe('shop/fragments.py:32');
    expect(await planted.locator('code.source').textContent()).toContain('_PRICE_LIST_FRAGMENTS');
    // library frames are listed (Django's handlers call the view: 10 frames reach them), without an editor button
    const library = traceback.locator('li[data-kind="library"]');
    expect(await library.count()).toBeGreaterThan(0);
    expect(await library.first().getByRole('button', { name: 'Open in editor' }).count()).toBe(0);

    await planted.getByRole('button', { name: 'Open in editor' }).click();
    await expect.poll(editorCalls, { timeout: 15_000 }).toEqual([[FRAGMENTS, '32']]);

    await page.locator('tr.diff-detail').getByRole('button', { name: 'Who holds it?' }).click();
    await page.locator('[data-testid="referrer-search"][data-state="done"]').waitFor({ timeout: 90_000 });
    const root = page.locator('[data-testid="referrer-root"]').first();
    expect(await root.getAttribute('data-kind')).toBe('module global');
    expect(await root.getAttribute('data-name')).toBe('shop.fragments._PRICE_LIST_FRAGMENTS');
    expect(await root.locator('.referrer-node').count()).toBeGreaterThan(0);

    const types = page.getByRole('table', { name: 'Type growth' });
    await types.locator('tbody tr').first().waitFor();
    await screenshots(page, 'snapshots');

    await page.getByRole('button', { name: 'Stop tracing' }).click();
    await page.locator('[data-testid="tracing"][data-state="off"]').waitFor();

    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("opens a leak scan's diagnosis from the Endpoints panel, and keeps showing it once the session stops", async () => {
    const { page, problems } = await openApp(app);
    await page.getByRole('button', { name: 'Try the demo' }).click();
    await page.getByRole('link', { name: 'Server URL' }).waitFor({ timeout: 180_000 });
    const sessionId = Number(await page.getByTestId('live-view').getAttribute('data-session'));

    // one endpoint is enough here: the scan measures it, finds the leak and diagnoses it in a traced window
    await dispatch(createHandlers(app.engine), 'scan.start', {
      sessionId,
      scenario: { endpoints: [{ path: '/cache/leak/', requests: 100 }] },
    });
    await page.locator('[data-testid="endpoints"][data-state="done"]').waitFor({ timeout: 120_000 });
    const row = page.locator('[data-testid="endpoint-table"] tbody tr[data-path="/cache/leak/"]');
    expect(await row.getAttribute('data-verdict')).toBe('leak');
    await row.getByRole('button', { name: 'Open diagnosis' }).click();

    await page.locator('[data-testid="snapshots-view"][data-running="true"]').waitFor();
    const pick = page.getByRole('button', { name: 'Diagnosis of GET /cache/leak/' });
    expect(await pick.getAttribute('aria-pressed')).toBe('true');
    const selected = async (name: string): Promise<string> =>
      page
        .getByRole('combobox', { name })
        .locator('option:checked')
        .evaluate((o) => o.textContent ?? '');
    expect(await selected('Before')).toContain('diagnose GET /cache/leak/ (before)');
    expect(await selected('After')).toContain('diagnose GET /cache/leak/ (after)');
    await page.locator('[data-testid="compare"][data-state="ready"]').waitFor({ timeout: 30_000 });
    const firstRow = page.locator('[data-testid="diff-table"] tr.diff-row').first();
    expect(await firstRow.getAttribute('data-location')).toBe('shop/fragments.py:32');

    // the referrer search the scan ran is stored with it: shown without asking the server
    const stored = page.getByTestId('referrer-diagnosis');
    const root = stored.locator('[data-testid="referrer-root"]').first();
    expect(await root.getAttribute('data-kind')).toBe('module global');
    expect(await root.getAttribute('data-name')).toBe('shop.fragments._PRICE_LIST_FRAGMENTS');

    // the diagnosis stopped tracing: a row's Who holds it? says so and offers to start it, and the stored
    // chain stays in view (it used to fail with "site needs tracemalloc tracing" and hide it)
    await page.locator('[data-testid="tracing"][data-state="off"]').waitFor();
    await firstRow.getByRole('button', { name: /^Show the traceback/ }).click();
    const notTracing = page.getByTestId('who-holds-not-tracing');
    await notTracing.getByText('What the scan found holding them while it traced is under').waitFor();
    expect(await stored.count()).toBe(1);
    await screenshots(page, 'snapshots-not-tracing');
    await notTracing.getByRole('button', { name: 'Start tracing (slows requests)' }).click();
    await page.locator('tr.diff-detail').getByRole('button', { name: 'Who holds it?' }).waitFor();
    expect(await page.getByTestId('tracing').getAttribute('data-state')).toBe('on');
    await firstRow.getByRole('button', { name: /^Hide the traceback/ }).click();

    // picking snapshots by hand leaves the diagnosis
    await page.getByRole('combobox', { name: 'Before' }).selectOption({ index: 1 });
    await stored.waitFor({ state: 'detached' });
    expect(await pick.getAttribute('aria-pressed')).toBe('false');

    await page.getByRole('button', { name: 'Back to Live' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('read-only').waitFor({ timeout: 60_000 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Snapshots' }).click();
    await page.locator('[data-testid="snapshots-view"][data-running="false"]').waitFor();
    expect(await page.getByTestId('capture').count()).toBe(0);
    await pick.click();
    await page.locator('[data-testid="compare"][data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(await firstRow.getAttribute('data-location')).toBe('shop/fragments.py:32');
    expect(await root.getAttribute('data-name')).toBe('shop.fragments._PRICE_LIST_FRAGMENTS');
    await firstRow.getByRole('button', { name: /^Show the traceback/ }).click();
    await page.getByText('Who holds it? asks the running server').waitFor();
    expect(await page.getByRole('button', { name: 'Who holds it?' }).count()).toBe(0);
    await screenshots(page, 'snapshots-diagnosis');

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
