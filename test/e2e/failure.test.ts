import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPython } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';
import { openApp, screenshots, startApp, type App } from './harness.ts';

let app: App;
const project = tempDir('djleak-e2e-broken-');
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  project.cleanup();
});

/** A Django project whose settings import a package that is not installed: it dies during start-up. */
function brokenProject(): string {
  const dir = project.dir;
  writeFileSync(
    path.join(dir, 'manage.py'),
    "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'brokenproj.settings')\n" +
      'from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
  );
  mkdirSync(path.join(dir, 'brokenproj'), { recursive: true });
  writeFileSync(path.join(dir, 'brokenproj', '__init__.py'), '');
  writeFileSync(path.join(dir, 'brokenproj', 'settings.py'), 'import payments_sdk_that_is_not_installed\n');
  return dir;
}

describe('launch failures are explained where they happen', () => {
  it('a project folder that does not exist', async () => {
    const { page, problems } = await openApp(app);
    const folder = page.getByRole('textbox', { name: 'Project folder' });
    await folder.fill('/nonexistent/shop');
    await folder.blur();
    await page.getByTestId('inspect-error').getByText('project folder does not exist').waitFor();

    await page.getByRole('button', { name: 'Start investigation' }).click();
    const panel = page.getByRole('alert', { name: 'Could not start /nonexistent/shop' });
    await panel.waitFor();
    expect(await panel.getByTestId('error-message').textContent()).toBe(
      'project folder does not exist: /nonexistent/shop',
    );
    await screenshots(page, 'error');
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('a project that exits during start-up: message, stderr tail, stored as failed, then deleted', async () => {
    const { page } = await openApp(app);
    const dir = brokenProject();
    const folder = page.getByRole('textbox', { name: 'Project folder' });
    await folder.fill(dir);
    await folder.blur();
    await page.getByTestId('inspect-result').getByText('brokenproj.settings').waitFor();
    await page.getByRole('textbox', { name: 'Interpreter path' }).fill(demoPython);
    await page.getByRole('radio', { name: 'gunicorn' }).check();
    await page.getByRole('radio', { name: 'runserver' }).check();
    await page.keyboard.press('Control+Enter');

    const panel = page.getByRole('alert', { name: `Could not start ${dir}` });
    await panel.waitFor({ timeout: 120_000 });
    expect(await panel.getByTestId('error-message').textContent()).toMatch(
      /the Django process exited during start-up \(exit code 1\)/,
    );
    expect(await panel.getByTestId('error-detail').textContent()).toContain(
      "No module named 'payments_sdk_that_is_not_installed'",
    );
    await screenshots(page, 'error-stderr');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
    const row = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr').first();
    await row.getByText('Failed').waitFor();
    await row.getByRole('button', { name: /^Open / }).click();
    const stored = page.getByRole('alert', { name: 'The server did not start' });
    await stored.waitFor();
    expect(await stored.getByTestId('error-detail').textContent()).toContain(
      'payments_sdk_that_is_not_installed',
    );

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sessions' }).click();
    await page
      .getByRole('table', { name: 'Sessions' })
      .locator('tbody tr')
      .first()
      .getByRole('button', { name: /^Delete / })
      .click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete this session?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('table', { name: 'Sessions' }).waitFor();
    await page
      .getByRole('table', { name: 'Sessions' })
      .locator('tbody tr')
      .first()
      .getByRole('button', { name: /^Delete / })
      .click();
    await confirm.getByRole('button', { name: 'Delete session' }).click();
    await page.getByText('The library is empty').waitFor();
  });
});
