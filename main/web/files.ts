import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Engine } from '../engine.ts';
import { dispatch, type Handlers } from '../api/index.ts';
import { ApiError } from '../api/errors.ts';
import { exportFileName } from '../api/files.ts';

/** Uploads stop here: a session file or a recording larger than this is refused before it fills the disk. */
const MAX_UPLOAD = 4 * 1024 ** 3;

/** A prepared export's download link works once, within this time. */
const PREPARED_TTL_MS = 10 * 60_000;

/** Exports a server stopped without removing (killed while a download was prepared or running): full session
 * files, maybe unredacted, that nobody will fetch. Ones younger than a ticket's lifetime are left alone: they may
 * be another server's, on the same data folder. */
export function removeLeftoverExports(folder: string): void {
  if (!existsSync(folder)) return;
  const before = Date.now() - PREPARED_TTL_MS;
  for (const name of readdirSync(folder)) {
    const file = path.join(folder, name);
    if (
      name.startsWith('export-') &&
      (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < before
    )
      rmSync(file, { force: true });
  }
}

/** Exports written ahead of their download (`POST /files/export`), by one-time ticket. */
export class PreparedExports {
  private readonly files = new Map<string, { file: string; name: string; expires: number }>();

  add(file: string, name: string): string {
    this.sweep();
    const ticket = randomBytes(16).toString('base64url');
    this.files.set(ticket, { file, name, expires: Date.now() + PREPARED_TTL_MS });
    return ticket;
  }

  /** The file for a ticket, once: the ticket is gone after this. */
  take(ticket: string): { file: string; name: string } | null {
    this.sweep();
    const found = this.files.get(ticket) ?? null;
    this.files.delete(ticket);
    return found;
  }

  clear(): void {
    for (const { file } of this.files.values()) rmSync(file, { force: true });
    this.files.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [ticket, p] of this.files) {
      if (p.expires > now) continue;
      rmSync(p.file, { force: true });
      this.files.delete(ticket);
    }
  }
}

/**
 * Session files in browser mode, where the page has no paths: `POST /files/import?name=N` takes a dropped or
 * picked file's bytes (streamed to a temporary file, then imported like any other); `GET /files/export?id=N`
 * answers a fresh export as a download; `POST /files/export?id=N` writes the export first and answers a
 * one-time `GET /files/download?ticket=T` link, so the page shows a refusal in its dialog and the browser
 * still streams the file to disk (the page never holds it).
 */
export async function serveFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  engine: Engine,
  handlers: Handlers,
  prepared: PreparedExports,
): Promise<void> {
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const failed = (error: unknown): void => {
    const e = error instanceof ApiError ? error : new ApiError('bad-input', (error as Error).message);
    json(e.code === 'not-found' ? 404 : 400, { ok: false, error: e.toWire() });
  };
  const folder = path.join(engine.dataHome, 'uploads');
  if (url.pathname === '/files/import' && req.method === 'POST') {
    const name = path.basename(url.searchParams.get('name') ?? 'upload.djleak').replace(/[^\w.-]+/g, '-');
    const size = Number(req.headers['content-length'] ?? NaN);
    if (!(size <= MAX_UPLOAD))
      return failed(new ApiError('bad-input', 'the upload needs a Content-Length of at most 4 GB'));
    mkdirSync(folder, { recursive: true });
    // A folder per upload keeps the file's own name: it is what the session's origin and any refusal name.
    const own = mkdtempSync(path.join(folder, 'upload-'));
    const file = path.join(own, name);
    try {
      await pipeline(req, createWriteStream(file));
      json(200, { ok: true, result: await dispatch(handlers, 'sessions.import', { file }) });
    } catch (error) {
      failed(error);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
    return;
  }
  /** A fresh export of the session in the URL into the uploads folder; null (answered) when refused. */
  const exportNow = async (): Promise<{ file: string; name: string } | null> => {
    const id = Number(url.searchParams.get('id'));
    const redact = url.searchParams.get('redact') !== '0';
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `export-${id}-${Date.now()}-${randomBytes(4).toString('hex')}.djleak`);
    try {
      await dispatch(handlers, 'sessions.export', { id, file, redact });
    } catch (error) {
      rmSync(file, { force: true });
      failed(error);
      return null;
    }
    return { file, name: exportFileName(engine.library.session(id)!) };
  };
  const download = async ({ file, name }: { file: string; name: string }): Promise<void> => {
    res.writeHead(200, {
      'Content-Type': 'application/vnd.sqlite3',
      'Content-Length': statSync(file).size,
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    });
    await pipeline(createReadStream(file), res).finally(() => rmSync(file, { force: true }));
  };
  if (url.pathname === '/files/export' && req.method === 'GET') {
    const written = await exportNow();
    if (written) await download(written);
    return;
  }
  if (url.pathname === '/files/export' && req.method === 'POST') {
    const written = await exportNow();
    if (!written) return;
    const ticket = prepared.add(written.file, written.name);
    json(200, {
      ok: true,
      result: {
        download: `/files/download?ticket=${ticket}`,
        fileName: written.name,
        bytes: statSync(written.file).size,
      },
    });
    return;
  }
  if (url.pathname === '/files/download' && req.method === 'GET') {
    const found = prepared.take(url.searchParams.get('ticket') ?? '');
    if (!found)
      return failed(
        new ApiError(
          'not-found',
          'this download link was used already or has expired: export the session again',
        ),
      );
    await download(found);
    return;
  }
  json(404, { ok: false, error: new ApiError('not-found', `no ${req.method} ${url.pathname}`).toWire() });
}
