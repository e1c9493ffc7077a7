/**
 * The goals the benchmarks' figures are held to, read from the JSON `npm run bench` prints. With `--check`, a
 * figure that misses its goal makes the run exit 1 (after the JSON), so a regression shows in one command.
 */

export interface Goal {
  /** Where the figure is in the results, e.g. `sensitivity.false_leaks_total`. */
  figure: string;
  value: unknown;
  goal: string;
  met: boolean;
}

type Results = Record<string, unknown>;

const at = (results: Results, dotted: string): unknown =>
  dotted
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Results)[k] : undefined), results);

/** Every `{..., met: boolean}` a benchmark reports itself (the 8-hour session's goals), by its path. */
function reported(value: unknown, where: string, out: Goal[]): void {
  if (!value || typeof value !== 'object') return;
  const record = value as Results;
  if (typeof record.met === 'boolean') {
    const goalKey = Object.keys(record).find((k) => k.startsWith('goal'));
    out.push({
      figure: where,
      value: Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'met' && !k.startsWith('goal'))),
      goal: goalKey ? `${goalKey} ${JSON.stringify(record[goalKey])}` : 'met',
      met: record.met,
    });
  }
  for (const [k, v] of Object.entries(record)) if (k !== 'met') reported(v, where ? `${where}.${k}` : k, out);
}

/** The goals of the figures present in `results` (a run of one benchmark checks its own). */
export function goals(results: Results): Goal[] {
  const out: Goal[] = [];
  reported(results, '', out);
  const check = (figure: string, goal: string, met: (v: unknown) => boolean): void => {
    const value = at(results, figure);
    if (value !== undefined) out.push({ figure, value, goal, met: met(value) });
  };
  // Issue 12: every planted leak of slow_leaks found in every run, no control called a leak, the demo as planted.
  check('sensitivity.leaks_found_every_run', 'all of them (n/n)', (v) => {
    const [found, all] = String(v).split('/');
    return found === all;
  });
  check('sensitivity.false_leaks_total', '0', (v) => v === 0);
  check('sensitivity.demo_mismatches', 'none', (v) => Array.isArray(v) && v.length === 0);
  // The probe in light mode costs at most 5 % of a fast view's throughput.
  const probe = at(results, 'probe_overhead');
  if (probe && typeof probe === 'object')
    for (const [endpoint, figures] of Object.entries(probe as Results))
      if (figures && typeof figures === 'object' && 'light_mode_ratio' in figures)
        check(
          `probe_overhead.${endpoint}.light_mode_ratio`,
          '>= 0.95',
          (v) => typeof v === 'number' && v >= 0.95,
        );
  return out;
}
