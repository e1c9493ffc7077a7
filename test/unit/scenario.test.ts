import { describe, expect, it } from 'vitest';
import { LaunchError } from '../../main/launcher/errors.ts';
import { parseScenario } from '../../main/scenario/scenario.ts';

describe('parseScenario', () => {
  it('fills defaults', () => {
    const s = parseScenario('{"endpoints":[{"path":"/a/"}]}', 's.json');
    expect(s).toEqual({
      endpoints: [{ method: 'GET', path: '/a/', requests: 50 }],
      cookies: 'fresh',
      concurrency: 1,
      warmup: 10,
      rounds: 5,
      min_leak: 64,
      max_requests: 2000,
      max_seconds: 240,
    });
  });

  it.each([
    ['{', /not valid JSON/],
    ['[]', /\(top level\)/],
    ['{"endpoints":[]}', /endpoints: needs at least one endpoint/],
    ['{"endpoints":[{"path":"a"}]}', /endpoints\.0\.path: must start with \//],
    ['{"endpoints":[{"path":"/","requests":0}]}', /endpoints\.0\.requests/],
    ['{"endpoints":[{"path":"/","method":"BREW"}]}', /endpoints\.0\.method/],
    ['{"endpoints":[{"path":"/"}],"cookies":"some"}', /cookies/],
    ['{"endpoints":[{"path":"/"}],"typo":1}', /typo/],
  ])('refuses %s with a message naming the field', (text, message) => {
    expect(() => parseScenario(text, 'bad.json')).toThrow(LaunchError);
    expect(() => parseScenario(text, 'bad.json')).toThrow(message);
  });
});
