import { useEffect, useMemo, useRef, useState } from 'react';
import type { PlotRelayoutEvent } from 'plotly.js-dist-min';
import type { TimelineDto } from '../../../../preload/contract.ts';
import { api } from '../../api.ts';
import { Plot, type PlotHandle } from '../../components/Plot.tsx';
import { formatClock, formatCount } from '../../format.ts';
import { coalesce, throttle } from '../../store/coalesce.ts';
import { isScanning, SCAN_REFRESH_MS } from '../../store/scan.ts';
import { chartColors, useColorScheme } from '../../theme.ts';
import { fromAxis, timelineFigure } from './timelineFigure.ts';

const BUCKETS = 800;

type Window = { from: number; to: number };

/** The x range a relayout event asks for: a window, 'reset' (autorange), or null (not an x change). */
function zoomFrom(event: PlotRelayoutEvent, offset: number): Window | 'reset' | null {
  const e = event as Record<string, unknown>;
  if (e['xaxis.autorange'] === true) return 'reset';
  const range = Array.isArray(e['xaxis.range']) ? (e['xaxis.range'] as unknown[]) : null;
  const from = fromAxis(range ? range[0] : e['xaxis.range[0]'], offset);
  const to = fromAxis(range ? range[1] : e['xaxis.range[1]'], offset);
  return from !== null && to !== null && to > from ? { from, to } : null;
}

/**
 * RSS per process, GC runs and requests/s on one shared time axis. Series are fetched on every tick (every
 * SCAN_REFRESH_MS while a scan runs) and handed to plotly directly; zooming refetches that window at full
 * resolution, and `uirevision` keeps the user's zoom while live data keeps arriving.
 */
export function Timeline({ sessionId }: { sessionId: number }) {
  const plot = useRef<PlotHandle>(null);
  const box = useRef<HTMLElement>(null);
  const caption = useRef<HTMLSpanElement>(null);
  const zoom = useRef<Window | null>(null);
  const last = useRef<{ tl: TimelineDto; offset: number } | null>(null);
  const resets = useRef(0);
  const [zoomed, setZoomed] = useState(false);
  const scheme = useColorScheme();
  const schemeRef = useRef(scheme);
  schemeRef.current = scheme;

  const redraw = useMemo(
    () => (): void => {
      const current = last.current;
      if (!current) return;
      const figure = timelineFigure(current.tl, `${sessionId}:${resets.current}`, chartColors());
      current.offset = figure.offset;
      const drawnScheme = schemeRef.current;
      void plot.current?.draw(figure.data, figure.layout).then(() => {
        // lets tests (and screenshots) wait for the chart to follow a colour-scheme change
        if (box.current) box.current.dataset.scheme = drawnScheme;
      });
      const samples = current.tl.processes.reduce((n, p) => n + p.samples, 0);
      const el = box.current;
      const w = current.tl.window;
      if (el) {
        el.dataset.samples = String(samples);
        el.dataset.points = String(figure.points);
        el.dataset.processes = String(current.tl.processes.length);
        el.dataset.zoomed = String(zoom.current !== null);
        el.dataset.window = w ? `${w.from}-${w.to}` : '';
        el.dataset.state = 'ready';
      }
      if (caption.current) {
        caption.current.textContent =
          `${current.tl.processes.length} process${current.tl.processes.length === 1 ? '' : 'es'} · ` +
          `${formatCount(samples)} samples` +
          (w ? ` · ${formatClock(w.from)} – ${formatClock(w.to)}` : '');
      }
    },
    [sessionId],
  );

  const refetch = useMemo(
    () =>
      coalesce(async () => {
        const z = zoom.current;
        const tl = await api.call('sessions.timeline', {
          id: sessionId,
          buckets: BUCKETS,
          ...(z ? { from: z.from, to: z.to } : {}),
        });
        last.current = { tl, offset: last.current?.offset ?? 0 };
        redraw();
      }),
    [sessionId, redraw],
  );

  useEffect(() => {
    zoom.current = null;
    last.current = null;
    setZoomed(false);
    if (box.current) box.current.dataset.state = 'loading';
    void refetch();
    const refetchSlowly = throttle(() => void refetch(), SCAN_REFRESH_MS);
    return api.onEvent((event) => {
      if ((event.kind === 'tick' || event.kind === 'status') && event.sessionId === sessionId) {
        if (event.kind === 'tick' && isScanning(sessionId)) refetchSlowly();
        else void refetch();
      }
    });
  }, [sessionId, refetch]);

  useEffect(() => redraw(), [scheme, redraw]);

  function onRelayout(event: PlotRelayoutEvent): void {
    const next = zoomFrom(event, last.current?.offset ?? 0);
    if (next === null) return;
    zoom.current = next === 'reset' ? null : next;
    setZoomed(next !== 'reset');
    void refetch();
  }

  function resetZoom(): void {
    zoom.current = null;
    resets.current += 1;
    setZoomed(false);
    void refetch();
  }

  return (
    <section
      className="panel timeline"
      aria-label="Timeline"
      data-testid="timeline"
      data-state="loading"
      ref={box}
    >
      <header className="panel-head">
        <h2>Timeline</h2>
        <span className="muted small" ref={caption} />
        <span className="spacer" />
        {zoomed && (
          <button type="button" className="btn btn-small" onClick={resetZoom}>
            Reset zoom
          </button>
        )}
      </header>
      <Plot
        ref={plot}
        className="timeline-plot"
        label="Memory (RSS) per process, garbage collector runs and requests per second over time"
        onRelayout={onRelayout}
      />
      <p className="hint small">
        Drag to zoom into a time window (full resolution); double-click to zoom out.
      </p>
    </section>
  );
}
