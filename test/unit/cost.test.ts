import { describe, expect, it } from 'vitest';
import { productionCost, workerBaseRss } from '../../main/analysis/cost.ts';

const MiB = 1048576;

describe('productionCost', () => {
  it('a 2 KB/request leak: MB per 100,000 requests, and restarts that keep a 120 MB worker under 512 MB', () => {
    const cost = productionCost(2048, 2200, 120 * MiB, 512)!;
    expect(cost.mb_per_100k_requests).toBeCloseTo(195.3, 1);
    // The worst case (max_requests plus all of the jitter, at the range's upper end) stays in the budget.
    const worst = (cost.max_requests! + cost.max_requests_jitter!) * 2200 + 120 * MiB;
    expect(worst).toBeLessThanOrEqual(512 * MiB);
    expect(worst).toBeGreaterThan(0.8 * 512 * MiB);
    expect(cost.stopgap).toContain(`gunicorn --max-requests ${cost.max_requests} --max-requests-jitter`);
    expect(cost.stopgap).toContain('reload-on-rss = 512');
  });

  it('says so when a worker is over the budget already, and has nothing to say without a leak', () => {
    const over = productionCost(100, null, 600 * MiB, 512)!;
    expect(over.max_requests).toBeNull();
    expect(over.stopgap).toMatch(/already 600 MB, over the 512 MB budget/);
    expect(productionCost(0, null, 100 * MiB)).toBeNull();
  });

  it("takes a worker's size from the processes that serve requests, not gunicorn's master", () => {
    expect(
      workerBaseRss([
        { role: 'master', rss_first: 20 * MiB },
        { role: 'worker', rss_first: 70 * MiB },
        { role: 'worker', rss_first: 65 * MiB },
      ]),
    ).toBe(65 * MiB);
    expect(workerBaseRss([])).toBeNull();
  });
});
