import type { Data, Layout } from 'plotly.js-dist-min';
import type { ScanResultDto } from '../../../../preload/contract.ts';
import type { ChartColors } from '../../theme.ts';
import { chartAxis, chartLayout } from '../chartLayout.ts';
import { endpointKey } from '../../verdicts.ts';

const MB = 1024 * 1024;

type Figures = ScanResultDto['points'][number]['post'];

/** The figure the verdict compared, per point: the chart draws the same line the verdict read. */
const METRIC: Record<ScanResultDto['metric'], { label: string; read: (m: Figures) => number }> = {
  traced: { label: 'traced memory', read: (m) => m.traced ?? 0 },
  heap: { label: 'heap in use', read: (m) => m.heap ?? 0 },
  rss: { label: 'RSS', read: (m) => m.rss },
};

export interface ScanFigure {
  data: Data[];
  layout: Partial<Layout>;
  /** Whether the garbage subplot is drawn (some round's forced collection freed objects). */
  garbage: boolean;
}

/**
 * One endpoint's scan: memory after each round's full collection against the requests served (the line
 * the verdict is read from, in the figure it compared), memory just before that collection as a faint line,
 * and the garbage objects the collection freed per round in a strip below when there were any.
 */
export function scanFigure(r: ScanResultDto, c: ChartColors): ScanFigure {
  const color = c.series[0]!;
  const metric = METRIC[r.metric];
  const rounds = r.points.filter((p) => p.pre !== null);
  const garbage = rounds.some((p) => p.collected > 0);
  const data: Data[] = [
    {
      type: 'scatter',
      mode: 'lines',
      name: 'before the collection',
      x: rounds.map((p) => p.requests),
      y: rounds.map((p) => metric.read(p.pre!) / MB),
      line: { color, width: 1.2, dash: 'dot' },
      opacity: 0.45,
      hovertemplate: 'before collection: %{y:.1f} MB<extra></extra>',
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'after a full collection',
      x: r.points.map((p) => p.requests),
      y: r.points.map((p) => metric.read(p.post) / MB),
      line: { color, width: 2 },
      marker: { color, size: 6 },
      hovertemplate: 'after collection: %{y:.1f} MB<extra></extra>',
    },
  ];
  if (garbage) {
    data.push({
      type: 'bar',
      name: 'garbage objects freed',
      xaxis: 'x',
      yaxis: 'y2',
      x: rounds.map((p) => p.requests),
      y: rounds.map((p) => p.collected),
      marker: { color: c.series[1]!, opacity: 0.7 },
      hovertemplate: '%{y:,} objects freed<extra></extra>',
    });
  }

  const axis = chartAxis(c);
  const layout: Partial<Layout> = {
    uirevision: endpointKey(r),
    ...chartLayout(c, 40),
    bargap: 0.55,
    xaxis: {
      ...axis,
      anchor: garbage ? 'y2' : 'y',
      title: { ...axis.title, text: 'requests served' },
      rangemode: 'tozero',
    },
    yaxis: {
      ...axis,
      domain: garbage ? [0.4, 1] : [0, 1],
      title: { ...axis.title, text: `${metric.label} (MB)` },
      nticks: 5,
    },
    ...(garbage
      ? {
          yaxis2: {
            ...axis,
            domain: [0, 0.28],
            anchor: 'x' as const,
            rangemode: 'tozero' as const,
            nticks: 3,
            title: { ...axis.title, text: 'objects freed' },
          },
        }
      : {}),
  };
  return { data, layout, garbage };
}
