/** Before and after a fix: two sessions' scan verdicts and checklist findings side by side (pure). */
import type { CompareDto, FindingDto, ScanFigures } from '../../preload/contract.ts';

interface ScanLike extends ScanFigures {
  method: string;
  path: string;
}

export function compareScans(
  before: readonly ScanLike[],
  after: readonly ScanLike[],
): CompareDto['endpoints'] {
  const key = (s: ScanLike): string => `${s.method} ${s.path}`;
  // One result per endpoint: each side's current results (current.ts).
  const a = new Map(before.map((s) => [key(s), s] as const));
  const b = new Map(after.map((s) => [key(s), s] as const));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const figures = (s: ScanLike | undefined): ScanFigures | null =>
    s
      ? {
          verdict: s.verdict,
          retained_bytes_per_request: s.retained_bytes_per_request,
          confidence: s.confidence,
        }
      : null;
  return keys.map((k) => {
    const x = a.get(k);
    const y = b.get(k);
    const leakBefore = x?.verdict === 'leak';
    const leakAfter = y?.verdict === 'leak';
    const change: CompareDto['endpoints'][number]['change'] =
      !x || !y || x.verdict === 'inconclusive' || y.verdict === 'inconclusive'
        ? 'not-compared'
        : leakBefore && !leakAfter
          ? 'fixed'
          : leakBefore
            ? 'still-leaking'
            : leakAfter
              ? 'new-leak'
              : 'no-leak';
    const [method, ...rest] = k.split(' ');
    return { method: method!, path: rest.join(' '), before: figures(x), after: figures(y), change };
  });
}

export function compareFindings(
  before: readonly FindingDto[],
  after: readonly FindingDto[],
): CompareDto['checklist'] {
  return before.map((f) => {
    const g = after.find((x) => x.item === f.item);
    const to = g?.status ?? 'not-measured';
    const change: CompareDto['checklist'][number]['change'] =
      f.status === 'not-measured' || to === 'not-measured'
        ? 'not-compared'
        : f.status === 'suspect' && to === 'clear'
          ? 'fixed'
          : f.status === 'suspect'
            ? 'still-suspect'
            : to === 'suspect'
              ? 'new'
              : 'no-finding';
    return { item: f.item, before: f.status, after: to, change };
  });
}
