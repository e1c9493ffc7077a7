import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attribute, detect, type ScanEvidence } from '../../main/analysis/detectors.ts';
import type { GaugesDto } from '../../preload/contract.ts';
import { demoPython, repoRoot } from '../helpers/demo.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

const example = path.join(repoRoot, 'assets', 'examples', 'slow_leaks');

interface Planted {
  method: string;
  path: string;
  leaks: boolean;
  checklist: string | null;
  bytes_per_request: number;
}

/**
 * The example's WSGI application called in process, as a server calls it (no cookies: a fresh visitor per
 * request), with the probe's middleware first in the chain as the runner puts it; per endpoint a warm-up (the
 * bounded controls fill up), the probe's real gauges, the requests, the gauges again, and the heap in use after
 * a full collection on both sides: what a scan hands the detectors, without the verdict.
 */
const HARNESS = `
import gc, io, json, os, sys
example, probe, requests, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path[:0] = [example, probe]
os.environ["DJANGO_SETTINGS_MODULE"] = "slow_leaks.settings"
import django
django.setup()
from django.conf import settings
settings.MIDDLEWARE = ["djleak_probe.middleware.ProbeMiddleware", *settings.MIDDLEWARE]
from django.core.wsgi import get_wsgi_application
from djleak_probe import gauges
from djleak_probe.garbage import heap_in_use
application = get_wsgi_application()

def get(path):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
    statuses = []
    result = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        for _ in result:
            pass
    finally:
        result.close()
    if not statuses[0].startswith("200"):
        raise SystemExit(f"GET {path}: {statuses[0]}")

def heap():
    for _ in range(3):
        gc.collect()
    return heap_in_use()

out = []
for entry in json.load(open(os.path.join(example, "leaks.json"))):
    for _ in range(warmup):
        get(entry["path"])
    before = {**gauges.gauges({"project": example}), "pid": 1}
    start = heap()
    for _ in range(requests):
        get(entry["path"])
    end = heap()
    after = {**gauges.gauges({"project": example}), "pid": 1}
    out.append({"path": entry["path"], "retained": (end - start) / requests, "before": before, "after": after})
print(json.dumps(out))
`;

describe('the checklist on slow_leaks: small leaks explained by bytes', () => {
  it(
    'gives each of the seven leaks to its own item, by most of its bytes, and no control to any',
    { timeout: 600_000 },
    () => {
      const planted = JSON.parse(readFileSync(path.join(example, 'leaks.json'), 'utf8')) as Planted[];
      const t = tempDir('djleak-slow-');
      cleanups.push(t.cleanup);
      const requests = 200;
      const run = spawnSync(
        demoPython,
        ['-c', HARNESS, example, path.join(repoRoot, 'assets', 'probe'), String(requests), '600'],
        {
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
          env: { PATH: process.env.PATH, SLOW_LEAKS_DB: path.join(t.dir, 'db.sqlite3') },
        },
      );
      expect(run.status, run.stderr.slice(-4000)).toBe(0);
      const measured = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        path: string;
        retained: number;
        before: GaugesDto;
        after: GaugesDto;
      }[];
      const scans: ScanEvidence[] = measured.map((m) => ({
        method: 'GET',
        path: m.path,
        // Every endpoint as if its verdict were a leak: a control must not be explained by any item either.
        verdict: 'leak',
        cause: 'growth',
        retained_bytes_per_request: Math.max(0, Math.round(m.retained)),
        garbage_bytes_per_request: 0,
        sent: requests,
        gauges: { before: [m.before], after: [m.after] },
      }));
      const got = scans.map((s) => {
        const a = attribute(s);
        return { path: s.path, item: a?.item ?? null, explained: a?.explained_bytes_per_request ?? 0 };
      });
      const said = got.map((g) => `${g.path}: ${g.item} ${g.explained} B`).join('\n');
      for (const e of planted) {
        const g = got.find((x) => x.path === e.path)!;
        expect(g.item, `${e.path}\n${said}`).toBe(e.leaks ? e.checklist : null);
        // The evidence accounts for most of what the leak keeps a request (leaks.json: measured in process).
        if (e.leaks) expect(g.explained, `${e.path}\n${said}`).toBeGreaterThan(0.6 * e.bytes_per_request);
      }
      // Cache-backed sessions are process memory: no note about a session table.
      expect(detect({ scans, gauges: [measured.at(-1)!.after] }).notes).toEqual([]);
    },
  );
});
