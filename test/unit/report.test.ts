import { describe, expect, it } from 'vitest';
import { buildReport, formatReport, sampleSpacing } from '../../main/analysis/report.ts';
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
          first_t: 100,
          last_t: 100.2,
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
      [
        { method: 'GET', path: '/a/1/', sent: 2, statuses: { 200: 2 }, failures: 0, elapsed_ms: 1 },
        { method: 'GET', path: '/a/2/', sent: 3, statuses: { 200: 3 }, failures: 0, elapsed_ms: 1 },
      ],
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
    });
    expect(report.endpoints[1]).toMatchObject({ route: null, sent: 0 });
    const text = formatReport(report);
    expect(text).toContain('session 3 "demo": stopped after 12.5 s');
    expect(text).toContain('a/<int:id>/');
  });
});
