import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { CommandName, CommandReply, Hello, ProbeCommand, StreamMessage } from './protocol.ts';
import { parseCommandReply, parseProbeLine } from './protocol.ts';

export const LINE_CAP = 1024 * 1024;
/** Before its hello a connection is nobody's: its first line must be small, and only a few may wait at once. */
export const HELLO_LINE_CAP = 64 * 1024;
export const MAX_WAITING_FOR_HELLO = 16;
/** Problems said per connection per second; the rest are counted and said in one line. */
export const PROBLEMS_PER_SECOND = 5;
export const HELLO_TIMEOUT_MS = 5000;

export interface LinkEvents {
  hello(conn: ProbeConnection): void;
  message(conn: ProbeConnection, message: StreamMessage): void;
  close(conn: ProbeConnection): void;
  /** A refused connection or a dropped line: logged by the investigation, never fatal. */
  problem(text: string, conn?: ProbeConnection): void;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison that also hides the length of the expected token. */
export function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

interface PendingReply {
  name: CommandName;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class ProbeConnection {
  hello: Hello | undefined;
  private nextId = 1;
  private pending = new Map<number, PendingReply>();

  constructor(readonly socket: net.Socket) {}

  get pid(): number {
    return this.hello?.pid ?? 0;
  }

  /** Sends a command; resolves with its reply parsed by the command's schema (protocol.ts), rejects with the
   * probe's error, a malformed reply or a timeout. */
  command<N extends CommandName>(
    name: N,
    args: Record<string, unknown> = {},
    timeoutMs = 10_000,
  ): Promise<CommandReply<N>> {
    const id = this.nextId++;
    const cmd: ProbeCommand = { type: 'command', id, name, args };
    return new Promise<CommandReply<N>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`probe in pid ${this.pid} did not answer '${name}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { name, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify(cmd) + '\n');
    });
  }

  settle(id: number, ok: boolean, result: unknown, error: string | undefined): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (!ok) {
      waiting.reject(new Error(error ?? 'probe command failed'));
      return;
    }
    const parsed = parseCommandReply(waiting.name, result);
    if (parsed.ok) waiting.resolve(parsed.reply);
    else
      waiting.reject(
        new Error(
          `probe in pid ${this.pid} answered '${waiting.name}' with a malformed reply: ${parsed.error}`,
        ),
      );
  }

  failAll(reason: string): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(reason));
      this.pending.delete(id);
    }
  }
}

/**
 * The loopback server every probe connects to. The first line must be a hello carrying the session token;
 * lines are NDJSON capped at LINE_CAP bytes; every line is schema-checked and a bad one is dropped.
 */
export class ProbeLink {
  private server = net.createServer((socket) => this.accept(socket));
  readonly connections = new Set<ProbeConnection>();
  droppedLines = 0;
  private waiting = 0;
  /** Per connection: the problems said in the current second, and those held back. */
  private said = new WeakMap<ProbeConnection, { since: number; told: number; held: number }>();

  constructor(
    private readonly token: string,
    private readonly events: LinkEvents,
    private readonly helloTimeoutMs = HELLO_TIMEOUT_MS,
  ) {}

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('probe link: no port'));
      });
    });
  }

  close(): Promise<void> {
    for (const conn of this.connections) conn.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const conn = new ProbeConnection(socket);
    const remote = socket.remoteAddress ?? '';
    if (remote !== '127.0.0.1' && remote !== '::ffff:127.0.0.1') {
      this.events.problem(`probe link: refused a connection from ${remote}`);
      socket.destroy();
      return;
    }
    if (this.waiting >= MAX_WAITING_FOR_HELLO) {
      this.events.problem(
        `probe link: refused a connection: ${MAX_WAITING_FOR_HELLO} are already waiting to say hello`,
      );
      socket.destroy();
      return;
    }
    this.waiting++;
    let waiting = true;
    const greeted = (): void => {
      if (waiting) this.waiting--;
      waiting = false;
    };
    socket.setNoDelay(true);
    const helloTimer = setTimeout(() => {
      this.events.problem('probe link: a connection sent no hello in time and was closed');
      socket.destroy();
    }, this.helloTimeoutMs);

    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let skipping = false; // inside an oversized line: discard until its newline

    const handleLine = (line: string): boolean => {
      if (line.trim() === '') return true;
      const parsed = parseProbeLine(line);
      if (!conn.hello) {
        clearTimeout(helloTimer);
        if (!parsed.ok || parsed.message.type !== 'hello') {
          this.events.problem('probe link: refused a connection whose first line was not a hello');
          socket.destroy();
          return false;
        }
        if (!tokensMatch(parsed.message.token, this.token)) {
          this.events.problem(`probe link: refused pid ${parsed.message.pid}: wrong token`);
          socket.destroy();
          return false;
        }
        conn.hello = parsed.message;
        greeted();
        this.connections.add(conn);
        this.events.hello(conn);
        return true;
      }
      if (!parsed.ok) {
        this.droppedLines++;
        this.problem(conn, `probe link: dropped a malformed line from pid ${conn.pid} (${parsed.error})`);
        return true;
      }
      const message = parsed.message;
      if (message.type === 'hello') {
        this.droppedLines++;
        this.problem(conn, `probe link: dropped a second hello from pid ${conn.pid}`);
      } else if (message.type === 'reply') {
        conn.settle(message.id, message.ok, message.result, message.error);
      } else {
        this.events.message(conn, message);
      }
      return true;
    };

    const cap = (): number => (conn.hello ? LINE_CAP : HELLO_LINE_CAP);
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) break;
        const piece = chunk.subarray(start, nl);
        start = nl + 1;
        if (skipping) {
          skipping = false;
          continue;
        }
        if (bufferedBytes + piece.length > cap()) {
          this.dropOversized(conn);
          buffered = [];
          bufferedBytes = 0;
          continue;
        }
        const line = Buffer.concat([...buffered, piece]).toString('utf8');
        buffered = [];
        bufferedBytes = 0;
        if (!handleLine(line)) return;
      }
      const rest = chunk.subarray(start);
      if (skipping || rest.length === 0) return;
      if (bufferedBytes + rest.length > cap()) {
        this.dropOversized(conn);
        buffered = [];
        bufferedBytes = 0;
        skipping = true;
        return;
      }
      buffered.push(Buffer.from(rest));
      bufferedBytes += rest.length;
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(helloTimer);
      greeted();
      this.tellHeld(conn);
      conn.failAll(`probe in pid ${conn.pid} disconnected`);
      if (this.connections.delete(conn)) this.events.close(conn);
    });
  }

  private dropOversized(conn: ProbeConnection): void {
    this.droppedLines++;
    if (!conn.hello) {
      this.events.problem(
        `probe link: refused a connection whose first line ran over ${HELLO_LINE_CAP} bytes`,
      );
      conn.socket.destroy();
      return;
    }
    this.problem(conn, `probe link: dropped a line over ${LINE_CAP} bytes from pid ${conn.pid}`);
  }

  /** A connected probe's problem, said at most PROBLEMS_PER_SECOND times a second; the rest counted. */
  private problem(conn: ProbeConnection, message: string): void {
    const now = Date.now();
    let s = this.said.get(conn);
    if (!s || now - s.since >= 1000) {
      if (s) this.tellHeld(conn);
      s = { since: now, told: 0, held: 0 };
      this.said.set(conn, s);
    }
    if (s.told < PROBLEMS_PER_SECOND) {
      s.told++;
      this.events.problem(message, conn);
    } else s.held++;
  }

  private tellHeld(conn: ProbeConnection): void {
    const s = this.said.get(conn);
    if (!s?.held) return;
    this.events.problem(
      `probe link: ${s.held} more bad lines from pid ${conn.pid} in that second were dropped`,
      conn,
    );
    s.held = 0;
  }
}
