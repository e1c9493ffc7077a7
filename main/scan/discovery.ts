/** Discovery: the target's URL patterns (the probe's `urls` command) → a scan of every GET route with a concrete
 * path, and the routes it could not fill, with why. */
import type { SkippedRouteDto } from '../../preload/contract.ts';
import type { Investigation } from '../investigation.ts';
import { LaunchError } from '../launcher/errors.ts';
import type { UrlPattern } from '../probe/protocol.ts';
import { scenarioSchema, type Scenario, type ScenarioEndpoint } from './scenario.ts';

/** Requests per discovered endpoint: 5 rounds of 20. */
export const DISCOVERY_REQUESTS = 100;
/**
 * Warm-up per discovered endpoint (not recorded): long enough for bounded caches of a few dozen entries to
 * fill, so that they are judged on their plateau.
 */
export const DISCOVERY_WARMUP = 50;
export interface Discovery {
  endpoints: ScenarioEndpoint[];
  /** Routes with parameters no example path was found for, not scanned. */
  skipped: UrlPattern[];
}

/** Every GET route with a concrete path (none needed, or its keys filled in) becomes an endpoint to scan; the rest
 * are listed. */
export function endpointsFromPatterns(patterns: readonly UrlPattern[], requests: number): Discovery {
  const endpoints: ScenarioEndpoint[] = [];
  const seen = new Set<string>();
  const skipped: UrlPattern[] = [];
  for (const p of patterns) {
    if (p.example === null) {
      skipped.push(p);
      continue;
    }
    if (seen.has(p.example)) continue;
    seen.add(p.example);
    endpoints.push({ method: 'GET', path: p.example, requests });
  }
  return { endpoints, skipped };
}

/** Asks the target for its URL patterns and turns the parameter-free GET routes into a scan. */
export async function discoverScenario(
  investigation: Investigation,
): Promise<{ scenario: Scenario; skipped: SkippedRouteDto[] }> {
  const probe = investigation.servers()[0];
  if (!probe) throw new LaunchError('not-ready', 'no probe connected to ask for the URL patterns');
  const answer = await probe.command('urls', { examples: true }, 30_000);
  const found = endpointsFromPatterns(answer.patterns, DISCOVERY_REQUESTS);
  const skipped = found.skipped.map((p) => ({
    route: p.route,
    reason: p.why ?? 'needs path parameters: add example paths in a scenario file',
  }));
  if (found.endpoints.length === 0) {
    const listed = skipped.map((s) => `  ${s.route}: ${s.reason}`).join('\n');
    const said = (where: string): string =>
      `discovery found no GET route without path parameters to scan${listed ? `; these need example paths in ${where}:\n${listed}` : ''}`;
    throw new LaunchError('bad-scenario', {
      cli: said('a scenario file (--scenario)'),
      app: said('a scenario file (djleak run --scenario FILE)'),
    });
  }
  return {
    scenario: scenarioSchema.parse({ endpoints: found.endpoints, warmup: DISCOVERY_WARMUP }),
    skipped,
  };
}
