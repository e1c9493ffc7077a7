import type { Data, Layout } from 'plotly.js-dist-min';
import type { SeriesDto, TimelineDto } from '../../../../preload/contract.ts';
import type { ChartColors } from '../../theme.ts';
import { chartAxis, chartLayout } from '../chartLayout.ts';

const MB = 1024 * 1024;

/**
 * plotly reads numeric dates as UTC; shifting by the local offset makes its axis show local wall-clock
 * time without formatting thousands of date strings per tick.
 */
function offsetMs(t: number): number {
  return new Date(t * 1000).getTimezoneOffset() * 60_000;
}

export function toAxis(t: number[], offset: number): number[] {
  return t.map((s) => s * 1000 - offset);
}

/** An x-axis range value from a relayout event (a date string or a number) back to epoch seconds. */
export function fromAxis(value: unknown, offset: number): number | null {
  if (typeof value === 'number') return (value + offset) / 1000;
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s) + Number(`0.${frac}`) * 1000;
  return (ms + offset) / 1000;
}

/**
 * The engine's rate buckets can be a few milliseconds wide on a short window, which draws a comb of
 * spikes; averaging neighbours to at least a second per point reads as a rate.
 */
export function widenRate(series: SeriesDto, minWidth = 1): SeriesDto {
  const n = series.t.length;
  if (n < 2) return series;
  const width = (series.t[n - 1]! - series.t[0]!) / (n - 1);
  const group = Math.ceil(minWidth / width);
  if (group <= 1) return series;
  const out: SeriesDto = { t: [], v: [] };
  for (let i = 0; i < n; i += group) {
    const end = Math.min(n, i + group);
    let t = 0;
    let v = 0;
    for (let j = i; j < end; j++) {
      t += series.t[j]!;
      v += series.v[j]!;
    }
    out.t.push(t / (end - i));
    out.v.push(v / (end - i));
  }
  return out;
}

export interface TimelineFigure {
  data: Data[];
  layout: Partial<Layout>;
  offset: number;
  points: number;
}

export function timelineFigure(tl: TimelineDto, uirevision: string, c: ChartColors): TimelineFigure {
  const offset = offsetMs(tl.span?.from ?? Date.now() / 1000);
  const data: Data[] = [];
  let points = 0;
  tl.processes.forEach((p, i) => {
    const color = c.series[i % c.series.length]!;
    const name = `${p.role} ${p.pid}`;
    points += p.rss.t.length;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${name} RSS`,
      legendgroup: String(p.pid),
      x: toAxis(p.rss.t, offset),
      y: p.rss.v.map((v) => v / MB),
      line: { color, width: 1.6 },
      hovertemplate: `${name} RSS: %{y:.1f} MB<extra></extra>`,
    });
    // The heap in use, dashed on the same axis: what Python's allocators hand out. It grows with a leak even
    // while RSS sits still (freed memory reused); a gap between the two is memory the process keeps free.
    if (p.heap.t.length > 0)
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `${name} heap in use`,
        legendgroup: String(p.pid),
        x: toAxis(p.heap.t, offset),
        y: p.heap.v.map((v) => v / MB),
        line: { color, width: 1.2, dash: 'dash' },
        hovertemplate: `${name} heap in use: %{y:.1f} MB<extra></extra>`,
      });
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${name} GC`,
      legendgroup: String(p.pid),
      showlegend: false,
      xaxis: 'x',
      yaxis: 'y2',
      x: toAxis(p.gc.t, offset),
      y: p.gc.v,
      line: { color, width: 1.2, shape: 'hv' },
      hovertemplate: `${name}: %{y} collections<extra></extra>`,
    });
  });
  const rate = widenRate(tl.requestsPerSecond);
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: 'requests/s',
    showlegend: false,
    xaxis: 'x',
    yaxis: 'y3',
    x: toAxis(rate.t, offset),
    y: rate.v,
    fill: 'tozeroy',
    line: { color: c.series[c.series.length - 1]!, width: 1.2, shape: 'hvh' },
    hovertemplate: '%{y:.1f} req/s<extra></extra>',
  });

  const axis = chartAxis(c);
  const empty = tl.processes.length === 0;
  const layout: Partial<Layout> = {
    uirevision,
    ...chartLayout(c, 32),
    xaxis: { ...axis, type: 'date', anchor: 'y3', domain: [0, 1], showspikes: true, spikecolor: c.muted },
    yaxis: {
      ...axis,
      domain: [0.42, 1],
      title: { ...axis.title, text: 'Memory (MB)' },
      rangemode: 'tozero',
    },
    yaxis2: { ...axis, domain: [0.22, 0.36], title: { ...axis.title, text: 'GC runs' }, anchor: 'x' },
    yaxis3: {
      ...axis,
      domain: [0, 0.16],
      title: { ...axis.title, text: 'req/s' },
      anchor: 'x',
      rangemode: 'tozero',
    },
    annotations: empty
      ? [
          {
            text: 'No samples yet: they appear here as soon as the probe reports',
            showarrow: false,
            xref: 'paper',
            yref: 'paper',
            x: 0.5,
            y: 0.7,
            font: { color: c.muted, size: 13 },
          },
        ]
      : [],
  };
  return { data, layout, offset, points };
}
