import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../main/analysis/report.ts';
import { runHeadless } from '../../main/headless.ts';
import { scenarioSchema } from '../../main/scan/scenario.ts';
import { scanResults } from '../../main/store/scans.ts';
import { demoEndpoints, findingMismatches, demoPython, repoRoot, runCli } from '../helpers/demo.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);
function tmp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A Django project without apps or database in a temporary folder, `pkg` its settings package; the test
 * writes `pkg/urls.py`. */
function djangoProject(pkg: string): string {
  const project = tmp();
  writeFileSync(
    path.join(project, 'manage.py'),
    `import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '${pkg}.settings')\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n`,
  );
  mkdirSync(path.join(project, pkg));
  writeFileSync(path.join(project, pkg, '__init__.py'), '');
  writeFileSync(
    path.join(project, pkg, 'settings.py'),
    `SECRET_KEY = 'x'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\nROOT_URLCONF = '${pkg}.urls'\nINSTALLED_APPS = []\nMIDDLEWARE = []\nDATABASES = {}\n`,
  );
  return project;
}

/** The planted /cache/leak/ entry: the rendered fragment it memoises per request, sized by Python itself. */
function plantedFragmentBytes(): number {
  const out = execFileSync(
    demoPython,
    [
      'manage.py',
      'shell',
      '-c',
      'import sys\nfrom shop import fragments\nprint(sys.getsizeof(fragments.price_list_fragment("EUR")))',
    ],
    {
      cwd: path.join(repoRoot, 'assets', 'examples', 'leaky_shop'),
      env: { ...process.env, LEAKY_SHOP_DB: path.join(tmp(), 'size.sqlite3') },
      encoding: 'utf8',
    },
  );
  return Number(out.trim().split('\n').pop());
}

describe('djleak run --scan on the demo', () => {
  it(
    'gives exactly the verdicts and checklist findings of leaks.json, 3 runs out of 3',
    // Each run extends the undecided endpoints up to 2,000 requests: ~4 minutes a run here.
    { timeout: 1_200_000 },
    async () => {
      const expected = demoEndpoints();
      const planted = plantedFragmentBytes();
      for (let run = 1; run <= 3; run++) {
        const dir = tmp();
        const json = path.join(dir, 'report.json');
        const junit = path.join(dir, 'junit.xml');
        const result = await runCli(
          [
            'run',
            '--demo',
            '--scan',
            '--skip-diagnosis',
            '--fail-on-leak',
            '--junit',
            junit,
            '--json',
            json,
            '--db',
            path.join(dir, 'lib.sqlite'),
          ],
          dir,
        );
        expect(result.code, result.stderr).toBe(3);
        const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
        expect(report.verdict).toBe('leak');
        for (const e of expected) {
          const got = report.endpoints.find((x) => x.path === e.path);
          expect(got?.verdict, `run ${run}: ${e.path} (${got?.reason})`).toBe(e.leaks ? 'leak' : 'ok');
          // glibc here: the heap in use is read, and the verdict compares it (not RSS).
          expect(got?.metric).toBe('heap');
          // Every verdict carries its 95 % range; an ok one states its upper bound.
          expect(got?.retained_range?.length, e.path).toBe(2);
          if (!e.leaks) expect(got?.reason).toMatch(/retains less than \d+(\.\d)? K?B\/request/);
        }
        const cache = report.endpoints.find((x) => x.path === '/cache/leak/')!;
        expect(
          cache.retained_bytes_per_request! / planted,
          `retained ${cache.retained_bytes_per_request} vs planted ${planted}`,
        ).toBeGreaterThan(0.75);
        expect(cache.retained_bytes_per_request! / planted).toBeLessThan(1.25);
        expect(report.skipped.map((s) => s.route)).toContain('products/<int:pk>/');
        // The checklist: each planted leak yields a suspect finding for its own item only, none for controls.
        expect(findingMismatches(report.findings), `run ${run}`).toEqual([]);

        const xml = readFileSync(junit, 'utf8');
        const leaks = expected.filter((e) => e.leaks).length;
        expect(xml).toMatch(new RegExp(`<testsuites name="djleak" tests="\\d+" failures="${leaks}"`));
        for (const e of expected.filter((x) => x.leaks))
          expect(xml).toContain(`name="GET ${e.path}">\n      <failure type="memory-leak"`);
      }
    },
  );

  it('a scenario of controls only passes --fail-on-leak; a 404 endpoint is undecided, saying why, and the scan goes on', async () => {
    const dir = tmp();
    const scenario = path.join(dir, 's.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        endpoints: [
          { path: '/no/such/page/', requests: 30 },
          { path: '/products/', requests: 30 },
        ],
        rounds: 3,
      }),
    );
    const json = path.join(dir, 'r.json');
    const junit = path.join(dir, 'j.xml');
    const result = await runCli(
      [
        'run',
        '--demo',
        '--scenario',
        scenario,
        '--fail-on-leak',
        '--junit',
        junit,
        '--json',
        json,
        '--db',
        path.join(dir, 'l.sqlite'),
      ],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    // A page no route answers measures Django's 404 page, not a view: undecided, saying so, and not extended.
    expect(report.verdict).toBe('inconclusive');
    const missing = report.endpoints.find((e) => e.path === '/no/such/page/')!;
    expect(missing).toMatchObject({
      route: null,
      verdict: 'inconclusive',
      sent: 30,
      statuses: { '404': 30 },
    });
    expect(missing.requests).toBe(missing.sent);
    expect(missing.reason).toMatch(
      /^every response was 404: the view never ran, so this measured the 404 page/,
    );
    expect(result.stdout).toMatch(/\/no\/such\/page\/.*responses 404 × 30/);
    expect(report.endpoints.find((e) => e.path === '/products/')).toMatchObject({ verdict: 'ok' });
    expect(readFileSync(junit, 'utf8')).toContain('tests="2" failures="0"');
  });

  it('a target dying mid-scan: session crashed, the results so far kept and the cut one marked partial', async () => {
    const engine = testEngine(cleanups);
    const scenario = scenarioSchema.parse({
      endpoints: [
        { path: '/cache/leak/', requests: 40 },
        { path: '/weakref/leak/', requests: 200 },
        { path: '/', requests: 40 },
      ],
      rounds: 4,
    });
    let sessionId = 0;
    const result = await runHeadless(engine, {
      options: { demo: true, python: demoPython },
      scenario,
      discover: false,
      durationS: null,
      signal: new AbortController().signal,
      onServing: (id) => (sessionId = id),
      onProgress: (p) => {
        if (p.endpoint.path === '/weakref/leak/' && p.round === 3)
          process.kill(engine.running.get(sessionId)!.targetPid!, 'SIGKILL');
      },
    });
    expect(result.status).toBe('crashed');
    const stored = scanResults(engine.library.db, result.sessionId);
    expect(stored.map((r) => [r.path, r.partial])).toEqual([
      ['/cache/leak/', false],
      ['/weakref/leak/', true],
    ]);
    expect(stored[1]!.reason).toMatch(/partial/);
    expect(result.report.endpoints.find((e) => e.path === '/weakref/leak/')).toMatchObject({ partial: true });
  });

  it('extending stops when the budget is spent or the endpoint starts failing, and the verdict says which', async () => {
    // A smallest leak of interest of 1 B no interval can get under (it is never narrower than 16 B): every
    // endpoint stays undecided and is extended until something stops it.
    const project = djangoProject('flaky');
    // /flaky/ answers its first 75 requests (10 warm-up, 50 measured, 15 of the first extension), then 500s
    writeFileSync(
      path.join(project, 'flaky', 'urls.py'),
      'import itertools\nfrom django.http import HttpResponse\nfrom django.urls import path\n' +
        '_served = itertools.count()\n' +
        "def flaky(request):\n    return HttpResponse('ok') if next(_served) < 75 else HttpResponse('down', status=500)\n" +
        "urlpatterns = [path('flaky/', flaky), path('steady/', lambda request: HttpResponse('fine'))]\n",
    );
    const scenario = path.join(project, 's.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        endpoints: [
          { path: '/flaky/', requests: 50 },
          { path: '/steady/', requests: 20 },
        ],
        warmup: 10,
        min_leak: 1,
        max_requests: 200,
      }),
    );
    const json = path.join(project, 'r.json');
    const result = await runCli(
      [
        'run',
        '--project',
        project,
        '--python',
        demoPython,
        '--scenario',
        scenario,
        '--json',
        json,
        '--db',
        path.join(project, 'l.sqlite'),
      ],
      project,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const flaky = report.endpoints.find((e) => e.path === '/flaky/')!;
    // one extension of 100 requests, 85 of them failed: no second one
    expect(flaky.sent).toBe(150);
    expect(flaky.errors).toBe(85);
    expect(flaky.reason).toMatch(/\(stopped extending: most of its latest requests failed\)$/);
    expect(flaky.verdict).not.toBe('ok');
    const steady = report.endpoints.find((e) => e.path === '/steady/')!;
    expect(steady).toMatchObject({ sent: 200, errors: 0, verdict: 'inconclusive' });
    expect(steady.reason).toMatch(/ \(the budget \(200 requests or 240 s per endpoint\) is spent\)$/);
    // Under the interval's floor nothing decides it; a slope that came out above the floor (a steady view under
    // runserver moves 0-30 B/request over 200 requests) names the requests that could still lift it off zero.
    if (steady.requests_needed === null) {
      expect(steady.reason).toMatch(
        /; more requests cannot decide it: an interval is never narrower than ±16 B\/request \(a container's steps\) \(/,
      );
      expect(steady.rerun).toBeNull();
    } else {
      expect(steady.reason).toContain(`; about ${steady.requests_needed} more requests would decide it (`);
      expect(steady.rerun).toContain('--max-requests');
    }
  });

  it('discovery on an app whose routes all take parameters says so', async () => {
    const project = djangoProject('paramonly');
    writeFileSync(
      path.join(project, 'paramonly', 'urls.py'),
      'from django.http import HttpResponse\nfrom django.urls import path\n' +
        "urlpatterns = [path('item/<int:pk>/', lambda request, pk: HttpResponse(str(pk))), path('', lambda r: HttpResponse(status=404)) if False else path('tag/<slug:s>/', lambda r, s: HttpResponse(s))]\n",
    );
    const result = await runCli(
      ['run', '--project', project, '--python', demoPython, '--scan', '--db', path.join(project, 'l.sqlite')],
      project,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /discovery found no GET route without path parameters to scan; these need example paths in a scenario file/,
    );
    expect(result.stderr).toContain('item/<int:pk>/');
    expect(result.stderr).toContain('tag/<slug:s>/');
  });
});
