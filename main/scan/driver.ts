import http from 'node:http';
import { INTERNAL_HEADER } from '../probe/protocol.ts';
import type { Scenario, ScenarioEndpoint } from './scenario.ts';

export interface EndpointResult {
  method: string;
  path: string;
  sent: number;
  statuses: Record<string, number>;
  /** Where redirects pointed (path only), counted. */
  redirects: Record<string, number>;
  failures: number;
  elapsed_ms: number;
}

class CookieJar {
  private readonly cookies: Map<string, string>;
  /** `seed`: cookies every request starts with (the session of a logged-in scan). */
  constructor(seed: Readonly<Record<string, string>> = {}) {
    this.cookies = new Map(Object.entries(seed));
  }
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

/** What every request of a scan carries: the scenario's headers, and cookies such as a logged-in session. */
export interface RequestBase {
  headers?: Readonly<Record<string, string>>;
  cookies?: Readonly<Record<string, string>>;
}

/**
 * HTTP load for one target. "fresh" cookies = a new client per request (each starting with the base cookies);
 * "keep" = one client for the whole run. Requests marked internal (warm-up) carry a header the probe leaves out
 * of its records.
 */
export class LoadDriver {
  private readonly agent = new http.Agent({ keepAlive: false });
  private readonly keptJar: CookieJar;

  constructor(
    private readonly port: number,
    private readonly cookies: Scenario['cookies'],
    private readonly concurrency: number,
    private readonly base: RequestBase = {},
  ) {
    this.keptJar = new CookieJar(base.cookies);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(ep: ScenarioEndpoint, internal: boolean): Promise<{ status: number; location?: string }> {
    const jar = this.cookies === 'keep' ? this.keptJar : new CookieJar(this.base.cookies);
    let body: string | undefined = ep.body;
    const headers: Record<string, string> = {
      'User-Agent': 'djleak-scenario',
      ...this.base.headers,
      ...ep.headers,
    };
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
        {
          host: '127.0.0.1',
          port: this.port,
          path: ep.path,
          method: ep.method,
          headers,
          agent: this.agent,
          timeout: 120_000,
        },
        (res) => {
          jar.take(res.headers['set-cookie']);
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request to ${ep.path} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Sends `count` requests, `concurrency` in flight, adding to `into`; stops early when `signal` aborts. */
  async drive(
    ep: ScenarioEndpoint,
    count: number,
    into: EndpointResult,
    signal?: AbortSignal,
    internal = false,
  ): Promise<void> {
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < count && !signal?.aborted) {
        next++;
        try {
          const { status, location } = await this.send(ep, internal);
          if (!internal) {
            into.statuses[status] = (into.statuses[status] ?? 0) + 1;
            if (location && status >= 300 && status < 400) {
              const target = redirectPath(location, ep.path);
              into.redirects[target] = (into.redirects[target] ?? 0) + 1;
            }
          }
        } catch {
          if (!internal) into.failures++;
        }
        if (!internal) into.sent++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.concurrency, count)) }, worker));
    if (!internal) into.elapsed_ms += performance.now() - started;
  }
}

export function emptyResult(ep: ScenarioEndpoint): EndpointResult {
  return {
    method: ep.method,
    path: ep.path,
    sent: 0,
    statuses: {},
    redirects: {},
    failures: 0,
    elapsed_ms: 0,
  };
}

/** A redirect's target as a path: relative ones resolved against the request's, the query string left out (a
 * login redirect carries ?next=<the page>). Another host keeps its origin. */
function redirectPath(location: string, from: string): string {
  try {
    const url = new URL(location, `http://127.0.0.1${from}`);
    return url.host === '127.0.0.1' ? url.pathname : `${url.origin}${url.pathname}`;
  } catch {
    return location.split('?')[0]!;
  }
}
