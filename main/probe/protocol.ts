import { z } from 'zod';
import type { ActionFiguresDto, GaugesDto, ReferrersDto, ScanFiguresDto } from '../../preload/contract.ts';

/** Marks the engine's own HTTP requests (readiness checks, warm-up) so the probe does not record them. */
export const INTERNAL_HEADER = 'X-Djleak-Internal';

/** Wire format of assets/probe/PROTOCOL.md. Every line from a probe is parsed here once; code behind trusts it. */

const count3 = z.tuple([z.number().int(), z.number().int(), z.number().int()]);
const finite = z.number().finite();
const bytes = z.number().int().nonnegative();

export const helloSchema = z.object({
  type: z.literal('hello'),
  v: z.literal(1),
  token: z.string().nullable(),
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  role: z.enum(['main', 'worker']),
  t: finite,
  python: z.string().max(200),
  executable: z.string().max(4096).optional(),
  argv: z.array(z.string().max(4096)).max(1000),
  psutil: z.boolean().optional(),
  command: z.array(z.string().max(4096)).max(1000).nullable().optional(),
  cwd: z.string().max(4096).nullable().optional(),
});

export const sampleSchema = z.object({
  t: finite,
  rss: bytes,
  /** Heap in use; absent from probes before it, null where it cannot be read. */
  heap: bytes.nullable().optional(),
  gc_count: count3,
  gc_collections: count3,
  gc_collected: count3,
  gc_uncollectable: count3,
  gc_enabled: z.boolean(),
  threads: z.number().int().nonnegative(),
  fds: z.number().int().nonnegative().nullable(),
});

export const requestSchema = z.object({
  t: finite,
  method: z.string().max(16),
  route: z.string().max(2000).nullable(),
  view: z.string().max(500).nullable().optional(),
  path: z.string().max(4000),
  status: z.number().int().min(0).max(999),
  duration_ms: finite.nonnegative(),
  rss_before: bytes,
  rss_after: bytes,
});

const maxBatch = 10_000;

const figures = z.object({
  /** Null where it cannot be read. */
  rss: bytes.nullable(),
  blocks: z.number().int().nonnegative(),
  gc_objects: z.number().int().nonnegative(),
  traced: bytes.nullable(),
  /** Heap in use (pymalloc + malloc); absent from probes before it, null where it cannot be read. */
  heap: bytes.nullable().optional(),
});

/** The `measure` command's answer; in a recording, a `measure` line with the requests per route so far. */
export const measureSchema = z.object({
  t: finite,
  before: figures,
  after: figures.nullable(),
  collected: z.number().int().nonnegative().nullable(),
  garbage_bytes: bytes.nullable(),
  gc_enabled: z.boolean(),
  gc_collections: z.array(z.number().int().nonnegative()).max(3),
  /** Full collections the probe itself ran so far (a measurement runs two or three); absent from older probes. */
  probe_full_collections: z.number().int().nonnegative().optional(),
});
export type Measurement = z.infer<typeof measureSchema>;

/** One measurement as scans and verdicts keep it (an RSS that could not be read counts as 0). */
export function measureFigures(m: Measurement['before']): ScanFiguresDto {
  return {
    rss: m.rss ?? 0,
    blocks: m.blocks,
    gcObjects: m.gc_objects,
    traced: m.traced,
    heap: m.heap ?? null,
  };
}

/** The `login` command's answer: the session cookie a scan sends to be logged in. */
export const loginSchema = z.object({
  cookie: z.string().min(1).max(200),
  session_key: z.string().min(1).max(10_000),
  user: z.string().max(1000),
  user_model: z.string().max(200),
  session_engine: z.string().max(300),
});

/** The `snapshot` command's answer; in a recording, a `snapshot` line after its chunks. */
export const snapshotSummarySchema = z.object({
  id: z.string().max(64),
  t: finite,
  started_tracing: z.boolean(),
  frames: z.number().int().nonnegative(),
  traced_bytes: bytes,
  rows_total: z.number().int().nonnegative(),
  truncated: z.boolean(),
});

/** A gauges part: its figures, or why it could not be read. */
const gaugePart = <T extends z.ZodType>(shape: T) =>
  z.union([shape, z.object({ error: z.string().max(2000) })]);
const count = z.number().int().nonnegative();
const optionalCount = count.nullable();
const name = z.string().max(1000);
const counts = z.record(z.string().max(1000), count);

/** The `gauges` command's answer (assets/probe/PROTOCOL.md; GaugesDto without the pid), and record mode's
 * `gauges` line. Validated: a recording may come from anywhere, and the detectors read these figures. */
export const gaugesSchema = z.object({
  t: finite,
  gc: gaugePart(
    z.object({
      enabled: z.boolean(),
      threshold: z.array(z.number().int()).max(3),
      count: z.array(z.number().int()).max(3),
      stats: z.array(z.object({ collections: count, collected: count, uncollectable: count })).max(3),
      garbage: count,
      frozen: count,
    }),
  ),
  caches: gaugePart(
    z
      .array(
        z.object({
          alias: name,
          backend: name,
          entries: optionalCount,
          bytes: optionalCount,
          entry_bytes: optionalCount.optional(),
          max_entries: optionalCount,
          cull_frequency: optionalCount,
          default_timeout: z.number().nullable(),
        }),
      )
      .max(100),
  ),
  db: gaugePart(
    z.object({
      wrappers: count,
      open: count,
      open_by_alias: counts,
      open_outside_requests: count,
      open_by_thread_name: counts,
      oldest_open_s: z.number().nonnegative().nullable(),
      queries_logged: count,
      debug: z.boolean(),
      background_bytes: count.optional(),
    }),
  ),
  sessions: gaugePart(
    z.object({
      engine: name.nullable(),
      stored: optionalCount.optional(),
      bytes: optionalCount.optional(),
      expired: optionalCount.optional(),
      table: name.nullable().optional(),
      in_memory: z.object({ alias: name, stored: count, bytes: count }).nullable().optional(),
    }),
  ),
  containers: gaugePart(
    z
      .array(
        z.object({
          name,
          type: name,
          holder: z.enum(['module global', 'class attribute', 'instance attribute']).optional(),
          len: count,
          bytes: count,
          entry_bytes: count.optional(),
          callbacks: count.optional(),
          session_keys: z.boolean().optional(),
        }),
      )
      .max(1000),
  ),
  lru_caches: gaugePart(
    z
      .array(
        z.object({
          name,
          maxsize: optionalCount,
          currsize: count,
          hits: count,
          misses: count,
          bytes: optionalCount.optional(),
          entry_bytes: optionalCount.optional(),
        }),
      )
      .max(1000),
  ),
  signals: gaugePart(
    z.array(z.object({ name, receivers: count, strong: count, strong_bytes: count.optional() })).max(1000),
  ),
  threads: gaugePart(z.object({ count, by_name: counts })),
  elapsed_ms: z.number().nonnegative(),
});

export const probeMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('samples'), items: z.array(sampleSchema).max(maxBatch) }),
  z.object({ type: z.literal('requests'), items: z.array(requestSchema).max(maxBatch) }),
  z.object({
    type: z.literal('django'),
    version: z.string().max(50),
    settings: z.string().max(500).nullable(),
    middleware: z.boolean(),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['debug', 'info', 'warning', 'error']),
    message: z.string().max(10_000),
  }),
  z.object({
    type: z.literal('reply'),
    id: z.number().int(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: z.string().max(10_000).optional(),
  }),
  z.object({ type: z.literal('bye'), t: finite, reason: z.string().max(200) }),
  measureSchema.extend({
    type: z.literal('measure'),
    routes: z.record(z.string().max(2100), z.number().int().nonnegative()),
  }),
  snapshotSummarySchema.extend({ type: z.literal('snapshot') }),
  gaugesSchema.extend({ type: z.literal('gauges') }),
  z.object({
    type: z.literal('snapshot_chunk'),
    id: z.string().max(64),
    seq: z.number().int().nonnegative(),
    rows: z
      .array(
        z.object({
          size: bytes,
          count: z.number().int().nonnegative(),
          frames: z.array(z.tuple([z.string().max(4096), z.number().int().nonnegative()])).max(200),
        }),
      )
      .max(maxBatch),
  }),
]);

export type SnapshotChunk = Extract<ProbeMessage, { type: 'snapshot_chunk' }>;
export type SnapshotRow = SnapshotChunk['rows'][number];

export type Hello = z.infer<typeof helloSchema>;
export type Sample = z.infer<typeof sampleSchema>;
export type RequestRecord = z.infer<typeof requestSchema>;
export type ProbeMessage = z.infer<typeof probeMessageSchema>;
export type StreamMessage = Exclude<ProbeMessage, { type: 'hello' | 'reply' }>;

export type ParseResult = { ok: true; message: ProbeMessage } | { ok: false; error: string };

/** Parses one NDJSON line; never throws. */
export function parseProbeLine(line: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = probeMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'message';
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, message: parsed.data };
}

/** A URL pattern of the `urls` command's answer. Its strings are not capped here: a reason quotes Django's own
 * error (a Resolver404 lists every pattern it tried), and the link's line cap bounds the whole reply. */
export const urlPatternSchema = z.object({
  route: z.string(),
  name: z.string().nullable(),
  view: z.string().nullable(),
  has_params: z.boolean(),
  regex: z.boolean().optional(),
  /** A concrete path: the route itself, or with its parameters filled from an existing row. */
  example: z.string().nullable(),
  /** Filled parameters: where their values came from ("catalog.Book pk=1"). */
  example_from: z.string().nullable().optional(),
  /** Parameters not filled: why. */
  why: z.string().nullable().optional(),
});
export type UrlPattern = z.infer<typeof urlPatternSchema>;

/** The `referrers` command's answer: ReferrersDto (tied below). */
export const referrersSchema = z.object({
  type: z.string(),
  instances: count,
  tracked: z.boolean(),
  chains: z
    .array(
      z.object({
        root: z.object({
          kind: z.string(),
          name: z.string(),
          thread: z.string().optional(),
          exhausted: z.boolean().optional(),
        }),
        steps: z.array(z.object({ type: z.string(), label: z.string() })).max(1000),
        depth: count,
        partial: z.boolean(),
      }),
    )
    .max(100),
  partial: z.boolean(),
  site_checked: count.optional(),
  elapsed_ms: z.number().nonnegative().optional(),
});

const actionFigures = z.object({
  rss: bytes.nullable(),
  heap: bytes.nullable().optional(),
  blocks: count,
  gc_objects: count,
});

/** Each command's answer (assets/probe/PROTOCOL.md). `command()` parses a reply with its schema, so nothing
 * behind it casts: a probe that answers something else is an error said where it arrives. */
export const commandReplySchemas = {
  ping: z.object({ t: finite }),
  gc_collect: z.object({ collected: count, rss_before: bytes.nullable(), rss_after: bytes.nullable() }),
  sample_now: z.object({ sample: sampleSchema }),
  measure: measureSchema,
  urls: z.object({ patterns: z.array(urlPatternSchema).max(100_000), count, truncated: z.boolean() }),
  trace_start: z.object({ tracing: z.literal(true), frames: count, was_tracing: z.boolean() }),
  trace_stop: z.object({ tracing: z.literal(false), was_tracing: z.boolean() }),
  trace_status: z.object({
    tracing: z.boolean(),
    frames: count.nullable(),
    traced_bytes: bytes,
    peak_bytes: bytes,
    overhead_bytes: bytes,
  }),
  snapshot: snapshotSummarySchema,
  census: z.object({
    t: finite,
    total_objects: count,
    types_total: count.optional(),
    types: z.array(z.object({ type: z.string(), count, size: bytes })).max(100_000),
  }),
  referrers: referrersSchema,
  gauges: gaugesSchema,
  action: z.object({
    name: z.string().max(100),
    before: actionFigures,
    after: actionFigures,
    effect: z.record(z.string().max(1000), z.unknown()),
    message: z.string().max(10_000),
  }),
  login: loginSchema,
} as const;

/** Schemas and the contract types they produce agree both ways (a compile error otherwise). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Tie<T extends true> = T;
export type _SchemasMatchTheContract = [
  Tie<Same<z.infer<typeof referrersSchema>, ReferrersDto>>,
  Tie<Same<z.infer<typeof gaugesSchema>, Omit<GaugesDto, 'pid'>>>,
  Tie<Same<z.infer<typeof actionFigures>, ActionFiguresDto>>,
];

export type CommandName = keyof typeof commandReplySchemas;
export type CommandReply<N extends CommandName> = z.infer<(typeof commandReplySchemas)[N]>;

/** Parses a command's result with its schema: the reply, or why it is not one. */
export function parseCommandReply<N extends CommandName>(
  name: N,
  result: unknown,
): { ok: true; reply: CommandReply<N> } | { ok: false; error: string } {
  const parsed = commandReplySchemas[name].safeParse(result);
  if (parsed.success) return { ok: true, reply: parsed.data as CommandReply<N> };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'result';
  return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
}

export interface ProbeCommand {
  type: 'command';
  id: number;
  name: CommandName;
  args: Record<string, unknown>;
}
