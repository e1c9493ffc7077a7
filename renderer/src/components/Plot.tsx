import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type PlotlyModule from 'plotly.js-dist-min';
import type { Config, Data, Layout, PlotlyHTMLElement, PlotRelayoutEvent } from 'plotly.js-dist-min';

type Plotly = typeof PlotlyModule;

let loading: Promise<Plotly> | undefined;

/** plotly is ~4.5 MB: loaded on first use so the Start view paints without waiting for it. */
function loadPlotly(): Promise<Plotly> {
  loading ??= import('plotly.js-dist-min').then((m) => (m.default ?? m) as Plotly);
  return loading;
}

export interface PlotHandle {
  /**
   * Draws a figure with Plotly.react; the data goes straight to plotly, never through React state.
   * Resolves once this figure, or a newer one, is on screen.
   */
  draw(data: Data[], layout: Partial<Layout>): Promise<void>;
}

interface PlotProps {
  ref: Ref<PlotHandle>;
  label: string;
  className?: string;
  config?: Partial<Config>;
  onRelayout?: (event: PlotRelayoutEvent) => void;
}

/** plotly 4 offers to upload charts to its cloud by default: session data stays on this machine. */
const BASE_CONFIG: Partial<Config> = {
  displaylogo: false,
  showSendToCloud: false,
  plotlyServerURL: '',
  showTips: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage'],
};

/** The one plotly wrapper: owns a div, draws whatever figure it is handed, reports zoom and pan. */
export function Plot({ ref, label, className, config, onRelayout }: PlotProps) {
  const divRef = useRef<HTMLDivElement>(null);
  const relayoutRef = useRef(onRelayout);
  relayoutRef.current = onRelayout;
  const configRef = useRef(config);
  const state = useRef<{
    pending: { data: Data[]; layout: Partial<Layout> } | null;
    loop: Promise<void> | null;
    listening: boolean;
    gone: boolean;
  }>({ pending: null, loop: null, listening: false, gone: false });

  async function drawPending(): Promise<void> {
    const s = state.current;
    const plotly = await loadPlotly();
    while (s.pending && !s.gone && divRef.current) {
      const { data, layout } = s.pending;
      s.pending = null;
      const div = (await plotly.react(divRef.current, data, layout, {
        ...BASE_CONFIG,
        ...configRef.current,
      })) as PlotlyHTMLElement;
      if (!s.listening) {
        s.listening = true;
        div.on('plotly_relayout', (event) => relayoutRef.current?.(event));
      }
    }
  }

  /** One drawing loop at a time; a figure handed in while it runs is drawn by that same loop. */
  function flush(): Promise<void> {
    const s = state.current;
    s.loop ??= drawPending().finally(() => (s.loop = null));
    return s.loop;
  }

  useImperativeHandle(ref, () => ({
    draw(data, layout) {
      state.current.pending = { data, layout };
      return flush();
    },
  }));

  useEffect(() => {
    const div = divRef.current;
    const s = state.current;
    s.gone = false;
    if (!div) return;
    const observer = new ResizeObserver(() => {
      if (s.listening) void loadPlotly().then((plotly) => plotly.Plots.resize(div));
    });
    observer.observe(div);
    return () => {
      s.gone = true;
      s.listening = false;
      observer.disconnect();
      void loadPlotly().then((plotly) => plotly.purge(div));
    };
  }, []);

  return <div ref={divRef} className={className} role="img" aria-label={label} />;
}
