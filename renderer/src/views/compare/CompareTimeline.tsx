import { useEffect, useRef } from 'react';
import type { SessionSummaryDto, TimelineDto } from '../../../../preload/contract.ts';
import { Plot, type PlotHandle } from '../../components/Plot.tsx';
import { chartColors, useColorScheme } from '../../theme.ts';
import { compareFigure } from './compareFigure.ts';

interface CompareTimelineProps {
  before: SessionSummaryDto;
  after: SessionSummaryDto;
  timelines: { before: TimelineDto; after: TimelineDto };
}

/** Both sessions' memory over time, each from its own start, in one chart. */
export function CompareTimeline({ before, after, timelines }: CompareTimelineProps) {
  const plot = useRef<PlotHandle>(null);
  const box = useRef<HTMLElement>(null);
  const scheme = useColorScheme();

  useEffect(() => {
    const figure = compareFigure(
      [
        { label: 'before', name: before.name, timeline: timelines.before },
        { label: 'after', name: after.name, timeline: timelines.after },
      ],
      chartColors(),
    );
    void plot.current?.draw(figure.data, figure.layout).then(() => {
      const el = box.current;
      if (!el) return;
      // lets tests (and screenshots) wait for this figure, in this colour scheme
      el.dataset.traces = String(figure.traces);
      el.dataset.scheme = scheme;
      el.dataset.state = 'ready';
    });
  }, [before.name, after.name, timelines, scheme]);

  return (
    <section
      className="panel compare-timeline"
      aria-labelledby="compare-timeline-title"
      data-testid="compare-timeline"
      data-state="loading"
      ref={box}
    >
      <header className="panel-head">
        <h2 id="compare-timeline-title">Memory over time</h2>
        <span className="muted small">
          RSS of all processes, from each session’s first sample: the dotted line is before, the solid one
          after
        </span>
      </header>
      <Plot
        ref={plot}
        className="compare-plot"
        label={`Memory (RSS) over time of ${before.name} (before) and ${after.name} (after), from each session's start`}
      />
    </section>
  );
}
