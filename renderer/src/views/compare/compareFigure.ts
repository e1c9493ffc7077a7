import type { Data, Layout } from 'plotly.js-dist-min';
import type { TimelineDto } from '../../../../preload/contract.ts';
import type { ChartColors } from '../../theme.ts';
import { chartAxis, chartLayout } from '../chartLayout.ts';
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
  const axis = chartAxis(c);
  const layout: Partial<Layout> = {
    ...chartLayout(c, 40),
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
