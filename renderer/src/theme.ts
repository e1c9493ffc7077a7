import { useSyncExternalStore } from 'react';

export type ColorScheme = 'light' | 'dark';

const query = window.matchMedia('(prefers-color-scheme: dark)');

function subscribe(onChange: () => void): () => void {
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/** The OS colour scheme, live: the CSS follows it by media query, the chart through this hook. */
export function useColorScheme(): ColorScheme {
  return useSyncExternalStore(subscribe, () => (query.matches ? 'dark' : 'light'));
}

export interface ChartColors {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  series: string[];
}

/** Reads the chart palette from the CSS variables, so the chart and the page never disagree. */
export function chartColors(): ChartColors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return {
    text: v('--fg'),
    muted: v('--fg-muted'),
    grid: v('--border'),
    surface: v('--surface'),
    series: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => v(`--series-${i}`)),
  };
}
