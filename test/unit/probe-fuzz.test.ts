import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Investigation } from '../../main/investigation.ts';
import {
  HELLO_LINE_CAP,
  HELLO_TIMEOUT_MS,
  LINE_CAP,
  MAX_WAITING_FOR_HELLO,
  ProbeLink,
  type ProbeConnection,
} from '../../main/probe/link.ts';
import type { StreamMessage } from '../../main/probe/protocol.ts';
import type { EventLevel, EventSource } from '../../main/store/library.ts';
import { Library } from '../../main/store/library.ts';
import { SessionWriter } from '../../main/store/writer.ts';
import { until } from '../helpers/engine.ts';
import { hostileJson, mutateText, mutateValue, nestedText, Rng } from '../helpers/fuzz.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * The probe link under hostile input, with a real Investigation's ingestion behind it (library, writer,
 * process rows, logged problems): seeded and deterministic (DJLEAK_FUZZ_SEED replays another seed).
 */

const SEED = Number(process.env.DJLEAK_FUZZ_SEED ?? 0xd31eac);
const TOKEN = 'fuzz-token-0123456789abcdef';
const SENTINEL = 987_654_321_000;

const sample = (rss: number, t = 1) => ({
  t,
  rss,
  gc_count: [1, 2, 3],
  gc_collections: [4, 5, 6],
  gc_collected: [7, 8, 9],
  gc_uncollectable: [0, 0, 0],
  gc_enabled: true,
  threads: 3,
  fds: 7,
});
const helloOf = (pid: number, token: unknown = TOKEN) => ({
  type: 'hello',
  v: 1,
  token,
  pid,
  ppid: 1,
  role: 'worker',
  t: 1,
  python: '3.12.1',
  executable: '/usr/bin/python3',
  argv: ['manage.py', 'runserver'],
  psutil: true,
  command: ['manage.py', 'runserver'],
  cwd: '/srv/app',
});
const line = (v: unknown): string => JSON.stringify(v) + '\n';
const SENTINEL_T = -424_242.5;
const FLOOD_T = -1.25;
const sentinelLine = (n: number): string =>
  line({ type: 'samples', items: [sample(SENTINEL + n, SENTINEL_T)] });

/** One valid line of every kind the probe sends. */
const VALID: readonly unknown[] = [
  helloOf(4242),
  { type: 'samples', items: [sample(41_234_432), sample(41_300_000, 2)] },
  {
    type: 'requests',
    items: [
      {
        t: 1.5,
        method: 'GET',
        route: 'cache/leak/',
        view: 'shop.views.cache_leak',
        path: '/cache/leak/',
        status: 200,
        duration_ms: 3.2,
        rss_before: 41_234_432,
        rss_after: 41_299_968,
      },
    ],
  },
  { type: 'django', version: '5.2.17', settings: 'leaky_shop.settings', middleware: true },
  { type: 'log', level: 'warning', message: 'lost the collector link; continuing without it' },
  { type: 'reply', id: 7, ok: true, result: { t: 5 } },
  { type: 'reply', id: 8, ok: false, error: 'unknown command' },
  {
    type: 'snapshot_chunk',
    id: 'B',
    seq: 0,
    rows: [{ size: 4_669_440, count: 100, frames: [['/srv/app/shop/fragments.py', 32]] }],
  },
  {
    type: 'snapshot',
    id: 'B',
    t: 3,
    started_tracing: false,
    frames: 10,
    traced_bytes: 100,
    rows_total: 1,
    truncated: false,
  },
  {
    type: 'measure',
    t: 60,
    routes: { 'GET cache/leak/': 412 },
    before: { rss: 1, blocks: 2, gc_objects: 3, traced: null },
    after: { rss: 1, blocks: 2, gc_objects: 3, traced: null },
    collected: 120,
    garbage_bytes: 4096,
    gc_enabled: true,
    gc_collections: [90, 8, 1],
  },
];

/** One hostile line (newline-terminated) and what kind it is. */
function hostileLine(rng: Rng, small = false): { kind: string; text: string } {
  const base = rng.pick(VALID);
  switch (small ? rng.pick([0, 1, 5, 8, 9]) : rng.int(10)) {
    case 0: {
      const bytes = rng.bytes(1 + rng.int(300)).toString('latin1');
      return { kind: 'random-bytes', text: bytes + '\n' };
    }
    case 1:
      return { kind: 'mutated-text', text: mutateText(rng, JSON.stringify(base)) + '\n' };
    case 2:
    case 3:
      return { kind: 'mutated-value', text: hostileJson(mutateValue(rng, base)) + '\n' };
    case 4: {
      // The right shape with the wrong type in the discriminator or the batch.
      const v = structuredClone(base) as Record<string, unknown>;
      v[rng.pick(['type', 'items', 'rows', 'id', 't'])] = rng.junk(2);
      return { kind: 'wrong-type', text: hostileJson(v) + '\n' };
    }
    case 5:
      return {
        kind: 'huge-number',
        text:
          JSON.stringify(base).replace(
            /(?<=:)\d+(\.\d+)?/,
            rng.pick(['1e999', '-1e999', '9'.repeat(400), 'NaN', '"12"', '-0', '1.0000000000000002']),
          ) + '\n',
      };
    case 6:
      return {
        kind: 'deep-nesting',
        text:
          `{"type":"reply","id":1,"ok":true,"result":${nestedText(1 + rng.int(100_000), rng.chance(0.5))}}` +
          '\n',
      };
    case 7:
      return {
        kind: 'unicode',
        text: JSON.stringify({ ...(base as object), message: rng.nastyString(200) }) + '\n',
      };
    case 8:
      return {
        kind: 'json-not-object',
        text:
          rng.pick([
            'null',
            '1',
            '"samples"',
            '[]',
            'true',
            '{}',
            '{"type":null}',
            '[{"type":"samples","items":[]}]',
          ]) + '\n',
      };
    default:
      return { kind: 'whitespace', text: rng.pick(['', ' ', '\r', '\t\t', '\u00a0', '\r\n']) + '\n' };
  }
}

interface Harness {
  link: ProbeLink;
  port: number;
  library: Library;
  sessionId: number;
  hellos: ProbeConnection[];
  messages: StreamMessage[];
  problems: string[];
  closed: number;
}

/** The parts of Investigation that ingest a probe stream, reached without launching a target. */
interface Ingest {
  sessionId: number;
  writer: SessionWriter;
  onHello(conn: ProbeConnection): void;
  onMessage(conn: ProbeConnection, message: StreamMessage): void;
  onClose(conn: ProbeConnection): void;
  log(source: EventSource, level: EventLevel, message: string, pid: number | null): void;
  flush(): void;
}

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const summary = {
  seed: SEED,
  connections: 0,
  lines_tried: 0,
  lines_rejected: 0,
  lines_accepted: 0,
  connections_refused: 0,
  bytes_sent: 0,
  by_kind: {} as Record<string, number>,
  peak_heap_mb: 0,
  peak_rss_mb: 0,
  flood: {} as Record<string, number>,
  prehello_hold: {} as Record<string, number>,
  hello_timeout_ms: {} as Record<string, number>,
};
afterAll(() => console.log(`[probe fuzz] ${JSON.stringify(summary)}`));

const mb = (n: number): number => Math.round((n / 1048576) * 10) / 10;
function notePeak(): void {
  const m = process.memoryUsage();
  summary.peak_heap_mb = Math.max(summary.peak_heap_mb, mb(m.heapUsed));
  summary.peak_rss_mb = Math.max(summary.peak_rss_mb, mb(m.rss));
}

async function startHarness(helloTimeoutMs = HELLO_TIMEOUT_MS): Promise<Harness> {
  const t = tempDir('djleak-fuzz-');
  const library = new Library(path.join(t.dir, 'library.sqlite'));
  const inv = new Investigation(library, t.dir, { demo: true }) as unknown as Ingest;
  inv.sessionId = library.createSession({
    name: 'fuzz',
    project: '/srv/app',
    python: null,
    server: 'gunicorn',
    command: [],
    startedAt: 0,
  });
  inv.writer = new SessionWriter(library.db, inv.sessionId);
  const h: Omit<Harness, 'link' | 'port'> = {
    library,
    sessionId: inv.sessionId,
    hellos: [],
    messages: [],
    problems: [],
    closed: 0,
  };
  let open = true; // socket events can trail the link's close; the library is gone by then
  const link = new ProbeLink(
    TOKEN,
    {
      hello: (c) => (h.hellos.push(c), open && inv.onHello(c)),
      message: (c, m) => (h.messages.push(m), open && inv.onMessage(c, m)),
      close: (c) => (h.closed++, open && inv.onClose(c)),
      problem: (text, c) => (
        h.problems.push(text),
        open && inv.log('engine', 'warning', text, c?.pid ?? null)
      ),
    },
    helloTimeoutMs,
  );
  const port = await link.listen();
  const flushTimer = setInterval(() => inv.flush(), 250); // as the engine does
  stops.push(() => t.cleanup());
  stops.push(() => library.close());
  stops.push(() => {
    inv.flush();
    open = false;
  });
  stops.push(() => link.close());
  stops.push(() => clearInterval(flushTimer));
  return { ...h, link, port };
}

function connect(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.on('error', reject);
    stops.push(() => void socket.destroy());
  });
}

/**
 * The link's side of each connection, found by the client's port (read before the link's accept() runs, which
 * may destroy the socket; the promise settles after it): for what the link did to it, destroyed or bytes read.
 */
function acceptedSockets(h: Harness): { of(client: net.Socket): Promise<net.Socket> } {
  const server = (h.link as unknown as { server: net.Server }).server;
  const byPort = new Map<number, net.Socket>();
  const waiters = new Map<number, (s: net.Socket) => void>();
  server.prependListener('connection', (s: net.Socket) => {
    byPort.set(s.remotePort!, s);
    waiters.get(s.remotePort!)?.(s);
  });
  return {
    of: (client) =>
      new Promise((resolve) => {
        const known = byPort.get(client.localPort!);
        if (known) resolve(known);
        else waiters.set(client.localPort!, resolve);
      }),
  };
}

const closedBy = (socket: net.Socket): Promise<void> =>
  new Promise((resolve) => (socket.destroyed ? resolve() : socket.on('close', () => resolve())));

/** Writes and waits until the kernel took it, so a flood measures the engine, not the client's buffer. */
function send(socket: net.Socket, text: string | Buffer): Promise<void> {
  summary.bytes_sent += Buffer.byteLength(text);
  return new Promise((resolve) => {
    if (socket.write(text)) resolve();
    else socket.once('drain', () => resolve());
  });
}

const sentinels = (h: Harness): number[] =>
  h.messages.flatMap((m) =>
    m.type === 'samples' ? m.items.filter((s) => s.t === SENTINEL_T).map((s) => s.rss - SENTINEL) : [],
  );

describe('probe link fuzz (authenticated connections)', () => {
  it(
    'drops random, mutated, retyped, deep and oversized lines, and every valid line after them arrives',
    {
      timeout: 120_000,
    },
    async () => {
      const rng = new Rng(SEED);
      const h = await startHarness();
      const connections = 12;
      const perConnection = 400;
      let sentinelCount = 0;
      const dropsBefore = h.link.droppedLines;
      await Promise.all(
        Array.from({ length: connections }, async (_, c) => {
          const socket = await connect(h.port);
          summary.connections++;
          await send(socket, line(helloOf(10_000 + c)));
          for (let i = 0; i < perConnection; i++) {
            const { kind, text } = hostileLine(rng);
            summary.by_kind[kind] = (summary.by_kind[kind] ?? 0) + 1;
            summary.lines_tried += text.split('\n').length - 1;
            await send(socket, text);
            if (i % 20 === 19) await send(socket, sentinelLine(sentinelCount++));
          }
          // Split at odd places: the framing must not care where packets end.
          const tail = sentinelLine(sentinelCount++) + sentinelLine(sentinelCount++);
          for (let k = 0; k < tail.length; k += 13) await send(socket, tail.slice(k, k + 13));
        }),
      );
      await until(() => sentinels(h).length === sentinelCount, `${sentinelCount} sentinel lines`, 30_000);
      notePeak();
      expect(new Set(sentinels(h)).size).toBe(sentinelCount);
      expect(h.hellos).toHaveLength(connections);
      // Every connection is still open: a bad line is dropped, never the connection.
      expect(h.closed).toBe(0);
      const rejected = h.link.droppedLines - dropsBefore;
      const accepted = h.messages.length - sentinelCount;
      summary.lines_rejected += rejected;
      summary.lines_accepted += accepted;
      expect(rejected).toBeGreaterThan(connections * perConnection * 0.5);
      // What was accepted went through the real ingestion into the library.
      await until(() => {
        const n = h.library.db
          .prepare(
            `SELECT count(*) FROM samples s JOIN processes p ON p.id = s.process_id WHERE p.session_id = ? AND s.t = ?`,
          )
          .pluck()
          .get(h.sessionId, SENTINEL_T) as number;
        return n === sentinelCount;
      }, 'sentinel rows in the library');
    },
  );

  it('takes a line of exactly 1 MiB, drops one byte more (in one write or in 1 KiB pieces), and goes on', async () => {
    const h = await startHarness();
    const socket = await connect(h.port);
    await send(socket, line(helloOf(5000)));
    const padded = (size: number): string => {
      const head = JSON.stringify({ type: 'samples', items: [sample(SENTINEL + 1, SENTINEL_T)], pad: '' });
      return head.slice(0, -2) + 'p'.repeat(size - head.length) + '"}';
    };
    expect(Buffer.byteLength(padded(LINE_CAP))).toBe(LINE_CAP);
    await send(socket, padded(LINE_CAP) + '\n');
    await send(socket, padded(LINE_CAP + 1) + '\n');
    const big = 'z'.repeat(3 * LINE_CAP) + '\n';
    for (let k = 0; k < big.length; k += 1024) await send(socket, big.slice(k, k + 1024));
    await send(socket, Buffer.concat([Buffer.alloc(LINE_CAP + 5, 0x20), Buffer.from('\n')]));
    await send(socket, sentinelLine(2));
    summary.lines_tried += 5;
    await until(() => sentinels(h).length === 2, 'the 1 MiB line and the sentinel');
    expect(sentinels(h)).toEqual([1, 2]);
    expect(h.link.droppedLines).toBe(3);
    summary.lines_rejected += 3;
    summary.lines_accepted += 1;
    expect(socket.destroyed).toBe(false);
  });

  it(
    'survives a flood of 50,000 lines (valid and garbage) with bounded memory, storing every valid row',
    {
      timeout: 120_000,
    },
    async () => {
      const rng = new Rng(SEED + 1);
      const h = await startHarness();
      const socket = await connect(h.port);
      await send(socket, line(helloOf(6000)));
      await until(() => h.hellos.length === 1, 'hello');
      const total = 50_000;
      let valid = 0;
      const floodRows = (): number =>
        h.messages.reduce(
          (n, m) => n + (m.type === 'samples' ? m.items.filter((x) => x.t === FLOOD_T).length : 0),
          0,
        );
      const heap0 = process.memoryUsage().heapUsed;
      const rss0 = process.memoryUsage().rss;
      let peakHeap = heap0;
      let peakRss = rss0;
      const meter = setInterval(() => {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }, 5);
      const started = performance.now();
      let chunk = '';
      for (let i = 0; i < total; i++) {
        if (i % 2 === 0) {
          chunk += line({ type: 'samples', items: [sample(1_000_000 + i, FLOOD_T)] });
          valid++;
        } else chunk += hostileLine(rng, true).text.replace(/\n(?=.)/g, ' ');
        if (chunk.length > 256 * 1024) {
          await send(socket, chunk);
          chunk = '';
        }
      }
      await send(socket, chunk);
      await until(() => floodRows() >= valid, `${valid} valid lines`, 60_000);
      const seconds = (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 300)); // one flush interval
      clearInterval(meter);
      const heap1 = process.memoryUsage().heapUsed;
      const stored = h.library.db
        .prepare(
          `SELECT count(*) FROM samples s JOIN processes p ON p.id = s.process_id
           WHERE p.session_id = ? AND s.t = ?`,
        )
        .pluck()
        .get(h.sessionId, FLOOD_T) as number;
      const events = h.library.db
        .prepare(`SELECT count(*) FROM events WHERE session_id = ? AND message LIKE 'probe link: dropped%'`)
        .pluck()
        .get(h.sessionId) as number;
      summary.lines_tried += total;
      summary.lines_accepted += h.messages.length;
      summary.lines_rejected += h.link.droppedLines;
      summary.flood = {
        lines: total,
        valid,
        seconds: Math.round(seconds * 100) / 100,
        lines_per_s: Math.round(total / seconds),
        heap_before_mb: mb(heap0),
        heap_peak_mb: mb(peakHeap),
        heap_after_mb: mb(heap1),
        rss_before_mb: mb(rss0),
        rss_peak_mb: mb(peakRss),
        dropped_line_events_stored: events,
      };
      summary.peak_heap_mb = Math.max(summary.peak_heap_mb, mb(peakHeap));
      summary.peak_rss_mb = Math.max(summary.peak_rss_mb, mb(peakRss));
      expect(floodRows()).toBe(valid);
      expect(stored).toBe(valid);
      expect(socket.destroyed).toBe(false);
      // Generous but real: ~7 MB of NDJSON must not cost more than 256 MiB of heap at any moment.
      expect(peakHeap - heap0).toBeLessThan(256 * 1048576);
      expect(peakRss - rss0).toBeLessThan(512 * 1048576);
    },
  );
});

describe('probe link fuzz (before and without the hello)', () => {
  it('refuses a wrong, missing, mistyped or oversized token, and any first line that is not a hello', async () => {
    const rng = new Rng(SEED + 2);
    const h = await startHarness();
    const firsts: string[] = [
      line(helloOf(1, 'wrong')),
      line(helloOf(1, null)),
      line(helloOf(1, TOKEN + ' ')),
      line(helloOf(1, TOKEN.slice(0, -1))),
      line(helloOf(1, TOKEN.toUpperCase())),
      line(helloOf(1, 12345)),
      line(helloOf(1, [TOKEN])),
      line(helloOf(1, { token: TOKEN })),
      line(helloOf(1, 'x'.repeat(LINE_CAP - 400))),
      line(Object.fromEntries(Object.entries(helloOf(1)).filter(([k]) => k !== 'token'))),
      line({ ...helloOf(1), v: 2 }),
      line({ ...helloOf(-1) }),
      line({ type: 'samples', items: [sample(1)], token: TOKEN }),
      'x'.repeat(LINE_CAP + 10),
      'not json\n',
      '\u0000\u0001\u0002\n',
    ];
    for (let i = 0; i < 40; i++)
      firsts.push(
        rng.chance(0.5)
          ? rng.bytes(1 + rng.int(200)).toString('latin1') + '\n'
          : hostileJson(mutateValue(rng, helloOf(1, 'wrong'))) + '\n',
      );
    for (const first of firsts) {
      const socket = await connect(h.port);
      summary.connections++;
      summary.lines_tried++;
      const closed = closedBy(socket);
      // A valid line follows: it must never be taken from a connection that was not let in.
      await send(socket, first + sentinelLine(0));
      await closed;
      summary.connections_refused++;
    }
    expect(h.hellos).toHaveLength(0);
    expect(h.messages).toHaveLength(0);
    expect(h.problems.filter((p) => p.includes('wrong token')).length).toBeGreaterThanOrEqual(5);
  });

  it('closes a silent connection and one that trickles bytes without a newline after the hello timeout', async () => {
    const timeout = 300;
    const h = await startHarness(timeout);
    expect(HELLO_TIMEOUT_MS).toBe(5000); // what README and PROTOCOL.md promise
    const accepted = acceptedSockets(h);
    // The link's timers run on a fake clock: the window is checked to the millisecond on any machine, with the
    // real sockets (the bytes each drip sends are seen by the link before the clock moves on).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const silent = await connect(h.port);
      const trickle = await connect(h.port);
      const [serverSilent, serverTrickle] = await Promise.all([accepted.of(silent), accepted.of(trickle)]);
      const closedSilent = closedBy(silent);
      const closedTrickle = closedBy(trickle);
      const noHello = (): number => h.problems.filter((p) => p.includes('no hello in time')).length;
      let now = 0;
      for (; now + 30 < timeout; now += 30) {
        const arrived = new Promise((resolve) => serverTrickle.once('data', resolve));
        trickle.write('{');
        await arrived;
        vi.advanceTimersByTime(30);
      }
      vi.advanceTimersByTime(timeout - 1 - now); // 1 ms before the timeout: both still wait
      expect(serverSilent.destroyed, 'silent connection closed before the timeout').toBe(false);
      expect(serverTrickle.destroyed, 'trickling connection closed before the timeout').toBe(false);
      expect(noHello()).toBe(0);
      vi.advanceTimersByTime(1); // the timeout: neither may wait longer, the trickle's bytes do not extend it
      expect(serverSilent.destroyed, 'silent connection still open at the timeout').toBe(true);
      expect(serverTrickle.destroyed, 'trickling connection still open at the timeout').toBe(true);
      expect(noHello()).toBe(2);
      await Promise.all([closedSilent, closedTrickle]); // and the peers see it
    } finally {
      vi.useRealTimers();
    }
    summary.connections += 2;
    summary.connections_refused += 2;
    summary.hello_timeout_ms = { configured: timeout, closed_at_fake_ms: timeout };
  });

  it('before the hello: at most 16 connections wait, each with at most 64 KiB, then they are closed', async () => {
    const timeout = 1500;
    const h = await startHarness(timeout);
    const count = 32;
    const payload = Buffer.alloc(HELLO_LINE_CAP - 1, 0x61); // just under the pre-hello cap, never a newline
    const accepted = acceptedSockets(h);
    // Fake timers for the link: no waiting connection can time out before its memory is measured.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const before = process.memoryUsage();
      const sockets = await Promise.all(Array.from({ length: count }, () => connect(h.port)));
      summary.connections += count;
      const server = await Promise.all(sockets.map((s) => accepted.of(s)));
      const waiting = server.filter((s) => !s.destroyed); // accept() let these wait for a hello
      const clients = sockets.filter((_, i) => !server[i]!.destroyed); // the others are closed already
      const refused = h.problems.filter((p) => p.includes('are already waiting to say hello')).length;
      expect(refused).toBe(count - MAX_WAITING_FOR_HELLO);
      expect(waiting).toHaveLength(MAX_WAITING_FOR_HELLO);
      // Measured once the link has read every payload of the waiting connections (it holds them now).
      const read = waiting.map(
        (s) =>
          new Promise<void>((resolve) => {
            const check = (): void => void (s.bytesRead >= payload.length && resolve());
            s.on('data', check);
            check();
          }),
      );
      await Promise.all(clients.map((s) => send(s, payload)));
      await Promise.all(read);
      const held = process.memoryUsage();
      expect(waiting.every((s) => !s.destroyed && s.bytesRead === payload.length)).toBe(true);
      summary.prehello_hold = {
        connections: count,
        waiting_at_most: MAX_WAITING_FOR_HELLO,
        bytes_each: payload.length,
        buffers_growth_mb: mb(held.arrayBuffers - before.arrayBuffers),
        rss_growth_mb: mb(held.rss - before.rss),
      };
      notePeak();
      // 16 × 64 KiB held at most (32 × 1 MiB = 32 MiB before the caps), plus the sockets' own buffers.
      expect(held.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * 1024 * 1024);
      expect(h.problems.filter((p) => p.includes('no hello in time'))).toHaveLength(0);
      vi.advanceTimersByTime(timeout); // then the hello timeout closes every one of them
      expect(
        waiting.every((s) => s.destroyed),
        'a connection still waits after the hello timeout',
      ).toBe(true);
      await Promise.all(sockets.map(closedBy));
    } finally {
      vi.useRealTimers();
    }
    summary.connections_refused += count;
    const timedOut = h.problems.filter((p) => p.includes('no hello in time')).length;
    expect(timedOut).toBe(MAX_WAITING_FOR_HELLO);
    // A first line over the pre-hello cap is refused at once.
    const big = await connect(h.port);
    await send(big, Buffer.alloc(HELLO_LINE_CAP + 1, 0x61));
    await closedBy(big);
    expect(h.problems.some((p) => p.includes(`first line ran over ${HELLO_LINE_CAP} bytes`))).toBe(true);
  });

  it('listens on 127.0.0.1 only, and refuses a loopback peer that is not 127.0.0.1', async () => {
    const h = await startHarness();
    const address = (h.link as unknown as { server: net.Server }).server.address() as net.AddressInfo;
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });

    // Another loopback address reaches the socket, and accept() turns it away.
    const other = await connect(h.port, '127.0.0.2');
    summary.connections++;
    await send(other, line(helloOf(77)));
    await closedBy(other);
    summary.connections_refused++;
    expect(h.problems.some((p) => p.includes('refused a connection from 127.0.0.2'))).toBe(true);
    expect(h.hellos).toHaveLength(0);

    // The machine's other addresses: nothing listens there.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((i): i is os.NetworkInterfaceInfo => !!i && !i.internal);
    for (const iface of external) {
      const refused = await new Promise<string>((resolve) => {
        const s = net.connect({ port: h.port, host: iface.address }, () => {
          s.destroy();
          resolve('connected');
        });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(refused, `connect to ${iface.address}:${h.port}`).not.toBe('connected');
    }
  });

  it('keeps serving a good probe while hostile connections come and go', async () => {
    const rng = new Rng(SEED + 3);
    const h = await startHarness(200);
    const good = await connect(h.port);
    await send(good, line(helloOf(9000)));
    const hostile = Array.from({ length: 60 }, async (_, i) => {
      const s = await connect(h.port);
      summary.connections++;
      const kind = i % 4;
      if (kind === 0)
        await send(s, rng.bytes(2000)); // no newline: closed by the timeout
      else if (kind === 1) await send(s, line(helloOf(100 + i, 'nope')));
      else if (kind === 2) {
        await send(s, line(helloOf(20_000 + i)) + hostileLine(rng).text);
        s.destroy(); // half a conversation, then gone
      } else {
        await send(s, line(helloOf(30_000 + i)) + '{"type":"samples","items":[{"t":1');
        s.end(); // a last line without its newline
      }
      await closedBy(s);
    });
    for (let i = 0; i < 50; i++) await send(good, sentinelLine(i));
    await Promise.all(hostile);
    await until(() => sentinels(h).length === 50, 'the good probe’s 50 lines');
    expect(sentinels(h)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(good.destroyed).toBe(false);
  });
});
