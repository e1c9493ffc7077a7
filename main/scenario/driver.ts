import http from 'node:http';
import { INTERNAL_HEADER } from '../probe/protocol.ts';
import type { Scenario, ScenarioEndpoint } from './scenario.ts';

export interface EndpointResult {
  method: string;
  path: string;
  sent: number;
  statuses: Record<string, number>;
  failures: number;
  elapsed_ms: number;
}

export interface DriveOptions {
  port: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, endpoint: ScenarioEndpoint) => void;
}

class CookieJar {
  private cookies = new Map<string, string>();
  header(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
  take(setCookie: string[] | undefined): void {
    for (const raw of setCookie ?? []) {
      const [pair] = raw.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}

function send(
  port: number,
  ep: ScenarioEndpoint,
  jar: CookieJar,
  agent: http.Agent,
  internal: boolean,
): Promise<number> {
  let body: string | undefined = ep.body;
  const headers: Record<string, string> = { 'User-Agent': 'djleak-scenario', ...ep.headers };
  if (ep.form) {
    body = new URLSearchParams(ep.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
  const cookie = jar.header();
  if (cookie) headers.Cookie = cookie;
  if (internal) headers[INTERNAL_HEADER] = '1';
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: ep.path, method: ep.method, headers, agent, timeout: 120_000 },
      (res) => {
        jar.take(res.headers['set-cookie']);
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${ep.path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Drives the scenario one endpoint at a time (so growth is attributable), `concurrency` requests in
 * flight. "fresh" cookies = a new client per request; "keep" = one client for the whole run.
 * Warm-up requests are marked internal and are not counted.
 */
export async function driveScenario(scenario: Scenario, opts: DriveOptions): Promise<EndpointResult[]> {
  const agent = new http.Agent({ keepAlive: false });
  const keptJar = new CookieJar();
  const jarFor = (): CookieJar => (scenario.cookies === 'keep' ? keptJar : new CookieJar());
  const total = scenario.endpoints.reduce((n, ep) => n + ep.requests, 0);
  let done = 0;
  const results: EndpointResult[] = [];
  try {
    for (const ep of scenario.endpoints) {
      for (let i = 0; i < scenario.warmup; i++)
        await send(opts.port, ep, jarFor(), agent, true).catch(() => 0);
      const result: EndpointResult = {
        method: ep.method,
        path: ep.path,
        sent: 0,
        statuses: {},
        failures: 0,
        elapsed_ms: 0,
      };
      const started = performance.now();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ep.requests && !opts.signal?.aborted) {
          next++;
          try {
            const status = await send(opts.port, ep, jarFor(), agent, false);
            result.statuses[status] = (result.statuses[status] ?? 0) + 1;
          } catch {
            result.failures++;
          }
          result.sent++;
          done++;
          opts.onProgress?.(done, total, ep);
        }
      };
      await Promise.all(Array.from({ length: Math.min(scenario.concurrency, ep.requests) }, worker));
      result.elapsed_ms = performance.now() - started;
      results.push(result);
      if (opts.signal?.aborted) break;
    }
  } finally {
    agent.destroy();
  }
  return results;
}
