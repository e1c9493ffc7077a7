/**
 * Responses that never reached the view: a measurement of the login redirect, the 404 page or a refusal is not a
 * measurement of the endpoint, whatever its figures say. Most pages of a real project need a user, and a scan
 * without one measures the redirect to the login page on every one of them.
 */

/** Answered before or instead of the view: redirects (a login page, a missing slash), 401/403 (an auth
 * middleware, decorator or mixin), 404 (no route, or the view raised Http404 at once), 405 (a method the view
 * does not take). 304 is left out: a conditional response comes after the view ran. */
export function neverReachesView(status: number): boolean {
  return (status >= 300 && status < 400 && status !== 304) || [401, 403, 404, 405].includes(status);
}

/** Looks like a login page: the redirect most protected pages answer with. */
const LOGIN_PATH = /log-?in|sign-?in|auth/i;

const counted = (counts: Readonly<Record<string, number>>): [string, number][] =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

/**
 * Why the endpoint's figures say nothing of its view, when every response was one that never reached it (null:
 * at least one response came from the view, or none came at all). `redirects` counts the redirects' targets
 * (path only, no query string).
 */
export function unreachedViewReason(
  statuses: Readonly<Record<string, number>>,
  redirects: Readonly<Record<string, number>> = {},
): string | null {
  const codes = counted(statuses);
  if (!codes.length || !codes.every(([code]) => neverReachesView(Number(code)))) return null;
  const [only] = codes.length === 1 ? codes : [];
  const targets = counted(redirects);
  const target = targets[0]?.[0];
  const said = only
    ? `every response was ${only[0]}${target && targets.length === 1 ? ` to ${target}` : ''}`
    : `every response was one the view never made (${codes.map(([c, n]) => `${c} × ${n}`).join(', ')})`;
  const redirected = codes.every(([code]) => Number(code) < 400);
  const refused = codes.every(([code]) => code === '401' || code === '403');
  const missing = codes.every(([code]) => code === '404');
  const hint =
    (redirected && target && LOGIN_PATH.test(target)) || refused
      ? 'scan it logged in as a user who may see it (--login USER in the CLI, "Log in as" in the app)' +
        (refused ? ', or with the header it needs (--header)' : '')
      : redirected && target
        ? `scan ${target} instead, the page it redirects to`
        : missing
          ? 'no route matched it, or its view raised Http404: give it a path that exists'
          : 'give it a path and method its view answers';
  const measured = redirected ? 'the redirect' : missing ? 'the 404 page' : 'the refusal';
  return `${said}: the view never ran, so this measured ${measured}, not the endpoint; ${hint}`;
}
