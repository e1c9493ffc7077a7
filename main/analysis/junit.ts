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
    const figures = `${e.retained_bytes_per_request} bytes retained per request, confidence ${e.confidence}: ${e.reason}`;
    const body =
      e.verdict === 'leak'
        ? `\n      <failure type="memory-leak" message="${escapeXml(`leaks ${e.retained_bytes_per_request} bytes/request`)}">${escapeXml(figures)}</failure>\n    `
        : e.verdict === 'inconclusive'
          ? `\n      <system-out>${escapeXml(`inconclusive: ${figures}`)}</system-out>\n    `
          : '';
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
