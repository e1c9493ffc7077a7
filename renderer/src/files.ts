import type { ApiErrorDto, ApiResult } from '../../preload/contract.ts';
import { api, ApiCallError } from './api.ts';

/**
 * Session files, whichever face serves the page. Electron hands the engine a dropped file's path and writes
 * exports into the data folder; browser mode has no paths, so it uploads the bytes to POST /files/import and
 * downloads exports through POST /files/export's one-time link. Components call these and never ask which face
 * they run in.
 */

export type ImportResult = ApiResult<'sessions.import'>;

/** Bytes sent so far, while a browser-mode upload runs (Electron reads the file in place: no upload). */
export type UploadProgress = (done: number, total: number) => void;

export type ExportOutcome =
  | { kind: 'downloaded'; fileName: string; bytes: number }
  | { kind: 'written'; file: string; bytes: number; rows: number; tables: number };

/** Electron's bridge can tell a dropped or picked file's path; browser mode cannot. */
function pathForFile(): ((file: File) => string) | undefined {
  return window.djleak?.pathForFile?.bind(window.djleak);
}

/** The files the engine imports: session files and probe recordings. */
export const IMPORT_ACCEPT = '.djleak,.ndjson';

/** Browser mode: the page's token (the cookie set at load also carries it; this covers a lost cookie). */
function withToken(url: string): string {
  const token = new URLSearchParams(location.search).get('token');
  return token ? `${url}&token=${encodeURIComponent(token)}` : url;
}

interface WireAnswer {
  ok?: boolean;
  result?: ImportResult;
  error?: Partial<ApiErrorDto>;
}

function answerError(text: string, status: number): ApiCallError {
  try {
    const body = JSON.parse(text) as WireAnswer;
    if (body.error?.message) return new ApiCallError(body.error.message, body.error.code);
  } catch {
    // not our JSON (a proxy, a 401 page): say what came back
  }
  return new ApiCallError(text.trim() || `the engine answered HTTP ${status}`, 'internal');
}

/** XMLHttpRequest rather than fetch: it reports upload progress. */
function upload(file: File, onUpload: UploadProgress | undefined): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withToken(`/files/import?name=${encodeURIComponent(file.name)}`));
    xhr.upload.onprogress = (e) => onUpload?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 200) {
        const body = JSON.parse(xhr.responseText) as WireAnswer;
        if (body.ok && body.result) return resolve(body.result);
      }
      reject(answerError(xhr.responseText, xhr.status));
    };
    xhr.onerror = () => reject(new ApiCallError('cannot reach the djleak engine', 'disconnected'));
    onUpload?.(0, file.size);
    xhr.send(file);
  });
}

/** Imports a dropped or picked file as a new session (a .djleak session file or a .ndjson recording). */
export async function importFile(file: File, onUpload?: UploadProgress): Promise<ImportResult> {
  const toPath = pathForFile();
  if (!toPath) return upload(file, onUpload);
  const path = toPath(file);
  if (!path) throw new ApiCallError(`${file.name} has no path on this computer: save it to a folder first`);
  return api.call('sessions.import', { file: path });
}

/** What POST /files/export answers: a one-time link to the written export. */
interface PreparedExport {
  download: string;
  fileName: string;
  bytes: number;
}

/**
 * Browser mode has the engine write the export first (POST), so a refusal shows in the dialog instead of
 * replacing the page, then follows the one-time link it answers: the browser streams the file to disk and the
 * page never holds it. Electron writes it into the data folder's exports/.
 */
export async function exportSession(id: number, redact: boolean): Promise<ExportOutcome> {
  if (!pathForFile()) {
    let res: Response;
    try {
      res = await fetch(withToken(`/files/export?id=${id}&redact=${redact ? 1 : 0}`), {
        method: 'POST',
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiCallError('cannot reach the djleak engine', 'disconnected');
    }
    const text = await res.text();
    if (!res.ok) throw answerError(text, res.status);
    const prepared = (JSON.parse(text) as { result: PreparedExport }).result;
    const link = document.createElement('a');
    link.href = withToken(prepared.download);
    link.download = prepared.fileName;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    return { kind: 'downloaded', fileName: prepared.fileName, bytes: prepared.bytes };
  }
  const written = await api.call('sessions.export', { id, redact });
  const tables = Object.values(written.digest);
  return {
    kind: 'written',
    file: written.file,
    bytes: written.bytes,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    tables: tables.length,
  };
}

/** Whether a drag carries files from the desktop (not text or a link dragged inside the page). */
export function dragHasFiles(e: { dataTransfer: DataTransfer | null }): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/**
 * A file dropped outside a drop zone would make the browser open it in place of the app; the Sessions view's
 * zone handles drops itself (and stops them from reaching here).
 */
export function guardFileDrops(): () => void {
  const block = (e: DragEvent): void => {
    if (e.defaultPrevented || !dragHasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
  };
  window.addEventListener('dragover', block);
  window.addEventListener('drop', block);
  return () => {
    window.removeEventListener('dragover', block);
    window.removeEventListener('drop', block);
  };
}
