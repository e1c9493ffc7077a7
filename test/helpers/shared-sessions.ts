import type { Library } from '../../main/store/library.ts';
import { addScanResult } from '../../main/store/scans.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { sampleItem } from './samples.ts';

interface StoppedSessionSpec {
  name: string;
  startedAt: number;
  seconds: number;
  /** RSS at the start and its growth per second, in bytes. */
  rss: number;
  growth: number;
  /** Scan verdicts per endpoint, with the memory each kept per request. */
  scans: { path: string; verdict: 'leak' | 'ok'; retained: number }[];
}

/**
 * A finished session written as the engine writes one (two samples a second, a request every second with a
 * query string, an output line with a secret), scanned: small enough to build in milliseconds, with what
 * redaction and comparison act on.
 */
export function buildStoppedSession(lib: Library, spec: StoppedSessionSpec): number {
  const session = lib.createSession({
    name: spec.name,
    project: '/home/alice/src/shop',
    python: '/home/alice/.venvs/shop/bin/python',
    pythonVersion: '3.12.3',
    django: '5.1',
    server: 'runserver',
    command: ['/home/alice/.venvs/shop/bin/python', 'manage.py', 'runserver'],
    startedAt: spec.startedAt,
  });
  const proc = lib.addProcess(session, { pid: 4242, ppid: 1, role: 'main', argv: [], t: spec.startedAt });
  const writer = new SessionWriter(lib.db, session);
  for (let s = 0; s < spec.seconds; s++) {
    const t = spec.startedAt + s;
    writer.addSamples(
      proc,
      [0, 0.5].map((half) =>
        sampleItem(t + half, spec.rss + Math.round((s + half) * spec.growth) + (s % 7) * 4096, {
          gc_count: [1, 2, 3],
          gc_collections: [s, 1, 0],
          threads: 3,
          fds: 9,
        }),
      ),
    );
    writer.addRequests(proc, [
      {
        t: t + 0.2,
        method: 'GET',
        route: 'search/',
        path: `/search/?q=customer-${s}`,
        status: 200,
        duration_ms: 4.2,
        rss_before: spec.rss,
        rss_after: spec.rss + spec.growth,
      },
    ]);
  }
  writer.addEvent(
    'stderr',
    'info',
    'Starting with DJANGO_SECRET_KEY=hunter2 from /home/alice/.config/shop.env',
    4242,
    spec.startedAt + 1,
  );
  writer.flush();
  const end = spec.startedAt + spec.seconds;
  for (const scan of spec.scans)
    addScanResult(lib.db, session, {
      method: 'GET',
      path: scan.path,
      route: scan.path.slice(1),
      sent: 100,
      errors: 0,
      statuses: { 200: 100 },
      verdict: scan.verdict,
      cause: scan.verdict === 'leak' ? 'growth' : null,
      confidence: 0.95,
      retained_bytes_per_request: scan.retained,
      retained_range: null,
      blocks_per_request: 0,
      requests_needed: null,
      garbage_bytes_per_request: 0,
      objects_per_request: scan.verdict === 'leak' ? 12 : 0,
      reason: scan.verdict === 'leak' ? 'memory grows with every request' : 'flat',
      points: [],
      partial: false,
      started_at: end - 60,
      ended_at: end - 30,
    });
  lib.endOpenProcesses(session, end);
  lib.updateSession(session, { status: 'stopped', ended_at: end });
  return session;
}
