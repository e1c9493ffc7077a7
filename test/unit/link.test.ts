import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LINE_CAP, ProbeLink, tokensMatch, type ProbeConnection } from '../../main/probe/link.ts';
import type { StreamMessage } from '../../main/probe/protocol.ts';
import { until } from '../helpers/engine.ts';

const TOKEN = 'secret-token-for-tests';
const hello = (token: string | null, pid = 4242) =>
  JSON.stringify({ type: 'hello', v: 1, token, pid, ppid: 1, role: 'main', t: 1, python: '3.11', argv: [] }) +
  '\n';
const samplesLine = (rss: number) =>
  JSON.stringify({
    type: 'samples',
    items: [
      {
        t: 1,
        rss,
        gc_count: [0, 0, 0],
        gc_collections: [0, 0, 0],
        gc_collected: [0, 0, 0],
        gc_uncollectable: [0, 0, 0],
        gc_enabled: true,
        threads: 1,
        fds: 3,
      },
    ],
  }) + '\n';

interface Recorded {
  hellos: ProbeConnection[];
  messages: StreamMessage[];
  problems: string[];
  closed: number;
}

const links: ProbeLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});

async function startLink(helloTimeoutMs = 5000): Promise<{ link: ProbeLink; port: number; rec: Recorded }> {
  const rec: Recorded = { hellos: [], messages: [], problems: [], closed: 0 };
  const link = new ProbeLink(
    TOKEN,
    {
      hello: (c) => rec.hellos.push(c),
      message: (_c, m) => rec.messages.push(m),
      close: () => rec.closed++,
      problem: (text) => rec.problems.push(text),
    },
    helloTimeoutMs,
  );
  links.push(link);
  return { link, port: await link.listen(), rec };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

const closedBy = (socket: net.Socket) => new Promise<void>((resolve) => socket.on('close', () => resolve()));

describe('ProbeLink', () => {
  it('compares tokens in constant time without leaking their length', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(TOKEN + 'x', TOKEN)).toBe(false);
    expect(tokensMatch('', TOKEN)).toBe(false);
    expect(tokensMatch(null, TOKEN)).toBe(false);
  });

  it('accepts a hello with the token, then NDJSON split across packets', async () => {
    const { port, rec } = await startLink();
    const socket = await connect(port);
    const text = hello(TOKEN) + samplesLine(100) + samplesLine(200);
    for (let i = 0; i < text.length; i += 7) socket.write(text.slice(i, i + 7));
    await until(() => rec.messages.length === 2, 'two sample batches');
    expect(rec.hellos[0]?.pid).toBe(4242);
    expect(rec.messages.map((m) => (m.type === 'samples' ? m.items[0]?.rss : -1))).toEqual([100, 200]);
    socket.destroy();
    await until(() => rec.closed === 1, 'close');
  });

  it('refuses a wrong token, a missing token and a first line that is not a hello', async () => {
    const { port, rec } = await startLink();
    for (const first of [hello('wrong'), hello(null), samplesLine(1)]) {
      const socket = await connect(port);
      const closed = closedBy(socket);
      socket.write(first + samplesLine(5));
      await closed;
    }
    expect(rec.hellos).toHaveLength(0);
    expect(rec.messages).toHaveLength(0);
    expect(rec.problems.filter((p) => p.includes('wrong token'))).toHaveLength(2);
    expect(rec.problems.some((p) => p.includes('not a hello'))).toBe(true);
  });

  it('drops a connection that never says hello', async () => {
    const { port, rec } = await startLink(150);
    const socket = await connect(port);
    await closedBy(socket);
    expect(rec.problems.some((p) => p.includes('no hello'))).toBe(true);
  });

  it('drops malformed and oversized lines and keeps the stream going', async () => {
    const { link, port, rec } = await startLink();
    const socket = await connect(port);
    socket.write(hello(TOKEN));
    socket.write('{"type":"samples","items":"nope"}\n');
    socket.write('garbage\n');
    const huge = 'x'.repeat(LINE_CAP + 10);
    for (let i = 0; i < huge.length; i += 65536) socket.write(huge.slice(i, i + 65536));
    socket.write('\n');
    socket.write(JSON.stringify({ type: 'samples', items: [], pad: 'y'.repeat(LINE_CAP) }) + '\n');
    socket.write(samplesLine(777));
    await until(() => rec.messages.length === 1, 'the good line after the bad ones');
    expect(rec.messages[0]).toMatchObject({ type: 'samples', items: [{ rss: 777 }] });
    expect(link.droppedLines).toBe(4);
    expect(rec.problems.filter((p) => p.includes('over')).length).toBe(2);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('sends commands and settles them with the matching reply', async () => {
    const { port, rec } = await startLink();
    const socket = await connect(port);
    socket.write(hello(TOKEN));
    await until(() => rec.hellos.length === 1, 'hello');
    socket.on('data', (data) => {
      for (const line of String(data).trim().split('\n')) {
        const cmd = JSON.parse(line) as { id: number; name: string };
        const reply =
          cmd.name === 'ping'
            ? { type: 'reply', id: cmd.id, ok: true, result: { t: 5 } }
            : { type: 'reply', id: cmd.id, ok: false, error: 'nope' };
        socket.write(JSON.stringify(reply) + '\n');
      }
    });
    const conn = rec.hellos[0]!;
    await expect(conn.command('ping')).resolves.toEqual({ t: 5 });
    await expect(conn.command('gc_collect')).rejects.toThrow('nope');
    socket.destroy();
  });

  it("parses each reply with its command's schema: a malformed one is a clear error, and the link goes on", async () => {
    const { port, rec } = await startLink();
    const socket = await connect(port);
    socket.write(hello(TOKEN));
    await until(() => rec.hellos.length === 1, 'hello');
    const answers: Record<string, unknown> = {
      ping: { t: 7 },
      // A string where a boolean belongs.
      trace_status: { tracing: 'yes', frames: null, traced_bytes: 0, peak_bytes: 0, overhead_bytes: 0 },
      // A chain without its steps.
      referrers: {
        type: 'shop.models.Order',
        instances: 3,
        tracked: true,
        partial: false,
        chains: [{ root: { kind: 'module global', name: 'shop.views.CACHE' }, depth: 2, partial: false }],
      },
      // Not an object at all.
      census: [1, 2, 3],
      // A well-formed answer with a key the schema does not know: kept out, the rest passes.
      trace_stop: { tracing: false, was_tracing: true, surprise: 1 },
    };
    socket.on('data', (data) => {
      for (const line of String(data).trim().split('\n')) {
        const cmd = JSON.parse(line) as { id: number; name: string };
        socket.write(
          JSON.stringify({ type: 'reply', id: cmd.id, ok: true, result: answers[cmd.name] }) + '\n',
        );
      }
    });
    const conn = rec.hellos[0]!;
    await expect(conn.command('trace_status')).rejects.toThrow(
      "probe in pid 4242 answered 'trace_status' with a malformed reply: tracing: Invalid input: expected boolean, received string",
    );
    await expect(conn.command('referrers')).rejects.toThrow(
      "answered 'referrers' with a malformed reply: chains.0.steps: Invalid input: expected array, received undefined",
    );
    await expect(conn.command('census')).rejects.toThrow(
      "answered 'census' with a malformed reply: result: ",
    );
    await expect(conn.command('trace_stop')).resolves.toEqual({ tracing: false, was_tracing: true });
    await expect(conn.command('ping')).resolves.toEqual({ t: 7 });
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
