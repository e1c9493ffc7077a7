import type { Report } from './report.ts';

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** JUnit XML for CI: one test case per scanned endpoint; a leak is a failure carrying its figures. */
export function junitXml(report: Report): string {
  const scanned = report.endpoints.filter((e) => e.verdict !== undefined);
  const failures = scanned.filter((e) => e.verdict === 'leak').length;
  const seconds = report.session.duration_s ?? 0;
  const cases = scanned.map((e) => {
    const name = escapeXml(`${e.method} ${e.path}`);
    const range = e.retained_range ? `${e.retained_range[0]}–${e.retained_range[1]}` : null;
    const figures = `${e.retained_bytes_per_request} bytes retained per request${range ? ` (95 %: ${range})` : ''}, confidence ${e.confidence}: ${e.reason}`;
    const cost = e.cost ? `\n${e.cost.mb_per_100k_requests} MB per 100,000 requests; ${e.cost.stopgap}` : '';
    const rerun = e.rerun ? `\nto decide it: ${e.rerun}` : '';
    const body =
      e.verdict === 'leak'
        ? `\n      <failure type="memory-leak" message="${escapeXml(`leaks ${range ?? e.retained_bytes_per_request} bytes/request`)}">${escapeXml(figures + cost)}</failure>\n    `
        : e.verdict === 'inconclusive'
          ? `\n      <system-out>${escapeXml(`inconclusive: ${figures}${rerun}`)}</system-out>\n    `
          : `\n      <system-out>${escapeXml(`ok: ${figures}`)}</system-out>\n    `;
    return `    <testcase classname="djleak.${escapeXml(e.route ?? e.path)}" name="${name}">${body}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="djleak" tests="${scanned.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="djleak scan: ${escapeXml(report.session.project)}" tests="${scanned.length}" failures="${failures}" errors="0" time="${seconds}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
