import { describe, expect, it } from 'vitest';
import { neverReachesView, unreachedViewReason } from '../../main/analysis/statuses.ts';

describe('responses that never reached the view', () => {
  it('are redirects, refusals, 404 and 405; not 2xx, 304 or 5xx', () => {
    expect([301, 302, 303, 307, 308, 401, 403, 404, 405].every(neverReachesView)).toBe(true);
    expect([200, 201, 204, 304, 400, 410, 500, 502].some(neverReachesView)).toBe(false);
  });

  it('name the login redirect and how to scan logged in', () => {
    const reason = unreachedViewReason({ '302': 100 }, { '/accounts/login/': 100 })!;
    expect(reason).toMatch(/^every response was 302 to \/accounts\/login\/: the view never ran/);
    expect(reason).toContain('this measured the redirect, not the endpoint');
    expect(reason).toContain('--login USER');
  });

  it('send a redirect elsewhere to the page it points at', () => {
    expect(unreachedViewReason({ '301': 40 }, { '/catalogue/': 40 })).toMatch(
      /^every response was 301 to \/catalogue\/: .*scan \/catalogue\/ instead/,
    );
  });

  it('say what a refusal or a missing page needs', () => {
    expect(unreachedViewReason({ '403': 30 })).toMatch(
      /^every response was 403: .*measured the refusal.*--login USER.*--header/,
    );
    expect(unreachedViewReason({ '404': 30 })).toMatch(/^every response was 404: .*the 404 page.*Http404/);
    expect(unreachedViewReason({ '302': 20, '403': 10 })).toMatch(
      /^every response was one the view never made \(302 × 20, 403 × 10\)/,
    );
  });

  it('leave the verdict alone once one response came from the view, or none came', () => {
    expect(unreachedViewReason({ '302': 99, '200': 1 }, { '/accounts/login/': 99 })).toBeNull();
    expect(unreachedViewReason({ '500': 10 })).toBeNull();
    expect(unreachedViewReason({})).toBeNull();
    expect(unreachedViewReason({ '302': 0, '200': 5 })).toBeNull();
  });
});
