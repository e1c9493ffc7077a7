import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../main/api/index.ts';
import { Engine } from '../../main/engine.ts';
import { demoPython, repoRoot, runCli } from '../helpers/demo.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

const demoDir = path.join(repoRoot, 'assets', 'examples', 'leaky_shop');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Traffic from Python alone (urllib) whose mix changes over time, as a day's traffic does: phases of mostly
 * index pages, mostly price lists, mostly product lists.
 */
const TRAFFIC = `
import sys, time, urllib.request
base = sys.argv[1]
started = time.monotonic()
while True:
    try:
        urllib.request.urlopen(base + "/", timeout=2).read(); break
    except Exception as error:
        if time.monotonic() - started > 90:
            sys.exit(f"the server did not answer within 90 s: {error}")
        time.sleep(0.1)
print(f"server answered after {time.monotonic() - started:.1f} s", file=sys.stderr)
mixes = [{"/": 4, "/cache/leak/": 1}, {"/cache/leak/": 3, "/products/": 1}, {"/products/": 3, "/": 2},
         {"/cache/leak/": 2, "/": 1}]
# 20 s at least, and enough requests of every route whatever the machine's speed (a loaded one served 30 of
# /cache/leak/ in 20 s), within 90 s
started = time.monotonic()
sent = dict.fromkeys(["/", "/cache/leak/", "/products/"], 0)
phase = 0
while time.monotonic() - started < 20 or (min(sent.values()) < 60 and time.monotonic() - started < 90):
    until = time.monotonic() + 1.7
    while time.monotonic() < until:
        for path, times in mixes[phase % len(mixes)].items():
            for _ in range(times):
                urllib.request.urlopen(base + path, timeout=10).read()
                sent[path] += 1
    phase += 1
print(f"sent {sent} in {time.monotonic() - started:.1f} s", file=sys.stderr)
`;

describe('a recording made with only Python, imported', () => {
  it(
    'becomes a session with its processes, samples, requests, snapshots and per-route verdicts',
    { timeout: 240_000 },
    async () => {
      const t = tempDir('djleak-rec-');
      cleanups.push(t.cleanup);
      const record = path.join(t.dir, 'staging.ndjson');
      const port = await freePort();
      // The server's output goes to a file, to say why if the traffic fails.
      const log = path.join(t.dir, 'server.log');
      const logFd = openSync(log, 'w');
      // The README's recipe: the probe on PYTHONPATH, gunicorn under it, nothing of djleak's Node side.
      const server = spawn(
        demoPython,
        [
          '-m',
          'djleak_probe',
          'run',
          '--',
          '-m',
          'gunicorn',
          'leaky_shop.wsgi',
          '-w',
          '1',
          '-b',
          `127.0.0.1:${port}`,
        ],
        {
          cwd: demoDir,
          env: {
            PATH: process.env.PATH,
            PYTHONPATH: path.join(repoRoot, 'assets', 'probe'),
            DJLEAK_RECORD: record,
            DJLEAK_MEASURE_INTERVAL: '1',
            DJLEAK_RECORD_SNAPSHOTS: '6',
            LEAKY_SHOP_DB: path.join(t.dir, 'shop.sqlite3'),
          },
          stdio: ['ignore', logFd, logFd],
        },
      );
      closeSync(logFd);
      const exited = new Promise((r) => server.once('exit', r));
      cleanups.push(() => void server.kill('SIGKILL'));
      const traffic = spawnSync(demoPython, ['-c', TRAFFIC, `http://127.0.0.1:${port}`], {
        encoding: 'utf8',
      });
      const said = readFileSync(log, 'utf8').slice(-4000);
      expect(traffic.status, `${traffic.stderr}\nthe server's output:\n${said}`).toBe(0);
      server.kill('SIGTERM');
      await exited;
      // Nothing the probe did broke the app: no error in any request, the workers' boot included (a heap walk
      // holding a tuple the app was building made Django raise SystemError, and gunicorn give up).
      expect(readFileSync(log, 'utf8')).not.toMatch(/Traceback|SystemError/);
      const lines = readFileSync(record, 'utf8').trim().split('\n');
      expect(lines.filter((l) => l.includes('"type":"measure"')).length).toBeGreaterThanOrEqual(10);
      const gaugeLines = lines.filter((l) => l.includes('"type":"gauges"')).length;
      expect(gaugeLines).toBeGreaterThanOrEqual(10);

      const home = tempDir();
      cleanups.push(home.cleanup);
      const db = path.join(home.dir, 'library.sqlite');
      const imported = await runCli(['import', record, '--db', db], home.dir);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout.trim()).toBe('imported staging.ndjson as session 1 "recording staging.ndjson"');

      const engine = new Engine(home.dir, db);
      cleanups.push(() => engine.shutdown());
      const h = createHandlers(engine);
      const detail = await dispatch(h, 'sessions.get', { id: 1 });
      expect(detail.session).toMatchObject({ server: 'gunicorn', status: 'stopped', project: demoDir });
      expect(detail.session.django).toMatch(/^\d+\.\d+/);
      expect(detail.processes.map((p) => p.role).sort()).toEqual(['master', 'worker']);
      expect(detail.processes.every((p) => p.samples > 10)).toBe(true);
      const routes = Object.fromEntries(detail.routes.map((r) => [r.route, r.requests]));
      expect(routes['cache/leak/']).toBeGreaterThan(30);
      expect(await dispatch(h, 'snapshots.list', { id: 1 })).not.toHaveLength(0);

      const scans = await dispatch(h, 'sessions.scans', { id: 1 });
      const verdict = Object.fromEntries(scans.map((s) => [s.path, s]));
      expect(verdict['/cache/leak/'], verdict['/cache/leak/']?.reason).toMatchObject({
        verdict: 'leak',
        cause: 'growth',
      });
      expect(verdict['/cache/leak/']!.reason).toMatch(/^from the recording's measurements: traced memory/);
      // The planted leak keeps ~45.5 KB a request. Estimated from 1 s intervals of mixed traffic (the index's
      // bounded cache filling up early on muddles the first ones): 27-51 KB over 35 recordings of 14-20 s.
      expect(verdict['/cache/leak/']!.retained_bytes_per_request).toBeGreaterThan(20_000);
      expect(verdict['/cache/leak/']!.retained_bytes_per_request).toBeLessThan(70_000);
      expect(verdict['/']!.verdict).not.toBe('leak');
      expect(verdict['/products/']!.verdict).not.toBe('leak');

      // The recorded gauges are the checklist's evidence: every line stored (none refused by validation), and
      // the one leaking route explained by the module-level dict that grew one entry per request.
      const { findings } = await dispatch(h, 'checklist.get', { sessionId: 1 });
      const caches = findings.find((f) => f.item === 'clear-caches')!;
      expect(caches.status).toBe('suspect');
      expect(caches.endpoints.map((e) => e.path)).toEqual(['/cache/leak/']);
      expect(caches.endpoints[0]!.why).toMatch(/shop\.fragments\._PRICE_LIST_FRAGMENTS/);
      expect(findings.filter((f) => f.status === 'suspect').map((f) => f.item)).toEqual(['clear-caches']);
      expect(verdict['/cache/leak/']!.gauges!.requests).toBeGreaterThan(20);
      const stored = engine.library.db
        .prepare('SELECT count(*) FROM gauges WHERE session_id = 1')
        .pluck()
        .get();
      expect(stored).toBe(gaugeLines);
    },
  );

  it('refuses a file that is not a recording, and leaves no session behind', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'notes.ndjson');
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i })).join('\n'));
    const engine = testEngine(cleanups);
    const h = createHandlers(engine);
    await expect(dispatch(h, 'sessions.import', { file })).rejects.toMatchObject({
      message: 'notes.ndjson is neither a djleak session file nor a probe recording',
    });
    expect(await dispatch(h, 'sessions.list', {})).toEqual([]);
  });
});
