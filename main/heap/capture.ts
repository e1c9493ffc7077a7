import type { GaugesDto } from '../../preload/contract.ts';
import { SnapshotChunks } from '../ingest.ts';
import type { ProbeConnection } from '../probe/link.ts';
import { addGauges } from '../store/checklist.ts';
import type { Library } from '../store/library.ts';
import { storeCensus, storeSnapshot } from '../store/snapshots.ts';

export interface TakenSnapshot {
  snapshotId: number | null;
  pid: number;
  startedTracing: boolean;
  truncated: boolean;
  rows: number;
}

/** What a capture reads from its investigation: the session and the probes that serve requests. */
export interface CaptureTarget {
  readonly library: Library;
  readonly sessionId: number;
  servers(): ProbeConnection[];
}

/**
 * Readings of a live session's serving processes, asked of their probes and stored with the session:
 * tracemalloc snapshots (their rows arrive as stream messages before the reply, through `chunks`), object
 * censuses and the checklist's gauges.
 */
export class HeapCapture {
  readonly chunks = new SnapshotChunks();
  private snapshotSeq = 0;

  constructor(private readonly target: CaptureTarget) {}

  /**
   * A tracemalloc snapshot of every serving process, stored with the session. A process that was not
   * tracing starts now and gives no snapshot (it is the baseline moment). `maxRows` keeps the largest
   * tracebacks only (the probe says the snapshot is truncated).
   */
  async snapshot(label: string, requests: number, maxRows?: number): Promise<TakenSnapshot[]> {
    const { library, sessionId } = this.target;
    return Promise.all(
      this.target.servers().map(async (conn) => {
        const id = `s${++this.snapshotSeq}`;
        this.chunks.expect(conn.pid, id);
        try {
          const args = maxRows === undefined ? { id } : { id, limit: maxRows };
          const reply = await conn.command('snapshot', args, 120_000);
          const rows = this.chunks.take(conn.pid, id);
          if (reply.started_tracing)
            return { snapshotId: null, pid: conn.pid, startedTracing: true, truncated: false, rows: 0 };
          const snapshotId = storeSnapshot(
            library.db,
            sessionId,
            {
              pid: conn.pid,
              label,
              t: reply.t,
              frames: reply.frames,
              traced_bytes: reply.traced_bytes,
              rows_total: reply.rows_total,
              truncated: reply.truncated,
              requests,
            },
            rows,
          );
          return {
            snapshotId,
            pid: conn.pid,
            startedTracing: false,
            truncated: reply.truncated,
            rows: rows.length,
          };
        } finally {
          this.chunks.take(conn.pid, id); // forgets them when the command failed
        }
      }),
    );
  }

  /** The checklist's gauges of every serving process, stored with the session under `label`. */
  async gauges(label: string): Promise<GaugesDto[]> {
    const { library, sessionId } = this.target;
    const project = library.session(sessionId)?.project;
    const set = await Promise.all(
      this.target.servers().map(async (conn) => {
        const reply = await conn.command('gauges', { project }, 30_000);
        return { ...reply, pid: conn.pid };
      }),
    );
    addGauges(library.db, sessionId, label, set);
    return set;
  }

  /** Object counts by type in every serving process, stored with the session. */
  async census(label: string): Promise<number[]> {
    const { library, sessionId } = this.target;
    return Promise.all(
      this.target.servers().map(async (conn) => {
        const reply = await conn.command('census', { top: 200 }, 60_000);
        return storeCensus(
          library.db,
          sessionId,
          { pid: conn.pid, label, t: reply.t, total_objects: reply.total_objects },
          reply.types,
        );
      }),
    );
  }
}
