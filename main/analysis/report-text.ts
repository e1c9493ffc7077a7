/** The report as the CLI prints it (report.ts builds it). */
import type { Report, ReportEndpoint } from './report.ts';
import { perRequestBytes } from './verdict.ts';

/** Django routes have no leading slash, and the root route is empty: show it as `/`. */
const routeLabel = (e: ReportEndpoint): string =>
  e.route === null ? `${e.path} (no route)` : e.route || '/';

const mb = (n: number | null): string => (n === null ? '—' : `${(n / 1048576).toFixed(1)} MB`);

/** The readable summary the CLI prints. */
export function formatReport(report: Report): string {
  const s = report.session;
  const lines = [
    `session ${s.id} "${s.name}": ${s.status}${s.duration_s !== null ? ` after ${s.duration_s} s` : ''}`,
    `  project ${s.project}`,
    `  Python ${s.python_version ?? '?'} (${s.python ?? '?'}), Django ${s.django ?? '?'}, ${s.server}`,
  ];
  if (s.error) lines.push(`  error: ${s.error.split('\n').join('\n         ')}`);
  lines.push('', 'processes:');
  for (const p of report.processes) {
    lines.push(
      `  pid ${p.pid} ${p.role.padEnd(6)} ${String(p.samples).padStart(6)} samples` +
        (p.sample_interval_ms !== null ? ` every ${p.sample_interval_ms} ms` : '') +
        `  RSS ${mb(p.rss_first)} → ${mb(p.rss_last)} (peak ${mb(p.rss_peak)})`,
    );
  }
  if (report.endpoints.length) {
    lines.push('', 'endpoints:');
    for (const e of report.endpoints) {
      lines.push(
        `  ${e.method.padEnd(6)} ${routeLabel(e).padEnd(32)} ${String(e.requests).padStart(6)} req` +
          `  ${e.mean_duration_ms.toFixed(1).padStart(7)} ms avg  RSS Δ ${mb(e.rss_delta_total)}` +
          (e.errors ? `  ${e.errors} errors` : '') +
          (e.statuses && Object.keys(e.statuses).some((c) => !c.startsWith('2'))
            ? `  responses ${Object.entries(e.statuses)
                .map(([c, n]) => `${c} × ${n}`)
                .join(', ')}`
            : ''),
      );
      if (e.verdict) {
        const range = e.retained_range;
        const retained =
          e.verdict === 'ok' && range
            ? `retains < ${perRequestBytes(Math.max(1, range[1]))}/request`
            : range
              ? `retains ${perRequestBytes(range[0])}–${perRequestBytes(range[1])}/request`
              : `${perRequestBytes(e.retained_bytes_per_request ?? 0)}/request retained`;
        lines.push(
          `         ${e.verdict.toUpperCase().padEnd(12)} ${retained}, confidence ${e.confidence}: ${e.reason}`,
        );
        if (e.cost)
          lines.push(
            `         costs ${e.cost.mb_per_100k_requests} MB per 100,000 requests; ${e.cost.stopgap}`,
          );
        if (e.rerun) lines.push(`         to decide it: ${e.rerun}`);
      }
      const site = e.top_sites?.[0];
      if (site) lines.push(`         allocated at ${site.file}:${site.line}  ${site.code ?? ''}`);
      if (e.held_by)
        lines.push(`         held by ${e.held_by.root.kind} ${e.held_by.root.name}: ${e.held_by.chain}`);
    }
  }
  if (report.skipped.length) {
    lines.push('', 'not scanned (routes with parameters no example path was found for):');
    for (const s of report.skipped) lines.push(`  ${s.route}: ${s.reason}`);
  }
  const suspects = report.findings.filter((f) => f.status === 'suspect');
  if (suspects.length) {
    lines.push('', 'checklist:');
    for (const f of suspects) {
      lines.push(`  SUSPECT ${f.item.padEnd(22)} ${f.summary}`);
      for (const e of f.endpoints) {
        const others = e.alternatives.map((a) => `${a.item} ${perRequestBytes(a.bytes_per_request)}`);
        lines.push(
          `          ${e.method} ${e.path}: explains ${perRequestBytes(e.explained_bytes_per_request)} of ` +
            `${perRequestBytes(e.retained_bytes_per_request)}/request` +
            (e.unexplained_bytes_per_request > 0
              ? `, ${perRequestBytes(e.unexplained_bytes_per_request)} unexplained`
              : '') +
            (others.length ? ` (other fixes' estimates: ${others.join(', ')})` : ''),
        );
      }
    }
  }
  const unexplained = report.unexplained ?? [];
  if (unexplained.length) {
    lines.push('', 'leaks no checklist item explains (the snapshot diff shows where they allocate):');
    for (const e of unexplained)
      lines.push(`  ${e.method} ${e.path}: ${perRequestBytes(e.retained_bytes_per_request)}/request`);
  }
  const notes = report.findings.flatMap((f) => f.notes ?? []);
  if (notes.length) {
    lines.push('', 'notes:');
    for (const n of notes) lines.push(`  ${n}`);
  }
  if (report.verdict) lines.push('', `verdict: ${report.verdict}`);
  return lines.join('\n');
}
