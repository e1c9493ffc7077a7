import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPython } from '../helpers/demo.ts';
import { writeDjangoProject } from '../helpers/django-project.ts';
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
    // The root cause first, on the settings' line; what happened after it below.
    expect(await panel.getByTestId('error-message').textContent()).toBe(
      "ModuleNotFoundError: No module named 'payments_sdk_that_is_not_installed' (brokenproj/settings.py:1)",
    );
    expect(await panel.getByTestId('error-notes').textContent()).toMatch(
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

  it('a middleware that is not installed, under gunicorn: the root cause first, what to do, the output below', async () => {
    const { page, problems } = await openApp(app);
    const dir = writeDjangoProject(path.join(project.dir, 'static-files'), 'shop', {
      settings: "MIDDLEWARE = ['whitenoise.middleware.WhiteNoiseMiddleware']",
    });
    await page.getByRole('textbox', { name: 'Project folder' }).fill(dir);
    await page.getByRole('textbox', { name: 'Project folder' }).blur();
    await page.getByTestId('inspect-result').getByText('shop.settings').waitFor();
    await page.getByRole('textbox', { name: 'Interpreter path' }).fill(demoPython);
    await page.getByRole('radio', { name: 'gunicorn' }).check();
    await page.getByRole('button', { name: 'Start investigation' }).click();

    const panel = page.getByRole('alert', { name: `Could not start ${dir}` });
    await panel.waitFor({ timeout: 120_000 });
    expect(await panel.getByTestId('error-message').textContent()).toMatch(
      /^ModuleNotFoundError: No module named 'whitenoise' \(django\/utils\/module_loading\.py:\d+, reached from shop\/wsgi\.py:4\)$/,
    );
    expect(await panel.getByTestId('error-hint').textContent()).toBe(
      `What to do: install it into the project's interpreter: ${demoPython} -m pip install whitenoise`,
    );
    // The message comes before everything else the box shows; the full output is still there.
    const order = await panel.evaluate((el) =>
      [...el.querySelectorAll('[data-testid]')].map((e) => e.getAttribute('data-testid')),
    );
    expect(order.slice(0, 3)).toEqual(['error-message', 'error-notes', 'error-hint']);
    expect(await panel.getByTestId('error-detail').textContent()).toContain('Worker failed to boot');
    expect(await panel.textContent()).not.toMatch(/--(project|python|settings|env)\b/);
    await screenshots(page, 'error-root-cause');

    // The full output, one click away: the session stored as failed, with every line the target printed.
    await panel.getByRole('button', { name: 'Open the full output' }).click();
    const output = page.getByRole('log', { name: 'Server output' });
    await output.getByText('Worker failed to boot').first().waitFor();
    expect(await output.textContent()).toContain('Traceback (most recent call last):');
    // the stored session says it the same way: the cause, what to do, then what the target printed
    const stored = page.getByRole('alert', { name: 'The server did not start' });
    expect(await stored.getByTestId('error-message').textContent()).toMatch(
      /^ModuleNotFoundError: No module/,
    );
    expect(await stored.getByTestId('error-hint').textContent()).toMatch(/^What to do: install it/);
    expect(await stored.getByTestId('error-detail').textContent()).not.toContain('What to do');
    expect(await stored.getByTestId('error-detail').textContent()).toContain('Worker failed to boot');
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the Environment field: a bad line is named before anything starts; a missing variable points at the field', async () => {
    const { page, problems } = await openApp(app);
    const dir = writeDjangoProject(path.join(project.dir, 'greeting'), 'greet', {
      settings: "GREETING = os.environ['SHOP_GREETING']",
    });
    await page.getByRole('textbox', { name: 'Project folder' }).fill(dir);
    await page.getByRole('textbox', { name: 'Project folder' }).blur();
    await page.getByTestId('inspect-result').getByText('greet.settings').waitFor();
    await page.getByRole('textbox', { name: 'Interpreter path' }).fill(demoPython);
    const env = page.getByRole('textbox', { name: 'Environment' });

    await env.fill('# the shop\nSHOP_GREETING');
    await env.blur();
    expect(await page.getByTestId('env-error').textContent()).toBe(
      "Environment, line 2: 'SHOP_GREETING' has no '=': write KEY=VALUE",
    );
    expect(await env.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Start investigation' }).click();
    expect(await page.getByRole('alert', { name: `Could not start ${dir}` }).count()).toBe(0);

    await env.fill('');
    await page.getByRole('button', { name: 'Start investigation' }).click();
    const panel = page.getByRole('alert', { name: `Could not start ${dir}` });
    await panel.waitFor({ timeout: 120_000 });
    expect(await panel.getByTestId('error-message').textContent()).toBe(
      "KeyError: 'SHOP_GREETING' (greet/settings.py:10)",
    );
    expect(await panel.getByTestId('error-hint').textContent()).toBe(
      'What to do: the settings read the environment variable SHOP_GREETING, which is not set: add a line SHOP_GREETING=… to Environment',
    );
    expect(await env.getAttribute('aria-invalid')).toBe('true');
    await screenshots(page, 'error-environment');

    await env.fill('export SHOP_GREETING="hello from the form"');
    await page.getByRole('button', { name: 'Start investigation' }).click();
    await page.getByTestId('live-view').waitFor({ timeout: 120_000 });
    const sessionId = Number(await page.getByTestId('live-view').getAttribute('data-session'));
    const options = JSON.parse(app.engine.library.session(sessionId)!.options!) as { env: unknown };
    expect(options.env).toEqual({ SHOP_GREETING: 'hello from the form' });
    await app.engine.running.get(sessionId)?.stop();
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
