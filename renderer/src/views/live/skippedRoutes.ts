/**
 * The routes discovery could not fill, turned into example paths a user adds to a scan: the field starts from
 * the route's own pattern (its parameters still to replace), and a path is accepted once none is left.
 */

/** What the example field starts from: the route as a path, `<int:pk>` and the like still in it. */
export function exampleStart(route: string): string {
  // path() routes are relative ('books/<int:pk>/'); re_path() ones may carry their anchors
  const bare = route.replace(/^\^/, '').replace(/\$$/, '');
  return bare.startsWith('/') ? bare : `/${bare}`;
}

/** Why a typed example path cannot be scanned as it is (null: it can). */
export function examplePathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'starts with /';
  if (/\s/.test(path)) return 'has no spaces';
  const left = /<[^>]*>|\(\?P<[^>]+>[^)]*\)/.exec(path);
  if (left) return `gives a value for ${left[0]}`;
  if (path.length > 2000) return 'is under 2,000 characters';
  return null;
}

/** The scenario file a list of example paths makes (`djleak run --scenario FILE`). */
export function scenarioFile(paths: readonly string[]): string {
  return `${JSON.stringify({ endpoints: paths.map((path) => ({ path })) }, null, 2)}\n`;
}
