import { useEffect, useRef } from 'react';
import type { ScanResultDto } from '../../../../preload/contract.ts';
import { Plot, type PlotHandle } from '../../components/Plot.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { chartColors, useColorScheme } from '../../theme.ts';
import { retainedText } from '../../leakFigures.ts';
import { scanFigure } from './scanFigure.ts';

/** One endpoint's memory round by round, redrawn when the endpoint or the colour scheme changes. */
export function ScanChart({ result }: { result: ScanResultDto }) {
  const plot = useRef<PlotHandle>(null);
  const box = useRef<HTMLElement>(null);
  const scheme = useColorScheme();

  useEffect(() => {
    const figure = scanFigure(result, chartColors());
    const el = box.current;
    if (el) {
      el.dataset.state = 'loading';
      el.dataset.garbage = String(figure.garbage);
    }
    void plot.current?.draw(figure.data, figure.layout).then(() => {
      // lets tests (and screenshots) wait for the chart to be drawn in the current colour scheme
      if (!el) return;
      el.dataset.scheme = scheme;
      el.dataset.state = 'ready';
    });
  }, [result, scheme]);

  const rounds = result.points.filter((p) => p.pre !== null).length;
  const extensions = Math.max(0, ...result.points.map((p) => p.stage ?? 0));
  return (
    <figure
      className="scan-chart"
      ref={box}
      data-testid="scan-chart"
      data-state="loading"
      data-path={result.path}
      aria-labelledby="scan-chart-title"
    >
      <figcaption className="scan-chart-head">
        <VerdictBadge verdict={result.verdict} partial={result.partial} />
        <h3 id="scan-chart-title" className="mono">
          <span className="method">{result.method}</span> {result.path}
        </h3>
        <span className="muted small">
          retains {retainedText(result)} · {rounds} round{rounds === 1 ? '' : 's'}
          {extensions > 0 && ` (${extensions} extension${extensions === 1 ? '' : 's'})`} ·{' '}
          {result.sent.toLocaleString()} requests
        </span>
      </figcaption>
      <Plot
        ref={plot}
        className="scan-plot"
        label={`Memory (RSS) of ${result.method} ${result.path} after each round's full collection, against requests served`}
      />
      <p className="hint small">
        A line that keeps climbing after every full collection is memory the endpoint keeps. The faint dotted
        line is memory just before each collection; the bars, the garbage objects that collection freed.
      </p>
    </figure>
  );
}
