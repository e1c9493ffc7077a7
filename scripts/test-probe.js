// Runs the probe's Python unit tests in the demo virtualenv (Django, gunicorn), made first if it is missing by
// the same code as `djleak run --demo` and the integration tests: a fresh machine runs every test, or this
// fails saying what is missing. Skipped tests are listed with why; under CI (CI=true) a skip fails the run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { register } from 'tsx/esm/api';

const root = path.resolve(import.meta.dirname, '..');
process.env.DJLEAK_DEMO_VENV ??= path.join(root, '.cache', 'demo-venv');
register();
const { ensureDemoVenv } = await import('../main/launcher/demo.ts');
let python;
try {
  python = await ensureDemoVenv('/nonexistent-unused', (line) => console.log(`[demo venv] ${line}`));
} catch (error) {
  console.error(
    `probe tests: the virtualenv they run in (${process.env.DJLEAK_DEMO_VENV}, with Django and gunicorn) ` +
      `could not be made: ${error.message}`,
  );
  for (const line of error.detail ?? []) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`probe tests with ${python}`);

const RUNNER = `
import sys, unittest
suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
result = unittest.TextTestRunner(verbosity=2).run(suite)
if result.skipped:
    print(f"\\n{len(result.skipped)} skipped:")
    for test, why in result.skipped:
        print(f"  {test.id()}: {why}")
    if sys.argv[1] == "strict":
        print("CI runs every probe test: a skip above means the environment misses what it names")
        sys.exit(1)
sys.exit(0 if result.wasSuccessful() else 1)
`;
const result = spawnSync(python, ['-c', RUNNER, process.env.CI === 'true' ? 'strict' : 'lenient'], {
  cwd: path.join(root, 'assets', 'probe'),
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
