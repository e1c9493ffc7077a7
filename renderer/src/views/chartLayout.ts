import type { Layout } from 'plotly.js-dist-min';
import type { ChartColors } from '../theme.ts';

/** The axis style of every chart: grid and lines in the grid colour, muted ticks and titles. */
export function chartAxis(c: ChartColors) {
  return {
    gridcolor: c.grid,
    linecolor: c.grid,
    zerolinecolor: c.grid,
    tickfont: { color: c.muted, size: 11 },
    title: { font: { color: c.muted, size: 11 } },
  };
}

/** What every chart's layout shares: a see-through background, the page's font, one hover label for all
 * traces at an x, and the legend on top. `bottom`: room under the x axis, in pixels. */
export function chartLayout(c: ChartColors, bottom: number): Partial<Layout> {
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: c.text, family: 'inherit', size: 12 },
    margin: { l: 64, r: 16, t: 8, b: bottom },
    hovermode: 'x unified',
    hoverlabel: { bgcolor: c.surface, bordercolor: c.grid, font: { color: c.text } },
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.0, yanchor: 'bottom', font: { size: 11, color: c.text } },
  };
}
