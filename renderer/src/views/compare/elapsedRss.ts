import type { SeriesDto, TimelineDto } from '../../../../preload/contract.ts';

const MB = 1024 * 1024;

/**
 * Where elapsed time starts on the Compare chart's date axis: a UTC midnight, so the axis reads
 * hours:minutes:seconds (plotly takes small numbers on a date axis for years, so the epoch will not do).
 */
export const ELAPSED_ORIGIN = Date.UTC(2000, 0, 1);

/**
 * The session's memory as one series: every process's RSS added up at each moment one of them was sampled,
 * each process holding its last value until its next point and counting only while it lived.
 */
export function totalRss(processes: readonly { rss: SeriesDto }[]): SeriesDto {
  const series = processes.map((p) => p.rss).filter((s) => s.t.length > 0);
  if (series.length === 1) return series[0]!;
  const times = [...new Set(series.flatMap((s) => s.t))].sort((a, b) => a - b);
  const at = series.map(() => -1);
  const out: SeriesDto = { t: [], v: [] };
  for (const t of times) {
    let sum = 0;
    series.forEach((s, i) => {
      let j = at[i]!;
      while (j + 1 < s.t.length && s.t[j + 1]! <= t) j++;
      at[i] = j;
      if (j >= 0 && t <= s.t[s.t.length - 1]!) sum += s.v[j]!;
    });
    out.t.push(t);
    out.v.push(sum);
  }
  return out;
}

/** A session's total RSS in MB against the time since its first sample (on the ELAPSED_ORIGIN axis). */
export function elapsedRss(timeline: TimelineDto): { x: number[]; y: number[] } {
  const span = timeline.span;
  const rss = totalRss(timeline.processes);
  if (!span) return { x: [], y: [] };
  return { x: rss.t.map((t) => ELAPSED_ORIGIN + (t - span.from) * 1000), y: rss.v.map((v) => v / MB) };
}
