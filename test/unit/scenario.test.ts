import { describe, expect, it } from 'vitest';
import { LaunchError } from '../../main/launcher/errors.ts';
import { headers, login, UsageError } from '../../main/cli/args.ts';
import { endpointsFromPatterns } from '../../main/scan/discovery.ts';
import type { UrlPattern } from '../../main/probe/protocol.ts';
import { parseScenario } from '../../main/scan/scenario.ts';

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
    ['{"endpoints":[{"path":"/"}],"login":""}', /login/],
    [
      '{"endpoints":[{"path":"/"}],"headers":{"Bad Name":"x"}}',
      /headers\.Bad Name: is not a valid HTTP header name/,
    ],
    [
      '{"endpoints":[{"path":"/"}],"headers":{"X-Token":"a\\r\\nb"}}',
      /headers\.X-Token: must be on one line/,
    ],
  ])('refuses %s with a message naming the field', (text, message) => {
    expect(() => parseScenario(text, 'bad.json')).toThrow(LaunchError);
    expect(() => parseScenario(text, 'bad.json')).toThrow(message);
  });
});

describe('a logged-in scan from the command line', () => {
  it('takes a username and headers as "Name: value"', () => {
    expect(login('reader')).toBe('reader');
    expect(login(undefined)).toBeUndefined();
    expect(headers(['Authorization: Token abc:def', 'X-Tenant:  acme ', 'x-tenant: other'])).toEqual({
      Authorization: 'Token abc:def',
      'X-Tenant': 'acme',
      'x-tenant': 'other',
    });
    expect(headers([])).toBeUndefined();
  });

  it.each([
    [() => login(' '), /--login takes the username of an existing user/],
    [() => headers(['Authorization']), /--header takes "Name: value"/],
    [() => headers([': value']), /--header takes "Name: value"/],
    [() => headers(['Bad Name: x']), /--header takes "Name: value"/],
  ])('refuses bad input with a clear message (%#)', (call, message) => {
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe('discovery', () => {
  const pattern = (route: string, example: string | null, why: string | null = null): UrlPattern => ({
    route,
    name: null,
    view: null,
    has_params: route.includes('<'),
    example,
    why,
  });

  it('scans routes without parameters and those whose keys were filled in, each path once; lists the rest', () => {
    const found = endpointsFromPatterns(
      [
        pattern('', '/'),
        pattern('books/<int:pk>/', '/books/1/'),
        pattern('archive/<int:year>/', null, "a function view's parameters (<year>)"),
        pattern('index/', '/'),
      ],
      100,
    );
    expect(found.endpoints).toEqual([
      { method: 'GET', path: '/', requests: 100 },
      { method: 'GET', path: '/books/1/', requests: 100 },
    ]);
    expect(found.skipped.map((p) => [p.route, p.why])).toEqual([
      ['archive/<int:year>/', "a function view's parameters (<year>)"],
    ]);
  });
});
