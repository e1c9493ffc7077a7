import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { fileDigest } from '../store/session-digest.ts';
import { importRecording } from '../recording.ts';
import { exportSession } from '../store/session-export.ts';
import { SessionFileError } from '../store/session-file.ts';
import { importSession, regularFile } from '../store/session-import.ts';
import { ApiError } from './errors.ts';
import type { HandlerSpecs } from './handler.ts';

const file = z.string().min(1).max(4096);

/** A probe recording is NDJSON: its first byte opens a JSON object (a session file starts "SQLite format 3"). */
function looksLikeRecording(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(1);
    return readSync(fd, head, 0, 1, 0) === 1 && head[0] === 0x7b;
  } catch {
    return false; // the session file reader says what is wrong with it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `<session name>-<id>.djleak`, safe as a file name anywhere. */
export function exportFileName(session: { id: number; name: string }): string {
  const slug =
    session.name
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'session';
  return `${slug}-${session.id}.djleak`;
}

/** exports/ in the data folder (made when first needed). */
function defaultExportFile(dataHome: string, session: { id: number; name: string }): string {
  const folder = path.join(dataHome, 'exports');
  mkdirSync(folder, { recursive: true });
  return path.join(folder, exportFileName(session));
}

export function fileHandlers(engine: Engine) {
  const db = engine.library.db;
  const progress = (name: string) => (p: { phase: string; done: number; total: number }) =>
    engine.emit({ kind: 'file-progress', file: name, ...p });
  const refused = (error: unknown): never => {
    if (error instanceof SessionFileError) throw new ApiError('bad-input', error.message);
    throw error;
  };
  return {
    'sessions.export': {
      input: z
        .object({ id: z.number().int().positive(), file: file.optional(), redact: z.boolean().optional() })
        .strict(),
      run: ({ id, file, redact = true }) => {
        const session = engine.library.session(id);
        if (!session) throw new ApiError('not-found', `no session ${id} in the library`);
        try {
          const written = exportSession(db, id, file ?? defaultExportFile(engine.dataHome, session), {
            redact,
          });
          // What the file holds (redacted, or as it was when a running session was exported), which is what an
          // import of it reproduces: the library's rows differ from it in both cases.
          return { ...written, digest: fileDigest(written.file, id) };
        } catch (error) {
          return refused(error);
        }
      },
    },
    'sessions.import': {
      input: z.object({ file }).strict(),
      run: async ({ file }) => {
        try {
          const onProgress = progress(path.basename(file));
          regularFile(file);
          if (looksLikeRecording(file)) {
            const { sessionId, name } = await importRecording(engine.library, file, onProgress);
            return { sessionId, name };
          }
          return await importSession(db, file, onProgress);
        } catch (error) {
          return refused(error);
        }
      },
    },
  } satisfies HandlerSpecs<'sessions.export' | 'sessions.import'>;
}
