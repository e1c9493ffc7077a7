import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { recordingVerdicts, type RecordedMeasure } from './analysis/recording-verdict.ts';
import type { GaugesDto } from '../preload/contract.ts';
import { Ingest, SnapshotChunks, type IngestedProcess } from './ingest.ts';
import { measureFigures, probeMessageSchema } from './probe/protocol.ts';
import type { Library } from './store/library.ts';
import { routeSummaries } from './store/queries.ts';
import { addGauges } from './store/checklist.ts';
import { addScanResult, type ScanGauges } from './store/scans.ts';
import { SessionFileError } from './store/session-file.ts';
import type { FileProgress, ImportResult } from './store/session-import.ts';
import { storeSnapshot } from './store/snapshots.ts';
import { SessionWriter } from './store/writer.ts';

/** The probe caps its lines at 1 MiB; a longer one is not from the probe. */
const MAX_LINE = 1 << 20;
const FLUSH_EVERY = 2000;

/** A process's gauges as recorded, with its requests per route when they were read. */
interface RecordedGauges {
  gauges: GaugesDto;
  routes: Record<string, number>;
}

interface Stream extends IngestedProcess {
  lastT: number;
  requests: number;
  measures: RecordedMeasure[];
  /** The first and the latest gauges (record mode reads them right after each measurement). */
  gauges: { first: RecordedGauges; last: RecordedGauges } | null;
}

/**
 * A probe recording (`DJLEAK_RECORD=file python -m djleak_probe run -- …`, made where djleak is not installed)
 * turned into a session: the lines of every process, validated like the live link's, split by pid (each
 * stream starts with its hello); samples, requests, logs and snapshots stored as a live session's are; and
 * verdicts per route from the probe's own periodic measurements. A file that is not a recording is refused and
 * leaves no session behind.
 */
export async function importRecording(
  library: Library,
  file: string,
  onProgress: (p: FileProgress) => void = () => undefined,
): Promise<ImportResult & { lines: number; skipped: number }> {
  const source = path.resolve(file);
  const name = path.basename(source);
  const size = statSync(source).size;
  let sessionId = 0;
  let writer: SessionWriter | undefined;
  const chunks = new SnapshotChunks(true);
  // What a recording adds to the common ingest: its streams' times, the measures and gauges for the
  // verdicts, the recorded snapshots.
  const ingest = new Ingest<Stream>({
    library,
    sessionId: () => sessionId,
    writer: () => writer,
    chunks,
    flush: () => writer!.flush(),
    open: (hello, processId) => ({
      pid: hello.pid,
      processId,
      lastT: hello.t,
      requests: 0,
      measures: [],
      gauges: null,
    }),
    at: (stream) => stream.lastT,
    samples: (stream, message) => {
      stream.lastT = message.items.at(-1)?.t ?? stream.lastT;
    },
    requests: (stream, message) => {
      stream.requests += message.items.length;
    },
    bye: (stream, message) => {
      stream.lastT = message.t;
    },
    measure: (stream, message) => {
      stream.measures.push({
        t: message.t,
        routes: message.routes,
        post: measureFigures(message.after ?? message.before),
        collected: message.collected ?? 0,
        garbageBytes: message.garbage_bytes ?? 0,
        gcEnabled: message.gc_enabled,
        fullCollections: message.gc_collections[2] ?? 0,
      });
      stream.lastT = message.t;
    },
    snapshot: (stream, message) => {
      writer!.flush();
      const rows = chunks.take(stream.pid, message.id);
      if (!message.started_tracing)
        storeSnapshot(
          library.db,
          sessionId,
          {
            pid: stream.pid,
            label: `recorded ${message.id}`,
            t: message.t,
            frames: message.frames,
            traced_bytes: message.traced_bytes,
            rows_total: message.rows_total,
            truncated: message.truncated,
            requests: stream.requests,
          },
          rows,
        );
    },
    gauges: (stream, message) => {
      const { type: _type, ...read } = message;
      const recorded = { gauges: { ...read, pid: stream.pid }, routes: stream.measures.at(-1)?.routes ?? {} };
      addGauges(library.db, sessionId, 'recorded', [recorded.gauges]);
      stream.gauges = { first: stream.gauges?.first ?? recorded, last: recorded };
    },
  });
  let lines = 0;
  let skipped = 0;
  let lastT = 0;
  let read = 0;
  const input = createReadStream(source, { encoding: 'utf8' });
  input.on('data', (chunk) => {
    read += Buffer.byteLength(chunk);
    onProgress({ phase: 'reading', done: Math.min(read, size), total: size });
  });
  try {
    for await (const line of boundedLines(input, MAX_LINE)) {
      if (line !== null && !line.trim()) continue;
      lines++;
      let raw: unknown;
      try {
        raw = line === null ? null : JSON.parse(line);
      } catch {
        raw = null;
      }
      const parsed = probeMessageSchema.safeParse(raw);
      const pid = (raw as { pid?: unknown } | null)?.pid;
      if (!parsed.success || typeof pid !== 'number') {
        if (sessionId === 0 && lines >= 20)
          throw new SessionFileError(
            'not-sqlite',
            `${name} is neither a djleak session file nor a probe recording`,
          );
        skipped++;
        continue;
      }
      const message = parsed.data;
      if (message.type === 'hello') {
        if (sessionId === 0) {
          const gunicorn = [...(message.command ?? []), ...message.argv].some((a) => a.includes('gunicorn'));
          sessionId = library.createSession({
            name: `recording ${name}`,
            project: message.cwd ?? path.dirname(source),
            python: message.executable ?? null,
            pythonVersion: message.python,
            server: gunicorn ? 'gunicorn' : 'runserver',
            command: message.command ?? message.argv,
            startedAt: message.t,
          });
          library.updateSession(sessionId, { status: 'running' });
          writer = new SessionWriter(library.db, sessionId);
        }
        ingest.hello(message);
        lastT = Math.max(lastT, message.t);
        continue;
      }
      const stream = ingest.message(pid, message);
      if (!stream) {
        skipped++; // a line before its process's hello
        continue;
      }
      lastT = Math.max(lastT, stream.lastT);
      if (writer!.pending >= FLUSH_EVERY) writer!.flush();
    }
    if (sessionId === 0)
      throw new SessionFileError(
        'not-sqlite',
        `${name} is neither a djleak session file nor a probe recording`,
      );
    writer!.flush(true);
    storeVerdicts(library, sessionId, ingest.all());
    library.endOpenProcesses(sessionId, lastT);
    library.updateSession(sessionId, {
      status: 'stopped',
      ended_at: lastT,
      origin: JSON.stringify({
        file: source,
        imported_at: Date.now() / 1000,
        recording: true,
        lines,
        skipped,
      }),
    });
    if (skipped)
      writer!.addEvent(
        'engine',
        'warning',
        `${skipped} of ${lines} lines of ${name} were not probe messages and were left out`,
      );
    writer!.flush();
    onProgress({ phase: 'verdicts', done: 1, total: 1 });
    return { sessionId, name: `recording ${name}`, lines, skipped };
  } catch (error) {
    if (sessionId) library.deleteSession(sessionId);
    throw error;
  } finally {
    input.destroy();
  }
}

/**
 * The lines of a text stream, each at most `max` characters: a longer one is skipped as it streams by (yielded
 * as null) instead of being built up in memory (a file with no newline would otherwise grow one string until
 * V8's limit ends the process).
 */
export async function* boundedLines(
  input: AsyncIterable<string | Buffer>,
  max: number,
): AsyncGenerator<string | null> {
  let partial = '';
  let skipping = false;
  for await (const chunk of input) {
    const text = String(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      if (skipping || partial.length + piece.length > max) yield null;
      else yield (partial + piece).replace(/\r$/, '');
      partial = '';
      skipping = false;
      start = nl + 1;
    }
    if (!skipping) {
      partial += text.slice(start);
      if (partial.length > max) {
        partial = '';
        skipping = true;
      }
    }
  }
  if (skipping) yield null;
  else if (partial) yield partial;
}

/**
 * The recorded gauges as evidence for the one leaking route, when only one leaks: the growth between the first
 * and the last gauges is then that route's (with several, it could be any of them's, so none gets it).
 */
function gaugesEvidence(streams: readonly Stream[], key: string): ScanGauges | null {
  const read = streams.flatMap((s) => (s.gauges ? [s.gauges] : []));
  if (read.length === 0) return null;
  return {
    before: read.map((g) => g.first.gauges),
    after: read.map((g) => g.last.gauges),
    requests: read.reduce((n, g) => n + (g.last.routes[key] ?? 0) - (g.first.routes[key] ?? 0), 0),
  };
}

/** One scan result per route the recording's measurements could judge. */
function storeVerdicts(library: Library, sessionId: number, streams: readonly Stream[]): void {
  const routes = routeSummaries(library.db, sessionId);
  const verdicts = recordingVerdicts(streams.map((s) => s.measures));
  const leaking = verdicts.filter((v) => v.verdict === 'leak');
  for (const v of verdicts) {
    const errors = routes.find((r) => r.method === v.method && r.route === v.route)?.errors ?? 0;
    addScanResult(library.db, sessionId, {
      method: v.method,
      path: v.route === null ? '(no route)' : `/${v.route}`,
      route: v.route,
      sent: v.sent,
      errors,
      statuses: {},
      verdict: v.verdict,
      cause: v.cause,
      confidence: v.confidence,
      retained_bytes_per_request: v.retained_bytes_per_request,
      retained_range: v.retained_range,
      blocks_per_request: v.blocks_per_request,
      requests_needed: v.requests_needed,
      garbage_bytes_per_request: v.garbage_bytes_per_request,
      objects_per_request: v.objects_per_request,
      reason: `from the recording's measurements: ${v.reason}`,
      points: v.points,
      partial: false,
      started_at: v.started_at,
      ended_at: v.ended_at,
      gauges: leaking.length === 1 && leaking[0] === v ? gaugesEvidence(streams, v.key) : null,
    });
  }
}
