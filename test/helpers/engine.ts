import path from 'node:path';
import { Engine } from '../../main/engine.ts';
import { tempDir } from './tmp.ts';

/** Cleanups run in reverse order after each test; register with `cleanups.push`. */
export function cleanupList(): { cleanups: (() => void | Promise<void>)[]; runAll(): Promise<void> } {
  const cleanups: (() => void | Promise<void>)[] = [];
  return {
    cleanups,
    async runAll() {
      for (const f of cleanups.splice(0).reverse()) await f();
    },
  };
}

/** A real engine over its own library file in its own data folder. */
export function testEngine(cleanups: (() => void | Promise<void>)[]): Engine {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const e = new Engine(t.dir, path.join(t.dir, 'library.sqlite'));
  cleanups.push(() => e.shutdown());
  return e;
}

export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
