import type { Hello, ProbeMessage, SnapshotRow } from './probe/protocol.ts';
import type { Library } from './store/library.ts';
import type { SessionWriter } from './store/writer.ts';

/** A snapshot's rows held in memory before storing: the probe's own limit is 100k; this is the hard stop. */
export const MAX_SNAPSHOT_ROWS = 200_000;

/**
 * The rows of the snapshots under way, per process and snapshot id, as their `snapshot_chunk` lines arrive.
 * `unasked`: a recording keeps the chunks of every snapshot; a live session only those of the snapshots it
 * asked for (expect(), main/heap/capture.ts).
 */
export class SnapshotChunks {
  private readonly held = new Map<string, SnapshotRow[]>();

  constructor(private readonly unasked = false) {}

  /** The chunks of this snapshot are to be kept. */
  expect(pid: number, id: string): void {
    this.held.set(`${pid}:${id}`, []);
  }

  add(pid: number, id: string, rows: readonly SnapshotRow[]): void {
    const key = `${pid}:${id}`;
    let held = this.held.get(key);
    if (!held && this.unasked) this.held.set(key, (held = []));
    // Chunks come before the snapshot's reply; ones nobody asked for are dropped (unless `unasked`).
    if (held && held.length + rows.length <= MAX_SNAPSHOT_ROWS) held.push(...rows);
  }

  /** The rows collected for this snapshot, which are then forgotten. */
  take(pid: number, id: string): SnapshotRow[] {
    const key = `${pid}:${id}`;
    const rows = this.held.get(key) ?? [];
    this.held.delete(key);
    return rows;
  }
}

/** A line of a process's stream after its hello: what the link passes on, and a recording's lines. */
export type IngestedMessage = Exclude<ProbeMessage, { type: 'hello' }>;
type Of<K extends IngestedMessage['type']> = Extract<IngestedMessage, { type: K }>;

/** A process whose hello came: its row in the library. A caller keeps its own state per process beside. */
export interface IngestedProcess {
  readonly pid: number;
  readonly processId: number;
}

/**
 * What differs between a live session (main/investigation.ts) and an imported recording (main/recording.ts).
 * The optional hooks run once the common part has stored their message; without one, the common part is all
 * (and a message only record mode sends is ignored).
 */
export interface IngestSide<P extends IngestedProcess> {
  readonly library: Library;
  /** Read at each message: a live session has them from start(), a recording from its first hello. */
  sessionId(): number;
  writer(): SessionWriter | undefined;
  /** Where `snapshot_chunk` rows go. */
  readonly chunks: SnapshotChunks;
  /** Writes the rows held by the writer. */
  flush(): void;
  /** A process's state, from its hello and its row. */
  open(hello: Hello, processId: number): P;
  /** When a process's log line happened: live, now; in a recording, its stream's last time. */
  at(process: P): number;
  log?(process: P, message: Of<'log'>, t: number): void;
  samples?(process: P, message: Of<'samples'>): void;
  requests?(process: P, message: Of<'requests'>): void;
  django?(process: P, message: Of<'django'>): void;
  bye?(process: P, message: Of<'bye'>): void;
  measure?(process: P, message: Of<'measure'>): void;
  snapshot?(process: P, message: Of<'snapshot'>): void;
  gauges?(process: P, message: Of<'gauges'>): void;
}

/**
 * The probe streams of a session into the library, one process at a time, the same way for a live session and
 * a recording: each hello adds its process (a worker's parent becomes the master); samples and requests go
 * through the session's writer; Django's version goes to the session; log lines become events; a bye ends its
 * process; snapshot chunks are collected per snapshot. The rest is the side's (IngestSide).
 */
export class Ingest<P extends IngestedProcess> {
  private readonly processes = new Map<number, P>();

  constructor(private readonly side: IngestSide<P>) {}

  /** The process of a pid whose hello came. */
  process(pid: number): P | undefined {
    return this.processes.get(pid);
  }

  /** Every process whose hello came, in the order of their first hello. */
  all(): P[] {
    return [...this.processes.values()];
  }

  hello(hello: Hello): P {
    const { library } = this.side;
    // Rows of this process must reach the table before its samples do.
    this.side.flush();
    const processId = library.addProcess(this.side.sessionId(), hello);
    const parent = this.processes.get(hello.ppid);
    const process = this.side.open(hello, processId);
    this.processes.set(hello.pid, process);
    if (hello.role === 'worker' && parent) library.setProcessRole(parent.processId, 'master');
    return process;
  }

  /** Stores a message of `pid`'s stream: its process, or undefined (not stored) before its hello. */
  message(pid: number, message: IngestedMessage): P | undefined {
    const process = this.processes.get(pid);
    const writer = this.side.writer();
    if (!process || !writer) return undefined;
    switch (message.type) {
      case 'samples':
        writer.addSamples(process.processId, message.items);
        this.side.samples?.(process, message);
        break;
      case 'requests':
        writer.addRequests(process.processId, message.items);
        this.side.requests?.(process, message);
        break;
      case 'django':
        this.side.library.updateSession(this.side.sessionId(), { django: message.version });
        this.side.django?.(process, message);
        break;
      case 'log': {
        const t = this.side.at(process);
        writer.addEvent('probe', message.level, message.message, pid, t);
        this.side.log?.(process, message, t);
        break;
      }
      case 'bye':
        this.side.flush();
        this.side.library.endProcess(process.processId, message.t);
        this.side.bye?.(process, message);
        break;
      case 'snapshot_chunk':
        this.side.chunks.add(pid, message.id, message.rows);
        break;
      // Record mode's own schedule: a live session asks for these with commands (and has no hooks for them).
      case 'measure':
        this.side.measure?.(process, message);
        break;
      case 'snapshot':
        this.side.snapshot?.(process, message);
        break;
      case 'gauges':
        this.side.gauges?.(process, message);
        break;
      case 'reply':
        break; // answers to commands: the link settles them, and a recording has none
      default: {
        const unhandled: never = message;
        throw new Error(`unhandled probe message ${JSON.stringify(unhandled)}`);
      }
    }
    return process;
  }
}
