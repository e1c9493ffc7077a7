const MB = 1024 * 1024;

/** Bytes as megabytes with one decimal: "123.4 MB"; null as an em dash. */
export function formatMB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** A signed memory change; below a megabyte in KB so a 50 KB leak per request is not shown as "+0.0 MB". */
export function formatDelta(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const sign = bytes > 0 ? '+' : bytes < 0 ? '−' : '±';
  const abs = Math.abs(bytes);
  if (abs < MB) return `${sign}${Math.round(abs / 1024)} KB`;
  return `${sign}${(abs / MB).toFixed(1)} MB`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString()} ms`;
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** Epoch seconds as a local date and time, to the minute. */
export function formatDateTime(t: number): string {
  return new Date(t * 1000).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Epoch seconds as a local time of day with milliseconds, for log lines. */
export function formatClock(t: number): string {
  const d = new Date(t * 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  // Rounded once, first: 599.5 s is 10 min 0 s (rounding the remainder alone read "9 min 60 s").
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Django routes have no leading slash and the root route is empty; null means no URL pattern matched. */
export function routeLabel(route: string | null, path?: string): string {
  if (route === null) return path ? `${path} (no route)` : '(no route)';
  return `/${route}`;
}

/** Bytes per request in kilobytes with one decimal: a scan's retained memory is tens of KB per request. */
export function formatKB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const kb = bytes / 1024;
  return `${kb <= -0.05 ? '−' : ''}${Math.abs(kb).toFixed(1)} KB`;
}

/** A 0..1 share as a whole percentage. */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Bytes in the unit that suits them (B, KB, MB); `signed` adds + or − for a change. */
export function formatBytes(bytes: number | null | undefined, signed = false): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const sign = !signed ? (bytes < 0 ? '−' : '') : bytes > 0 ? '+' : bytes < 0 ? '−' : '±';
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${sign}${Math.round(abs)} B`;
  if (abs < MB) return `${sign}${(abs / 1024).toFixed(1)} KB`;
  return `${sign}${(abs / MB).toFixed(1)} MB`;
}

/** A signed count change: "+1,234", "−5", "±0". */
export function formatCountDelta(n: number): string {
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toLocaleString()}`;
}

/** "1 endpoint", "3 endpoints" */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
