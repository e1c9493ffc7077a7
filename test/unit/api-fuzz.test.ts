import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiChannel } from '../../preload/contract.ts';
import { API_CHANNELS } from '../../preload/contract.ts';
import { ApiError } from '../../main/api/errors.ts';
import { createHandlers, dispatch, type Handlers } from '../../main/api/index.ts';
import type { Engine } from '../../main/engine.ts';
import { storeSnapshot } from '../../main/store/snapshots.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { startWebServer } from '../../main/web/server.ts';
import { cleanupList, testEngine } from '../helpers/engine.ts';
import { mutateValue, nested, Rng } from '../helpers/fuzz.ts';
import { sampleItem } from '../helpers/samples.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runChild } from '../helpers/child.ts';

/**
 * Every channel of the handler map under invalid arguments, against a real engine over its own library:
 * each call settles (no hang) with a result or an ApiError whose code the caller can act on — never
 * `internal`, never a bare Error. Seeded; DJLEAK_FUZZ_SEED replays another seed.
 */

const SEED = Number(process.env.DJLEAK_FUZZ_SEED ?? 0xa91);
const RANDOM_PER_CHANNEL = 80;
const CALL_LIMIT_MS = 15_000;

const { cleanups, runAll } = cleanupList();
afterEach(runAll);

interface Fixture {
  engine: Engine;
  handlers: Handlers;
  dir: string;
  session: number;
  snapshots: [number, number];
}

/** A real engine with one stored session: a process, samples, requests and two snapshots. */
function fixture(): Fixture {
  const engine = testEngine(cleanups);
  const t = tempDir('djleak-apifuzz-');
  cleanups.push(t.cleanup);
  const lib = engine.library;
  const session = lib.createSession({
    name: 'fuzz',
    project: path.join(t.dir, 'no-such-project'),
    python: null,
    server: 'runserver',
    command: [],
    startedAt: 0,
  });
  const proc = lib.addProcess(session, { pid: 101, ppid: 1, role: 'main', argv: [], t: 0 });
  const writer = new SessionWriter(lib.db, session);
  writer.addSamples(
    proc,
    Array.from({ length: 500 }, (_, i) => sampleItem(i / 10, 1_000_000 + i, { fds: 3 })),
  );
  writer.addRequests(
    proc,
    Array.from({ length: 50 }, (_, i) => ({
      t: i,
      method: 'GET',
      route: 'a/',
      path: '/a/',
      status: 200,
      duration_ms: 1,
      rss_before: 1,
      rss_after: 2,
    })),
  );
  writer.flush();
  const snap = (label: string, size: number): number =>
    storeSnapshot(
      lib.db,
      session,
      {
        pid: 101,
        label,
        t: size,
        frames: 2,
        traced_bytes: size,
        rows_total: 1,
        truncated: false,
        requests: 0,
      },
      [{ size, count: 1, frames: [[path.join(t.dir, 'no-such-project', 'a.py'), 3]] }],
    );
  const snapshots: [number, number] = [snap('a', 10), snap('b', 20)];
  return { engine, handlers: createHandlers(engine), dir: t.dir, session, snapshots };
}

/** A plausible argument per channel (pointing at the fixture's rows), the seed of every mutation. */
function templates(f: Fixture): Record<ApiChannel, Record<string, unknown>> {
  const s = f.session;
  return {
    'sessions.list': {},
    'sessions.get': { id: s },
    'sessions.rename': { id: s, name: 'renamed' },
    'sessions.delete': { id: 999_999 },
    'sessions.events': { id: s, limit: 10 },
    'sessions.timeline': { id: s, from: 0, to: 10, buckets: 100 },
    'sessions.requests': {
      id: s,
      route: 'a/',
      method: 'GET',
      minStatus: 200,
      text: 'a',
      limit: 10,
      offset: 0,
    },
    'investigation.start': { project: 'no-such-project', server: 'runserver', workers: 1, port: 8000 },
    'investigation.stop': { sessionId: s },
    'investigation.running': {},
    'scan.start': { sessionId: s, scenario: { endpoints: [{ method: 'GET', path: '/a/', requests: 5 }] } },
    'scan.cancel': { sessionId: s },
    'sessions.scans': { id: s },
    'scan.rerun': { sessionId: s },
    'sessions.compare': { before: s, after: s },
    'sessions.export': { id: s, file: 'out.djleak', redact: true },
    'sessions.import': { file: 'missing.djleak' },
    'trace.start': { sessionId: s, frames: 10 },
    'trace.stop': { sessionId: s },
    'trace.status': { sessionId: s },
    'snapshots.take': { sessionId: s, label: 'x', maxRows: 10 },
    'snapshots.list': { id: s },
    'snapshots.diff': {
      before: f.snapshots[0],
      after: f.snapshots[1],
      groupBy: 'line',
      scope: 'all',
      pathContains: 'a',
      limit: 10,
    },
    'referrers.find': {
      sessionId: s,
      type: 'dict',
      site: { file: 'a.py', line: 3 },
      samples: 2,
      budgetMs: 10,
    },
    'source.open': { sessionId: s, file: 'a.py', line: 3 },
    'checklist.get': { sessionId: s, refresh: false },
    'checklist.tick': { sessionId: s, item: 'weakref', done: true },
    'actions.run': { sessionId: s, name: 'gc_collect', confirm: true },
    'project.inspect': { project: 'no-such-project' },
    'system.info': {},
  };
}

/** Values every field is tried with: each is wrong for most fields. */
const FIELD_JUNK: readonly unknown[] = [
  null,
  undefined,
  '',
  'x',
  -1,
  0,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  -(2 ** 31),
  true,
  [],
  [1, 2],
  {},
  { id: 1 },
  'x'.repeat(1 << 20),
  nested(2000, false),
  nested(2000, true),
];
const WHOLE_JUNK: readonly unknown[] = [
  0,
  -1,
  'x',
  '',
  true,
  false,
  [],
  [{}],
  nested(5000, true),
  new Date(0),
  1n,
];

/** Where a call may touch the file system or start a process, keep it inside the test's own folder. */
function confine(channel: ApiChannel, args: unknown, dir: string): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  const a = { ...(args as Record<string, unknown>) };
  const inside = (v: unknown, sub: string): unknown =>
    typeof v === 'string' ? path.join(dir, sub, v.replace(/\.\.(?=[/\\]|$)/g, '__')) : v;
  if (channel === 'sessions.export' || channel === 'sessions.import') a.file = inside(a.file, 'files');
  if (channel === 'project.inspect' || channel === 'investigation.start') {
    a.project = inside(a.project, 'projects');
    a.python = inside(a.python, 'pythons');
    delete a.demo; // the demo would really start
    delete a.example; // so would an example
  }
  return a;
}

/** The codes a call may answer with once its argument is valid; launching calls may also fail to launch. */
const allowedCodes = (channel: ApiChannel): string[] =>
  channel === 'investigation.start' || channel === 'scan.rerun'
    ? ['bad-input', 'not-found', 'launch-failed']
    : ['bad-input', 'not-found'];

interface Outcome {
  channel: ApiChannel;
  args: unknown;
  schemaValid: boolean;
  result: 'ok' | string; // 'ok' or the ApiError code
  message: string;
}

function describeArgs(args: unknown): string {
  try {
    const text =
      JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'undefined';
    return text.length > 160 ? `${text.slice(0, 160)}… (${text.length} chars)` : text;
  } catch {
    return String(args);
  }
}

async function call(f: Fixture, channel: ApiChannel, raw: unknown): Promise<Outcome> {
  const args = confine(channel, raw, f.dir);
  const spec = f.handlers[channel] as unknown as { input: { safeParse(v: unknown): { success: boolean } } };
  const schemaValid = spec.input.safeParse(args ?? {}).success;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: no answer within ${CALL_LIMIT_MS} ms`)), CALL_LIMIT_MS);
  });
  try {
    await Promise.race([dispatch(f.handlers, channel, args), hang]);
    return { channel, args, schemaValid, result: 'ok', message: '' };
  } catch (error) {
    if (error instanceof ApiError)
      return { channel, args, schemaValid, result: error.code, message: error.message };
    return { channel, args, schemaValid, result: 'not-an-ApiError', message: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with an outcome, or null. */
function violation(o: Outcome): string | null {
  if (!o.schemaValid && o.result !== 'bad-input') return `invalid argument answered ${o.result}`;
  if (o.schemaValid && o.result !== 'ok' && !allowedCodes(o.channel).includes(o.result))
    return `answered ${o.result}: ${o.message}`;
  return null;
}

const summary: Record<string, unknown> = { seed: SEED };
afterAll(() => console.log(`[api fuzz] ${JSON.stringify(summary)}`));

describe('the handler map under invalid arguments', () => {
  it(
    'answers every channel with a result, bad-input or not-found: never internal, never a hang',
    { timeout: 300_000 },
    async () => {
      process.env.DJLEAK_EDITOR ??= 'true {file}'; // source.open must never start a real editor
      const rng = new Rng(SEED);
      let f = fixture();
      const outcomes: Outcome[] = [];
      for (const channel of API_CHANNELS) {
        const cases: unknown[] = [undefined, null, ...WHOLE_JUNK];
        const template = templates(f)[channel];
        cases.push(template);
        cases.push({ ...template, unexpected: 1 });
        cases.push({ ...template, __proto__: { polluted: true } });
        cases.push(JSON.parse(`{"__proto__": {"polluted": true}, "constructor": 1}`));
        for (const key of Object.keys(template)) {
          const { [key]: _dropped, ...without } = template;
          cases.push(without);
          for (const junk of FIELD_JUNK) cases.push({ ...template, [key]: junk });
        }
        for (let i = 0; i < RANDOM_PER_CHANNEL; i++) {
          let v: unknown = template;
          for (let k = 1 + rng.int(3); k > 0; k--) v = mutateValue(rng, v);
          cases.push(v);
        }
        for (const raw of cases) {
          outcomes.push(await call(f, channel, raw));
          // A fuzzed delete may remove the fixture: the next cases get a fresh one.
          if (!f.engine.library.session(f.session)) f = fixture();
        }
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const problems = outcomes.flatMap((o) => {
        const v = violation(o);
        return v ? [{ o, v }] : [];
      });
      const byCode: Record<string, number> = {};
      for (const o of outcomes) byCode[o.result] = (byCode[o.result] ?? 0) + 1;
      Object.assign(summary, {
        channels: API_CHANNELS.length,
        calls: outcomes.length,
        schema_invalid: outcomes.filter((o) => !o.schemaValid).length,
        schema_valid: outcomes.filter((o) => o.schemaValid).length,
        answers: byCode,
      });
      expect(
        problems.map((p) => `${p.o.channel} ${describeArgs(p.o.args)}: ${p.v}`),
        'calls answered with a code the caller cannot act on',
      ).toEqual([]);
      // Every channel was reached with at least one valid and many invalid arguments.
      for (const channel of API_CHANNELS) {
        expect(
          outcomes.filter((o) => o.channel === channel && !o.schemaValid).length,
          channel,
        ).toBeGreaterThan(20);
      }
    },
  );
});

describe('hostile file paths (bugs found by the fuzz: these fail until main/ is fixed)', () => {
  it(
    '(control) the child harness answers a plain missing file with bad-input',
    { timeout: 20_000 },
    async () => {
      const t = tempDir('djleak-child-');
      cleanups.push(t.cleanup);
      const outcome = await runChild(
        t.dir,
        `const e = new Engine(${JSON.stringify(t.dir)}, ${JSON.stringify(path.join(t.dir, 'lib.sqlite'))});
const answer = await dispatch(createHandlers(e), 'sessions.import', { file: '/nonexistent.djleak' }).then(
  () => 'ok', (err) => err.code);
console.log(JSON.stringify({ answer }));
process.exit(0);`,
        10_000,
      );
      expect(outcome.stdout).toMatch(/"answer":"bad-input"/);
    },
  );

  it('sessions.export into a folder that does not exist answers bad-input', async () => {
    const f = fixture();
    await expect(
      dispatch(f.handlers, 'sessions.export', { id: f.session, file: path.join(f.dir, 'nope', 'x.djleak') }),
    ).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('sessions.export onto an existing folder answers bad-input and leaves no partial file', async () => {
    const f = fixture();
    const target = path.join(f.dir, 'a-folder');
    mkdirSync(target);
    await expect(
      dispatch(f.handlers, 'sessions.export', { id: f.session, file: target }),
    ).rejects.toMatchObject({
      code: 'bad-input',
    });
    expect(execFileSync('ls', [f.dir], { encoding: 'utf8' })).not.toMatch(/partial/);
  });

  it('sessions.export to a path with a NUL byte answers bad-input', async () => {
    const f = fixture();
    await expect(
      dispatch(f.handlers, 'sessions.export', { id: f.session, file: path.join(f.dir, 'a\0b.djleak') }),
    ).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('sessions.import of a folder answers bad-input', async () => {
    const f = fixture();
    await expect(dispatch(f.handlers, 'sessions.import', { file: f.dir })).rejects.toMatchObject({
      code: 'bad-input',
    });
  });

  it(
    'sessions.import of a named pipe answers bad-input and does not block the engine',
    { timeout: 150_000 },
    async () => {
      const t = tempDir('djleak-fifo-');
      cleanups.push(t.cleanup);
      const fifo = path.join(t.dir, 'pipe.djleak');
      execFileSync('mkfifo', [fifo]);
      // Nobody ever writes to the pipe: an engine that opens it waits forever, so an answer at all is the proof.
      // The child's limit is only a hang guard (it includes starting Node and tsx), not a figure of speed.
      const outcome = await runChild(
        t.dir,
        `const e = new Engine(${JSON.stringify(t.dir)}, ${JSON.stringify(path.join(t.dir, 'lib.sqlite'))});
const answer = await dispatch(createHandlers(e), 'sessions.import', { file: ${JSON.stringify(fifo)} }).then(
  () => 'ok', (err) => err.code);
console.log(JSON.stringify({ answer }));
process.exit(0);`,
        120_000,
      );
      expect(outcome.killed, 'the engine never answered: blocked on the pipe (hang guard)').toBe(false);
      expect(outcome.stdout, outcome.stderr).toMatch(/"answer":"bad-input"/);
    },
  );
});

describe('the browser-mode WebSocket under malformed frames', () => {
  it(
    'answers or ignores every malformed frame and keeps serving valid calls',
    { timeout: 120_000 },
    async () => {
      const rng = new Rng(SEED + 1);
      const f = fixture();
      const web = await startWebServer(f.engine, f.handlers);
      cleanups.push(() => web.close());
      const rpc = `ws://127.0.0.1:${web.port}/rpc?token=${web.token}`;

      // Without the token, or on another path, the upgrade is refused.
      for (const url of [
        `ws://127.0.0.1:${web.port}/rpc`,
        `ws://127.0.0.1:${web.port}/rpc?token=nope`,
        `ws://127.0.0.1:${web.port}/other?token=${web.token}`,
      ]) {
        const refused = await new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.on('open', () => (ws.close(), resolve('open')));
          ws.on('error', (e) => resolve(e.message));
        });
        expect(refused, url).not.toBe('open');
      }

      interface Reply {
        id?: unknown;
        ok?: boolean;
        error?: { code: string };
        event?: unknown;
      }
      const open = async (): Promise<{ ws: WebSocket; replies: Reply[]; closed: Promise<number> }> => {
        const ws = new WebSocket(rpc);
        const replies: Reply[] = [];
        ws.on('message', (data) => replies.push(JSON.parse(String(data)) as Reply));
        const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
        await new Promise<void>(
          (resolve, reject) => (ws.on('open', () => resolve()), ws.on('error', reject)),
        );
        return { ws, replies, closed };
      };
      const frames: { label: string; data: string | Buffer }[] = [
        { label: 'not JSON', data: 'not json' },
        { label: 'empty', data: '' },
        { label: 'half an object', data: '{"id":1,"channel":"sessions.list"' },
        { label: 'null', data: 'null' },
        { label: 'number', data: '5' },
        { label: 'string', data: '"sessions.list"' },
        { label: 'array', data: '[{"id":1,"channel":"sessions.list"}]' },
        { label: 'no id, no channel', data: '{}' },
        { label: 'id only', data: '{"id":1}' },
        { label: 'channel not a string', data: '{"id":2,"channel":5}' },
        { label: 'unknown channel', data: '{"id":3,"channel":"nope.nothing"}' },
        { label: '__proto__ channel', data: '{"id":4,"channel":"__proto__"}' },
        { label: 'constructor channel', data: '{"id":5,"channel":"constructor","args":{}}' },
        { label: 'toString channel', data: '{"id":6,"channel":"toString"}' },
        { label: 'bad args', data: '{"id":7,"channel":"sessions.get","args":{"id":"x"}}' },
        { label: 'args null', data: '{"id":8,"channel":"sessions.get","args":null}' },
        { label: 'deep id', data: `{"id":${JSON.stringify(nested(3000, true))},"channel":"sessions.list"}` },
        {
          label: 'huge args',
          data: JSON.stringify({
            id: 9,
            channel: 'sessions.rename',
            args: { id: 1, name: 'n'.repeat(900_000) },
          }),
        },
        { label: 'NaN literal', data: '{"id":10,"channel":"sessions.get","args":{"id":NaN}}' },
        { label: 'binary', data: Buffer.from([0, 255, 1, 254, 10, 13]) },
        { label: 'binary JSON', data: Buffer.from('{"id":11,"channel":"sessions.get","args":{"id":-1}}') },
        { label: 'invalid UTF-8', data: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
      ];
      for (let i = 0; i < 300; i++) {
        const kind = rng.int(3);
        if (kind === 0) frames.push({ label: 'random bytes', data: rng.bytes(1 + rng.int(500)) });
        else if (kind === 1) frames.push({ label: 'random text', data: rng.nastyString(60) });
        else {
          const channel = rng.chance(0.8) ? rng.pick(API_CHANNELS) : rng.nastyString(10);
          const file = path.join(f.dir, 'ws-export.djleak'); // a mutated call must not write elsewhere
          const call = mutateValue(rng, { id: i, channel, args: { id: 1, sessionId: 1, file } });
          frames.push({ label: 'mutated call', data: JSON.stringify(call) ?? 'undefined' });
        }
      }

      const conn = await open();
      const counts = {
        frames: 0,
        error_replies: 0,
        ignored: 0,
        ok_replies: 0,
        valid_calls_after: 0,
      };
      const codes: Record<string, number> = {};
      const valid = async (id: string): Promise<void> => {
        conn.ws.send(JSON.stringify({ id, channel: 'sessions.list', args: {} }));
        await expect
          .poll(() => conn.replies.some((r) => r.id === id && r.ok === true), { timeout: 10_000 })
          .toBe(true);
        counts.valid_calls_after++;
      };
      for (const [i, frame] of frames.entries()) {
        conn.ws.send(frame.data);
        counts.frames++;
        if (i % 10 === 9) await valid(`after-${i}`);
      }
      await valid('after-all');
      // Answers to async calls may trail the next valid call: judge them all once every frame was handled.
      const answers = conn.replies.filter((r) => !r.event && !String(r.id).startsWith('after-'));
      for (const a of answers) {
        if (a.ok) counts.ok_replies++;
        else {
          counts.error_replies++;
          codes[a.error!.code] = (codes[a.error!.code] ?? 0) + 1;
        }
      }
      counts.ignored = counts.frames - answers.length;
      expect(answers.length).toBeLessThanOrEqual(frames.length);
      expect(
        answers.filter((a) => !a.ok && !['bad-input', 'not-found', 'unknown-call'].includes(a.error!.code)),
        'answers with a code the page cannot act on',
      ).toEqual([]);

      // A frame past maxPayload, or a text frame that is not UTF-8, ends the server: see the known bugs below.
      conn.ws.close();
      Object.assign(summary, { websocket: { ...counts, codes } });
    },
  );
});

describe('browser-mode WebSocket protocol errors (found by the fuzz, fixed)', () => {
  it(
    'a frame over 1 MiB closes that socket and the server goes on serving',
    { timeout: 30_000 },
    async () => {
      const t = tempDir('djleak-ws-');
      cleanups.push(t.cleanup);
      const outcome = await runChild(t.dir, wsChild(t.dir, `ws.send('x'.repeat(1024 * 1024 + 1));`), 15_000);
      expect(outcome.stderr).not.toMatch(/Max payload size exceeded/);
      expect(outcome.stdout).toMatch(/"served":true/);
    },
  );

  // Same cause: a masked text frame whose payload is not UTF-8 (1007) ends the process.
  it(
    'a text frame that is not UTF-8 closes that socket and the server goes on serving',
    { timeout: 30_000 },
    async () => {
      const t = tempDir('djleak-ws-');
      cleanups.push(t.cleanup);
      const raw = `const s = (ws as unknown as { _socket: import('node:net').Socket })._socket;
s.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0xc3 ^ 1, 0x28 ^ 2]));`;
      const outcome = await runChild(t.dir, wsChild(t.dir, raw), 15_000);
      expect(outcome.stderr).not.toMatch(/Invalid UTF-8/i);
      expect(outcome.stdout).toMatch(/"served":true/);
    },
  );
});

/** A child script: browser-mode server, one client that misbehaves, then a fresh client's valid call. */
function wsChild(dir: string, misbehave: string): string {
  return `const e = new Engine(${JSON.stringify(dir)}, ${JSON.stringify(path.join(dir, 'lib.sqlite'))});
const web = await startWebServer(e, createHandlers(e));
const url = 'ws://127.0.0.1:' + web.port + '/rpc?token=' + web.token;
const ws = new WebSocket(url);
ws.on('error', () => undefined);
await new Promise((r) => ws.on('open', r));
${misbehave}
await new Promise((r) => setTimeout(r, 500));
const again = new WebSocket(url);
const served = await new Promise((resolve) => {
  again.on('error', () => resolve(false));
  again.on('open', () => again.send(JSON.stringify({ id: 1, channel: 'sessions.list', args: {} })));
  again.on('message', (d) => resolve(JSON.parse(String(d)).ok === true));
});
console.log(JSON.stringify({ served }));
process.exit(0);`;
}
