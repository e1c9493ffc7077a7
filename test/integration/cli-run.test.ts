import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../main/analysis/report.ts';
import { demoEndpoints, runCli } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((f) => f()));

/** Requests per endpoint at the most, extensions included: this test counts requests, it judges no leak. */
const MAX_REQUESTS = 60;

/** A scenario over every demo endpoint but the heavy transient one, each with its own first count. */
function writeScenario(dir: string): { file: string; counts: Map<string, number> } {
  const endpoints = demoEndpoints()
    .filter((e) => e.method === 'GET')
    .slice(0, 6)
    .map((e, i) => ({ method: 'GET', path: e.path, requests: 20 + i * 3 }));
  const file = path.join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify({ endpoints, cookies: 'fresh', max_requests: MAX_REQUESTS }));
  return { file, counts: new Map(endpoints.map((e) => [e.path, e.requests])) };
}

function checkRun(report: Report, counts: Map<string, number>, dbFile: string): void {
  expect(report.schema).toBe('djleak-report/1');
  expect(report.session.status).toBe('stopped');
  expect(report.session.django).toMatch(/^5\.2/);
  // Every request the scenario sent (its count, then the extensions of an undecided endpoint up to the budget)
  // was recorded once, under the route it matched.
  let sent = 0;
  for (const [p, n] of counts) {
    const endpoint = report.endpoints.find((e) => e.paths.includes(p));
    expect(endpoint, `endpoint ${p} in the report`).toBeDefined();
    expect(endpoint!.sent, p).toBeGreaterThanOrEqual(n);
    expect(endpoint!.sent, p).toBeLessThanOrEqual(MAX_REQUESTS);
    expect(endpoint!.requests, p).toBe(endpoint!.sent);
    sent += endpoint!.sent!;
  }
  expect(report.endpoints.reduce((n, e) => n + e.requests, 0)).toBe(sent);

  const db = new Database(dbFile, { readonly: true });
  try {
    const stored = db
      .prepare('SELECT count(*) FROM requests WHERE session_id = ?')
      .pluck()
      .get(report.session.id);
    expect(stored).toBe(sent);
    for (const p of report.processes.filter((p) => p.role !== 'master')) {
      const times = db
        .prepare(
          'SELECT s.t FROM samples s JOIN processes p ON p.id = s.process_id WHERE p.session_id = ? AND p.pid = ? ORDER BY s.t',
        )
        .pluck()
        .all(report.session.id, p.pid) as number[];
      // Every stored sample of the process is in the report's count.
      expect(times.length, `samples of pid ${p.pid}`).toBe(p.samples);
      // Never more often than the configured 100 ms (one sampler per process): the sampler starts after the
      // hello and its k-th sample is due k × 100 ms after it starts, never earlier (one that falls behind skips,
      // never bursts); the last sample is the one at exit. A slow machine only makes samples later, so this
      // bound holds however slow it is; how close to every 100 ms they come is a figure of the machine, which
      // `npm run bench -- scan` reports against its goal (demo_scan.sample_spacing).
      const started = db
        .prepare('SELECT started_at FROM processes WHERE session_id = ? AND pid = ?')
        .pluck()
        .get(report.session.id, p.pid) as number;
      const span = times[times.length - 1]! - started;
      expect(times.length, `samples of pid ${p.pid} in the ${span} s after its hello`).toBeLessThanOrEqual(
        Math.floor((span + 0.001) / 0.1) + 2,
      );
    }
  } finally {
    db.close();
  }
}

describe('djleak run on the demo', () => {
  it('runserver: stores the session and its samples, and counts every request', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { file, counts } = writeScenario(t.dir);
    const db = path.join(t.dir, 'lib.sqlite');
    const json = path.join(t.dir, 'report.json');
    const result = await runCli(['run', '--demo', '--scenario', file, '--json', json, '--db', db], t.dir);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.session.server).toBe('runserver');
    expect(report.processes).toHaveLength(1);
    expect(report.processes[0]!.role).toBe('main');
    expect(report.processes[0]!.samples).toBeGreaterThan(10);
    checkRun(report, counts, db);
    expect(result.stdout).toContain(`session ${report.session.id}`);

    const listed = await runCli(['sessions', '--db', db, '--json'], t.dir);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: report.session.id, status: 'stopped' }]);
  });

  it('gunicorn --workers 2: two worker processes, each its own stream of samples', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { file, counts } = writeScenario(t.dir);
    const db = path.join(t.dir, 'lib.sqlite');
    const json = path.join(t.dir, 'report.json');
    const result = await runCli(
      [
        'run',
        '--demo',
        '--server',
        'gunicorn',
        '--workers',
        '2',
        '--scenario',
        file,
        '--json',
        json,
        '--db',
        db,
      ],
      t.dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const workers = report.processes.filter((p) => p.role === 'worker');
    const master = report.processes.find((p) => p.role === 'master');
    expect(workers).toHaveLength(2);
    expect(master).toBeDefined();
    for (const w of workers) {
      expect(w.ppid).toBe(master!.pid);
      expect(w.samples).toBeGreaterThan(5);
    }
    expect(new Set(workers.map((w) => w.pid)).size).toBe(2);
    checkRun(report, counts, db);
  });
});
