import type { Sample } from '../../main/probe/protocol.ts';

const zero = (): [number, number, number] => [0, 0, 0];

/** A probe sample for tests: `t` and `rss` as given, the GC figures zero, one thread; `more` overrides. */
export function sampleItem(t: number, rss: number, more: Partial<Sample> = {}): Sample {
  return {
    t,
    rss,
    gc_count: zero(),
    gc_collections: zero(),
    gc_collected: zero(),
    gc_uncollectable: zero(),
    gc_enabled: true,
    threads: 1,
    fds: null,
    ...more,
  };
}
