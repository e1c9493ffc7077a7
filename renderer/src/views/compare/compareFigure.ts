import type { Data, Layout } from 'plotly.js-dist-min';
import type { TimelineDto } from '../../../../preload/contract.ts';
import type { ChartColors } from '../../theme.ts';
import { elapsedRss } from './elapsedRss.ts';

export interface CompareSide {
  label: 'before' | 'after';
  name: string;
  timeline: TimelineDto;
}

export interface CompareFigure {
  data: Data[];
  layout: Partial<Layout>;
  /** The traces drawn with points (a session without samples draws none). */
  traces: number;
}

/**
 * Both sessions' total RSS on one axis of time since each session's first sample, so a fix's effect reads as
 * one line staying below the other. The x axis is a date axis from ELAPSED_ORIGIN (elapsedRss.ts): plotly then
 * labels elapsed time as hours:minutes:seconds without a formatter (sessions are far shorter than a day).
 */
export function compareFigure(sides: readonly CompareSide[], c: ChartColors): CompareFigure {
  const colors = { before: c.series[7] ?? c.muted, after: c.series[0] ?? c.text };
  const data: Data[] = [];
  for (const side of sides) {
    const rss = elapsedRss(side.timeline);
    if (rss.x.length === 0) continue;
    const processes = side.timeline.processes.length;
    const name = `${side.label}: ${side.name}`;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name,
      x: rss.x,
      y: rss.y,
      line: { color: colors[side.label], width: 1.8, dash: side.label === 'before' ? 'dot' : 'solid' },
      hovertemplate: `${name}: %{y:.1f} MB${processes > 1 ? ` (${processes} processes)` : ''}<extra></extra>`,
    });
  }
  const axis = {
    gridcolor: c.grid,
    linecolor: c.grid,
    zerolinecolor: c.grid,
    tickfont: { color: c.muted, size: 11 },
    title: { font: { color: c.muted, size: 11 } },
  };
  const layout: Partial<Layout> = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: c.text, family: 'inherit', size: 12 },
    margin: { l: 64, r: 16, t: 8, b: 40 },
    hovermode: 'x unified',
    hoverlabel: { bgcolor: c.surface, bordercolor: c.grid, font: { color: c.text } },
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.0, yanchor: 'bottom', font: { size: 11, color: c.text } },
    xaxis: {
      ...axis,
      type: 'date',
      tickformat: '%H:%M:%S',
      hoverformat: '%H:%M:%S',
      title: { ...axis.title, text: 'time since the session started' },
    },
    yaxis: { ...axis, title: { ...axis.title, text: 'RSS, all processes (MB)' }, rangemode: 'tozero' },
    annotations:
      data.length === 0
        ? [
            {
              text: 'Neither session has memory samples',
              showarrow: false,
              xref: 'paper',
              yref: 'paper',
              x: 0.5,
              y: 0.5,
              font: { color: c.muted, size: 13 },
            },
          ]
        : [],
  };
  return { data, layout, traces: data.length };
}
