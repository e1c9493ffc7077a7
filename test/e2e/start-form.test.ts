import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/demo.ts';
import { openApp, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe('the new investigation form', () => {
  it('keeps an interpreter the user typed when the folder is inspected, and fills one only when none was', async () => {
    const { page, problems } = await openApp(app);
    const folder = page.getByRole('textbox', { name: 'Project folder' });
    const python = page.getByRole('textbox', { name: 'Interpreter path' });
    const settings = page.getByRole('textbox', { name: /^Settings module/ });
    const project = path.join(repoRoot, 'assets', 'examples', 'lending_library');

    // typed first, then the folder: what was typed stays, and typing on appends to it alone
    // (a name the inspection never proposes: it finds VIRTUAL_ENV, .venv, venv, env, then python3)
    await python.fill('python3.1');
    await folder.fill(project);
    await folder.blur();
    await page.getByTestId('inspect-result').getByText('lending_library.settings').waitFor();
    expect(await python.inputValue()).toBe('python3.1');
    await python.press('End');
    await python.pressSequentially('1');
    expect(await python.inputValue()).toBe('python3.11');
    // the settings module the folder's manage.py names fills the empty field
    expect(await settings.inputValue()).toBe('lending_library.settings');

    // emptied, the interpreter is the inspection's again on the next folder
    await python.fill('');
    await folder.fill(path.join(repoRoot, 'assets', 'examples', 'slow_leaks'));
    await folder.blur();
    await page.getByTestId('inspect-result').getByText('slow_leaks.settings').waitFor();
    await expect.poll(() => python.inputValue()).not.toBe('');
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
