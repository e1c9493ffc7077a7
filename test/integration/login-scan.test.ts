import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report, ReportEndpoint } from '../../main/analysis/report.ts';
import {
  demoPython,
  lendingLibraryEndpoints,
  repoRoot,
  runCli,
  type LibraryEndpoint,
} from '../helpers/demo.ts';
import { cleanupList } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';

const { cleanups, runAll } = cleanupList();
afterAll(runAll);

const project = path.join(repoRoot, 'assets', 'examples', 'lending_library');
const manifest = lendingLibraryEndpoints();

/** A discovery scan of the lending library (its own database in `dir`), with the report it wrote. */
async function scan(dir: string, name: string, extra: string[]) {
  const json = path.join(dir, `${name}.json`);
  const result = await runCli(
    [
      'run',
      '--project',
      project,
      '--python',
      demoPython,
      '--scan',
      '--skip-diagnosis',
      '--json',
      json,
      '--db',
      path.join(dir, `${name}.sqlite`),
      ...extra,
    ],
    dir,
    { LENDING_LIBRARY_DB: path.join(dir, 'library.sqlite3') },
  );
  const report = result.code === 0 ? (JSON.parse(readFileSync(json, 'utf8')) as Report) : null;
  return { result, report };
}

/** The report's endpoint for a manifest entry: by path, or by route where discovery filled the key in. */
function find(report: Report, e: LibraryEndpoint): ReportEndpoint | undefined {
  return report.endpoints.find((x) => (e.discovery === 'filled' ? x.route === e.route : x.path === e.path));
}

describe('a project whose pages need a login', () => {
  it(
    'without a user: the protected pages are inconclusive, the redirect named; with --login they get verdicts',
    // two discovery scans of 19 routes, the second extending its two leaks to ~1,500 requests: ~1.5 minutes
    { timeout: 400_000 },
    async () => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const scanned = manifest.filter((e) => e.discovery !== 'skipped');

      const anonymous = await scan(t.dir, 'anonymous', []);
      expect(anonymous.result.code, anonymous.result.stderr).toBe(0);
      const problems: string[] = [];
      for (const e of scanned) {
        const got = find(anonymous.report!, e);
        if (!got) {
          problems.push(`${e.path}: not scanned`);
          continue;
        }
        if (e.login) {
          // every response a redirect to the login page: never ok, not extended, and the redirect named
          if (got.verdict !== 'inconclusive') problems.push(`${e.path}: ${got.verdict} (${got.reason})`);
          if (JSON.stringify(got.statuses) !== JSON.stringify({ '302': got.sent }))
            problems.push(`${e.path}: statuses ${JSON.stringify(got.statuses)}`);
          if (!/^every response was 302 to \/accounts\/login\/: the view never ran/.test(got.reason ?? ''))
            problems.push(`${e.path}: ${got.reason}`);
          if (got.sent !== 100) problems.push(`${e.path}: ${got.sent} requests sent, not 100`);
        } else if (e.status === 200 && got.verdict !== 'ok')
          problems.push(`${e.path}: ${got.verdict} (${got.reason})`);
      }
      expect(problems).toEqual([]);
      expect(anonymous.report!.verdict).toBe('inconclusive');
      expect(anonymous.result.stdout).toMatch(/GET +books\/ .*responses 302 × 100/);
      // detail views got the key of an existing row; the routes it could not fill are listed with why
      for (const e of manifest.filter((x) => x.discovery === 'filled')) {
        const pattern = new RegExp(`^/${e.route!.replace(/<[^>]+>/g, '[^/]+')}$`);
        expect(find(anonymous.report!, e)?.path, e.route!).toMatch(pattern);
      }
      expect(anonymous.report!.skipped.map((s) => s.route).sort()).toEqual(
        manifest
          .filter((e) => e.discovery === 'skipped')
          .map((e) => e.route)
          .sort(),
      );
      expect(anonymous.report!.skipped.find((s) => s.route === 'archive/<int:year>/')!.reason).toMatch(
        /^a function view's parameters \(<year>\): djleak cannot know a value that exists/,
      );

      const reader = await scan(t.dir, 'reader', ['--login', 'reader']);
      expect(reader.result.code, reader.result.stderr).toBe(0);
      for (const e of scanned) {
        const got = find(reader.report!, e)!;
        const answered = Object.keys(got.statuses ?? {});
        if (JSON.stringify(answered) !== JSON.stringify([String(e.status)]))
          problems.push(`${e.path} logged in: statuses ${JSON.stringify(got.statuses)}`);
        const want = e.status !== 200 ? 'inconclusive' : e.leaks ? 'leak' : 'ok';
        if (got.verdict !== want) problems.push(`${e.path} logged in: ${got.verdict} (${got.reason})`);
        if (e.leaks && got.retained_range) {
          const [low, high] = got.retained_range;
          if (!(low <= e.bytes_per_request * 1.1 && high >= e.bytes_per_request * 0.9))
            problems.push(`${e.path}: ${low}-${high} B/request, planted ~${e.bytes_per_request}`);
        }
      }
      expect(problems).toEqual([]);

      // a user that does not exist: a clear error, exit 2, and how to make one
      const nobody = await scan(t.dir, 'nobody', ['--login', 'nobody']);
      expect(nobody.result.code).toBe(2);
      expect(nobody.result.stderr).toMatch(
        /cannot log in as 'nobody': no user with username 'nobody' in the project's database \(auth\.User, 2 users\): create one with `python manage\.py createsuperuser --username nobody`/,
      );
    },
  );
});
