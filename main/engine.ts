import type { EngineEvent } from '../preload/contract.ts';
import { Investigation, type InvestigationOptions, type Listener } from './investigation.ts';
import { Library } from './store/library.ts';
import { libraryPath } from './paths.ts';

/** Shared state behind every face: the library, running investigations and the event fan-out. */
export class Engine {
  readonly library: Library;
  readonly running = new Map<number, Investigation>();
  private listeners = new Set<(event: EngineEvent) => void>();

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

  async startInvestigation(options: InvestigationOptions, listener?: Listener): Promise<Investigation> {
    const investigation = new Investigation(this.library, this.dataHome, options);
    if (listener) investigation.on(listener);
    investigation.on((event) => {
      if (event.kind === 'status' || event.kind === 'process' || event.kind === 'setup') this.emit(event);
    });
    await investigation.start();
    this.running.set(investigation.sessionId, investigation);
    void investigation.ended.then(() => this.running.delete(investigation.sessionId));
    return investigation;
  }

  /** Stops every running target; used on quit so nothing is left behind. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((i) => i.stop()));
    this.library.close();
  }
}
