import { existsSync } from 'node:fs';
import path from 'node:path';
import { dispatch, type Handlers } from './api/index.ts';
import type { Engine } from './engine.ts';

const OPENABLE = ['.djleak', '.ndjson'];

/** The session files and recordings named on a command line (the OS passes them when a file is opened). */
export function filesToOpen(argv: readonly string[], cwd = process.cwd()): string[] {
  return argv
    .filter((a) => !a.startsWith('-') && OPENABLE.includes(path.extname(a).toLowerCase()))
    .map((a) => path.resolve(cwd, a))
    .filter((f) => existsSync(f));
}

/** Imports a file the OS asked the app to open and tells the faces to show it; says why when it cannot. */
export async function openFromOs(engine: Engine, handlers: Handlers, file: string): Promise<number | null> {
  try {
    const { sessionId } = await dispatch(handlers, 'sessions.import', { file });
    engine.emit({ kind: 'opened', sessionId, file });
    return sessionId;
  } catch (error) {
    engine.emit({ kind: 'open-failed', file, message: (error as Error).message });
    return null;
  }
}
