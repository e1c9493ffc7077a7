import { describe, expect, it } from 'vitest';
import { candidateTypes } from '../../main/scan/diagnosis.ts';

const t = (type: string, count_diff: number) => ({
  type,
  count_diff,
  size_diff: count_diff * 56,
  count_after: 3,
});

describe('the types whose holders a diagnosis looks for', () => {
  it('are the ones that grew with the window, a project type first', () => {
    // a project's callback registry, 40 requests: one closure a request; Django made its model managers on a
    // first query in the window (0 -> 3), which is not what the requests keep
    const hooks = [t('function', 39), t('django.contrib.sessions.models.SessionManager', 3), t('cell', -5)];
    expect(candidateTypes(hooks, 40)).toEqual(['function']);
    expect(candidateTypes([t('shop.pricing.Quote', 40), t('dict', 80), t('list', 2)], 40)).toEqual([
      'shop.pricing.Quote',
      'dict',
    ]);
  });

  it('are none when nothing grew as often as one in four requests', () => {
    expect(
      candidateTypes([t('django.contrib.sessions.models.SessionManager', 3), t('method', -1)], 40),
    ).toEqual([]);
    expect(candidateTypes([], 40)).toEqual([]);
  });
});
