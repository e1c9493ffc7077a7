/** Who holds a type's instances in a serving process: the probe's referrer search, for the API and the diagnosis. */
import type { HeldByDto, ReferrersDto } from '../../preload/contract.ts';
import { EngineError } from '../engine-errors.ts';
import type { ProbeConnection } from '../probe/link.ts';

export interface ReferrerSearch {
  /** The allocation site (absolute file, line) the instances must come from: needs tracemalloc on. */
  site?: [string, number] | null;
  samples: number;
  maxDepth: number;
  budgetMs: number;
  /** Default: 30 s plus twice the budget. */
  timeoutMs?: number;
  /** Refuse a site search when the process is not tracing (say why instead of finding nothing), naming the site as
   * the user gave it. */
  requireTracing?: { site: string };
}

/** The chains from roots to sampled instances of `type`. */
export async function findReferrers(
  probe: ProbeConnection,
  type: string,
  search: ReferrerSearch,
): Promise<ReferrersDto> {
  const args: Record<string, unknown> = {
    type,
    samples: search.samples,
    max_depth: search.maxDepth,
    budget_ms: search.budgetMs,
  };
  if (search.site) {
    if (search.requireTracing && !(await probe.command('trace_status', {})).tracing)
      throw new EngineError(
        'bad-input',
        `tracing is off, and only tracemalloc records the line an object was allocated at: start tracing, send requests to the endpoint, then ask who holds what ${search.requireTracing.site} allocates`,
      );
    args.site = search.site;
  }
  return probe.command('referrers', args, search.timeoutMs ?? 30_000 + search.budgetMs * 2);
}

/** The nearest named root that holds instances of `type` (allocated at `site` when given), or null. */
export async function heldBy(
  probe: ProbeConnection,
  type: string,
  site: [string, number] | null,
): Promise<{ held_by: HeldByDto; referrers: ReferrersDto } | null> {
  let reply: ReferrersDto;
  try {
    // 10 s: once a scan has extended a few leaks to confirm them (300-1,000 requests each), the search from a
    // traced string to the demo's module-level memo took ~3.2 s under tracing (58k strings), past the 3 s it had
    reply = await findReferrers(probe, type, {
      site,
      samples: 3,
      maxDepth: 12,
      budgetMs: 10_000,
      timeoutMs: 30_000,
    });
  } catch {
    return null;
  }
  const best = reply.chains.filter((c) => c.root.kind !== 'unknown').sort((x, y) => x.depth - y.depth)[0];
  if (!best) return null;
  const chain = best.steps.map((s) => s.label).join(' → ');
  return { held_by: { type, root: best.root, chain, partial: best.partial }, referrers: reply };
}
