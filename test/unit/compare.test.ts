import { describe, expect, it } from 'vitest';
import { compareFindings, compareScans } from '../../main/analysis/compare.ts';
import type { FindingDto } from '../../preload/contract.ts';

const scan = (path: string, verdict: 'leak' | 'ok' | 'inconclusive', retained = 0) => ({
  method: 'GET',
  path,
  verdict,
  retained_bytes_per_request: retained,
  confidence: 0.9,
});
const finding = (item: FindingDto['item'], status: FindingDto['status']): FindingDto => ({
  item,
  status,
  severity: null,
  summary: '',
  endpoints: [],
  evidence: {},
  actions: [],
});

describe('compare two sessions', () => {
  it('names each endpoint fixed, still leaking, new, no leak, or not comparable', () => {
    const rows = compareScans(
      [
        scan('/a/', 'leak', 5000),
        scan('/b/', 'leak'),
        scan('/c/', 'ok'),
        scan('/d/', 'ok'),
        scan('/e/', 'inconclusive'),
      ],
      [scan('/a/', 'ok', 10), scan('/b/', 'leak'), scan('/c/', 'leak'), scan('/e/', 'ok'), scan('/f/', 'ok')],
    );
    expect(rows.map((r) => [r.path, r.change])).toEqual([
      ['/a/', 'fixed'],
      ['/b/', 'still-leaking'],
      ['/c/', 'new-leak'],
      ['/d/', 'not-compared'],
      ['/e/', 'not-compared'],
      ['/f/', 'not-compared'],
    ]);
    expect(rows[0]).toMatchObject({
      before: { verdict: 'leak', retained_bytes_per_request: 5000 },
      after: { verdict: 'ok', retained_bytes_per_request: 10 },
    });
    expect(rows[3]!.after).toBeNull();
  });

  it('the latest scan of an endpoint counts when a session scanned it twice', () => {
    const rows = compareScans([scan('/a/', 'ok'), scan('/a/', 'leak')], [scan('/a/', 'ok')]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.change).toBe('fixed');
  });

  it('names each checklist item fixed, still suspect, new, no finding, or not comparable', () => {
    const rows = compareFindings(
      [
        finding('weakref', 'suspect'),
        finding('clear-caches', 'suspect'),
        finding('garbage-collection', 'clear'),
        finding('close-db-connections', 'clear'),
        finding('destroy-session-data', 'not-measured'),
      ],
      [
        finding('weakref', 'clear'),
        finding('clear-caches', 'suspect'),
        finding('garbage-collection', 'suspect'),
        finding('close-db-connections', 'clear'),
        finding('destroy-session-data', 'clear'),
      ],
    );
    expect(rows.map((r) => r.change)).toEqual([
      'fixed',
      'still-suspect',
      'new',
      'no-finding',
      'not-compared',
    ]);
  });
});
