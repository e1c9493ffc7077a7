import { describe, expect, it } from 'vitest';
import { junitXml } from '../../main/analysis/junit.ts';
import { buildReport, rerunCommand, sampleSpacing } from '../../main/analysis/report.ts';
import { formatReport } from '../../main/analysis/report-text.ts';
import type { Verdict } from '../../main/analysis/verdict.ts';
import type { ScanResultRow } from '../../main/store/scans.ts';
import type { FindingDto } from '../../preload/contract.ts';

const scan = (path: string, verdict: Verdict, sent: number): ScanResultRow => ({
  method: 'GET',
  path,
  route: null,
  sent,
  errors: 0,
  statuses: { 200: sent },
  verdict,
  cause: verdict === 'leak' ? 'growth' : null,
  confidence: 0.9,
  retained_bytes_per_request: verdict === 'leak' ? 50_000 : 10,
  retained_range: null,
  blocks_per_request: 0,
  requests_needed: null,
  garbage_bytes_per_request: 0,
  objects_per_request: 1,
  reason: 'because',
  metric: 'heap',
  points: [],
  partial: false,
  started_at: 1,
  ended_at: 2,
});
import type { SessionRow } from '../../main/store/library.ts';

const session: SessionRow = {
  id: 3,
  name: 'demo',
  project: '/p',
  python: '/v/bin/python',
  python_version: '3.11.7',
  django: '5.2.17',
  server: 'gunicorn',
  command: '[]',
  status: 'stopped',
  error: null,
  exit_code: 0,
  engine_pid: 1,
  started_at: 100,
  ended_at: 112.5,
  follows: null,
  options: null,
  scenario: null,
  origin: null,
  skipped: null,
};

describe('sampleSpacing', () => {
  it('gives the mean interval and the worst gap', () => {
    expect(sampleSpacing([0, 0.1, 0.2, 0.5])).toEqual({ mean_ms: 166.7, max_gap_ms: 300 });
    expect(sampleSpacing([1])).toEqual({ mean_ms: null, max_gap_ms: null });
  });
});

describe('buildReport', () => {
  it('joins processes, routes and what the scenario sent', () => {
    const report = buildReport(
      session,
      [
        {
          id: 1,
          pid: 50,
          ppid: 1,
          role: 'worker',
          started_at: 100,
          ended_at: 112,
          samples: 3,
          rss_first: 10,
          rss_last: 30,
          rss_peak: 40,
        },
      ],
      new Map([[1, [100, 100.1, 100.2]]]),
      [
        {
          method: 'GET',
          route: 'a/<int:id>/',
          requests: 5,
          errors: 0,
          mean_duration_ms: 1.234,
          rss_delta_total: 99,
          paths: '["/a/1/","/a/2/"]',
        },
        {
          method: 'GET',
          route: null,
          requests: 1,
          errors: 0,
          mean_duration_ms: 1,
          rss_delta_total: 0,
          paths: '["/nope"]',
        },
      ],
      [scan('/a/1/', 'leak', 5), scan('/never/answered/', 'ok', 4)],
      [{ route: 'b/<slug:s>/', reason: 'needs path parameters' }],
    );
    expect(report.schema).toBe('djleak-report/1');
    expect(report.session).toMatchObject({ id: 3, status: 'stopped', duration_s: 12.5, django: '5.2.17' });
    expect(report.processes[0]).toMatchObject({
      pid: 50,
      samples: 3,
      sample_interval_ms: 100,
      max_gap_ms: 100,
    });
    expect(report.endpoints[0]).toMatchObject({
      route: 'a/<int:id>/',
      path: '/a/1/',
      requests: 5,
      sent: 5,
      mean_duration_ms: 1.23,
      verdict: 'leak',
      retained_bytes_per_request: 50_000,
      metric: 'heap',
    });
    expect(report.endpoints[1]).toMatchObject({ route: null, sent: null });
    expect(report.endpoints[1]!.verdict).toBeUndefined();
    expect(report.endpoints[2]).toMatchObject({
      path: '/never/answered/',
      requests: 0,
      sent: 4,
      verdict: 'ok',
    });
    expect(report.verdict).toBe('leak');
    expect(report.skipped).toHaveLength(1);
    const text = formatReport(report);
    expect(text).toContain('session 3 "demo": stopped after 12.5 s');
    expect(text).toContain('a/<int:id>/');
    expect(text).toContain('LEAK         48.8 KB/request retained');
    expect(text).toContain('verdict: leak');

    const xml = junitXml(report);
    expect(xml).toContain('<testsuites name="djleak" tests="2" failures="1"');
    expect(xml).toMatch(
      /<testcase classname="djleak.a\/&lt;int:id&gt;\/" name="GET \/a\/1\/">\s*<failure type="memory-leak"/,
    );
    // An ok endpoint passes and says what it was shown to retain at most.
    expect(xml).toMatch(
      /<testcase classname="djleak.\/never\/answered\/" name="GET \/never\/answered\/">\s*<system-out>ok: 10 bytes retained per request/,
    );
  });
});

describe('the checklist in the report', () => {
  it('says per endpoint what the fix explains and what it leaves, lists leaks no fix explains, and notes storage', () => {
    const finding = (item: FindingDto['item'], paths: string[], notes?: string[]): FindingDto => ({
      item,
      status: paths.length ? 'suspect' : 'clear',
      severity: paths.length ? 'high' : null,
      summary: paths.length ? `${item}: grows` : 'nothing',
      endpoints: paths.map((p) => ({
        method: 'GET',
        path: p,
        retained_bytes_per_request: 1148,
        explained_bytes_per_request: 1118,
        unexplained_bytes_per_request: 30,
        alternatives: [{ item: 'clear-caches', bytes_per_request: 30 }],
        why: 'sessions',
        top_site: null,
        held_by: null,
      })),
      evidence: {},
      actions: [],
      ...(notes ? { notes } : {}),
    });
    const report = buildReport(
      session,
      [],
      new Map(),
      [],
      [scan('/signup/', 'leak', 100), scan('/mystery/', 'leak', 100), scan('/fine/', 'ok', 100)],
      [],
      [
        finding('destroy-session-data', ['/signup/'], ['GET /x/: 1 new row per request in django_session']),
        finding('clear-caches', []),
      ],
    );
    expect(report.findings[0]!.endpoints[0]).toEqual({
      method: 'GET',
      path: '/signup/',
      retained_bytes_per_request: 1148,
      explained_bytes_per_request: 1118,
      unexplained_bytes_per_request: 30,
      alternatives: [{ item: 'clear-caches', bytes_per_request: 30 }],
      why: 'sessions',
    });
    expect(report.findings[0]!.notes).toEqual(['GET /x/: 1 new row per request in django_session']);
    expect(report.findings[1]!.notes).toEqual([]);
    expect(report.unexplained).toEqual([
      { method: 'GET', path: '/mystery/', retained_bytes_per_request: 50_000 },
    ]);
    const text = formatReport(report);
    expect(text).toContain(
      "          GET /signup/: explains 1.1 KB of 1.1 KB/request, 30 B unexplained (other fixes' estimates: clear-caches 30 B)",
    );
    expect(text).toContain('leaks no checklist item explains');
    expect(text).toContain('  GET /mystery/: 48.8 KB/request');
    expect(text).toContain('notes:\n  GET /x/: 1 new row per request in django_session');
  });
});

describe('rerunCommand', () => {
  const withOptions = (options: object, scenario: object | null = null): SessionRow => ({
    ...session,
    project: '/home/me/my shop',
    options: JSON.stringify(options),
    scenario: scenario && JSON.stringify(scenario),
  });

  it('starts the project as the session did, with the budget rounded up to a hundred', () => {
    expect(rerunCommand(withOptions({ project: '/home/me/my shop', python: '/v/bin/python' }), 1234)).toBe(
      "djleak run --project '/home/me/my shop' --python /v/bin/python --scan --max-requests 1300",
    );
    expect(
      rerunCommand(
        withOptions({ project: '/p', settings: 'shop.settings.ci', server: 'gunicorn', workers: 2 }),
        300,
      ),
    ).toBe(
      "djleak run --project '/home/me/my shop' --settings shop.settings.ci --server gunicorn --workers 2 --scan --max-requests 300",
    );
  });

  it('names the example it ran and the smallest leak of interest it was asked for', () => {
    expect(rerunCommand(withOptions({ example: 'slow_leaks' }, { min_leak: 32 }), 901)).toBe(
      'djleak run --example slow_leaks --scan --min-leak 32 --max-requests 1000',
    );
    expect(rerunCommand(withOptions({ demo: true }, { min_leak: 64 }), 200)).toBe(
      'djleak run --demo --scan --max-requests 200',
    );
    expect(rerunCommand(withOptions({ example: 'leaky_shop' }), 200)).toBe(
      'djleak run --demo --scan --max-requests 200',
    );
  });

  it('an options column it cannot read still gives the project', () => {
    expect(rerunCommand({ ...session, options: '{', scenario: null }, 100)).toBe(
      'djleak run --project /p --scan --max-requests 100',
    );
  });
});
