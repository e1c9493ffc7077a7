import type { EngineEvent, StartInvestigationArgs } from '../preload/contract.ts';
import { Investigation, type InvestigationOptions, type Listener } from './investigation.ts';
import { EngineError } from './engine-errors.ts';
import { LaunchError } from './launcher/errors.ts';
import { scenarioSchema, type Scenario } from './scan/scenario.ts';
import { scanSession, type ScanOverrides } from './scan/run.ts';
import { Library } from './store/library.ts';
import { libraryPath } from './paths.ts';
import { withCost, workerBaseRss } from './analysis/cost.ts';
import { processSummaries } from './store/queries.ts';

const TICK_MS = 500;

/** Shared state behind every face: the library, running investigations and the event fan-out. */
export class Engine {
  readonly library: Library;
  readonly running = new Map<number, Investigation>();
  private readonly scans = new Map<number, AbortController>();
  private listeners = new Set<(event: EngineEvent) => void>();
  private lastTick = new Map<number, number>();
  private pendingTicks = new Map<number, NodeJS.Timeout>();

  constructor(
    readonly dataHome: string,
    libraryFile = libraryPath(dataHome),
  ) {
    this.library = new Library(libraryFile);
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** At most one 'tick' per session every TICK_MS, so a face refetches a few times a second, not per batch. */
  private tick(sessionId: number): void {
    if (this.pendingTicks.has(sessionId)) return;
    const since = Date.now() - (this.lastTick.get(sessionId) ?? 0);
    const fire = (): void => {
      this.pendingTicks.delete(sessionId);
      this.lastTick.set(sessionId, Date.now());
      this.emit({ kind: 'tick', sessionId });
    };
    if (since >= TICK_MS) fire();
    else this.pendingTicks.set(sessionId, setTimeout(fire, TICK_MS - since));
  }

  async startInvestigation(options: InvestigationOptions, listener?: Listener): Promise<Investigation> {
    const investigation = new Investigation(this.library, this.dataHome, options);
    if (listener) investigation.on(listener);
    investigation.on((event) => {
      switch (event.kind) {
        case 'status':
        case 'process':
        case 'setup':
        case 'log':
          this.emit(event);
          break;
        case 'flushed':
          this.tick(event.sessionId);
          break;
        case 'samples':
        case 'requests':
          break; // stored by the investigation; faces refetch on 'tick'
        default: {
          const unhandled: never = event;
          throw new Error(`unhandled investigation event ${JSON.stringify(unhandled)}`);
        }
      }
    });
    await investigation.start();
    this.running.set(investigation.sessionId, investigation);
    void investigation.ended.then(() => this.running.delete(investigation.sessionId));
    return investigation;
  }

  /**
   * Starts a leak scan of a running session in the background; progress, each endpoint's result and the end
   * arrive as events. One scan per session at a time.
   */
  startScan(sessionId: number, scenario: Scenario | null, overrides: ScanOverrides = {}): void {
    const investigation = this.running.get(sessionId);
    if (!investigation)
      throw new EngineError('not-found', `session ${sessionId} is not running: start it to scan`);
    if (this.scans.has(sessionId))
      throw new EngineError('bad-input', `session ${sessionId} is already being scanned`);
    const abort = new AbortController();
    this.scans.set(sessionId, abort);
    void scanSession(investigation, scenario, {
      signal: abort.signal,
      overrides,
      onProgress: (p) =>
        this.emit({
          kind: 'scan-progress',
          sessionId,
          method: p.endpoint.method,
          path: p.endpoint.path,
          index: p.index,
          endpoints: p.endpoints,
          round: p.round,
          rounds: p.rounds,
          stage: p.stage,
          extending: p.extending,
        }),
      onDiagnosing: ({ endpoint, ...d }) =>
        this.emit({ kind: 'scan-diagnosing', sessionId, method: endpoint.method, path: endpoint.path, ...d }),
      onResult: (result) => {
        const [costed] = withCost([result], workerBaseRss(processSummaries(this.library.db, sessionId)));
        this.emit({ kind: 'scan-result', sessionId, result: costed! });
      },
    })
      .then(
        (outcome) => ({ results: outcome.results.length, interrupted: outcome.interrupted, error: null }),
        (error: Error) => ({
          results: 0,
          interrupted: false,
          error: error instanceof LaunchError ? error.messageFor('app') : error.message,
        }),
      )
      .then((end) => {
        this.scans.delete(sessionId);
        this.emit({ kind: 'scan-done', sessionId, cancelled: abort.signal.aborted, ...end });
      });
  }

  /**
   * Verify a fix: starts the session's project again the way it was started (the old session is stopped
   * first: the user edited the code), linked to it, and scans it with the same scenario.
   */
  async rerunScan(sessionId: number): Promise<number> {
    const old = this.library.session(sessionId);
    if (!old) throw new EngineError('not-found', `no session ${sessionId} in the library`);
    if (!old.scenario) throw new EngineError('bad-input', `session ${sessionId} has no scan to re-run`);
    if (!old.options)
      throw new EngineError(
        'bad-input',
        `session ${sessionId} was made by an older djleak: start it again from Start`,
      );
    if (this.scans.has(sessionId))
      throw new EngineError(
        'bad-input',
        `session ${sessionId} is still being scanned: wait or cancel it first`,
      );
    await this.running.get(sessionId)?.stop();
    const options = JSON.parse(old.options) as StartInvestigationArgs;
    const name = `${old.name.replace(/ \(re-run\)$/, '')} (re-run)`;
    const investigation = await this.startInvestigation({ ...options, name, follows: sessionId });
    this.startScan(investigation.sessionId, scenarioSchema.parse(JSON.parse(old.scenario)));
    return investigation.sessionId;
  }

  cancelScan(sessionId: number): boolean {
    const abort = this.scans.get(sessionId);
    abort?.abort();
    return abort !== undefined;
  }

  /** Stops every running target; used on quit so nothing is left behind. */
  async shutdown(): Promise<void> {
    for (const abort of this.scans.values()) abort.abort();
    await Promise.allSettled([...this.running.values()].map((i) => i.stop()));
    for (const timer of this.pendingTicks.values()) clearTimeout(timer);
    this.library.close();
  }
}
