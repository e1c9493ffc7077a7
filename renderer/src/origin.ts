import type { SessionSummaryDto } from '../../preload/contract.ts';

/** Where a session in this library came from, when it was not recorded here (SessionSummaryDto.origin). */
export type SessionOrigin =
  | {
      kind: 'imported';
      file: string;
      importedAt: number | null;
      originalId: number | null;
      relayed: boolean;
      /** It was still running when it was exported (here or where it was imported from first). */
      exportedWhileRunning: boolean;
    }
  | { kind: 'recording'; file: string; importedAt: number | null; lines: number | null; skipped: number };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The engine's `status_at_export` ('running' or 'starting'), in this origin or the one it was relayed from. */
function runningAtExport(o: unknown, depth = 0): boolean {
  if (typeof o !== 'object' || o === null || depth > 8) return false;
  const { status_at_export: status, exported_from: from } = o as Record<string, unknown>;
  return status === 'running' || status === 'starting' || runningAtExport(from, depth + 1);
}

/** The file's own name (the engine keeps browser uploads under their own names). */
export function originFileName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Parses the engine's origin JSON; null for a session recorded here (or an origin it cannot read). */
export function parseOrigin(origin: SessionSummaryDto['origin']): SessionOrigin | null {
  if (!origin) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(origin) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const file = typeof o.file === 'string' ? o.file : '';
  const importedAt = num(o.imported_at);
  if (o.recording === true)
    return { kind: 'recording', file, importedAt, lines: num(o.lines), skipped: num(o.skipped) ?? 0 };
  return {
    kind: 'imported',
    file,
    importedAt,
    originalId: num(o.original_id),
    relayed: o.exported_from !== null && o.exported_from !== undefined,
    exportedWhileRunning: runningAtExport(o),
  };
}

/** Whether a session's status 'interrupted' means it was exported while it ran (not a djleak that quit). */
export function exportedWhileRunning(origin: SessionSummaryDto['origin']): boolean {
  const parsed = parseOrigin(origin);
  return parsed?.kind === 'imported' && parsed.exportedWhileRunning;
}

/** The banner's sentence: "Imported from shop-3.djleak on … (original session #3)". */
export function originText(origin: SessionOrigin, formatDate: (t: number) => string): string {
  const name = originFileName(origin.file) || 'a file';
  const when = origin.importedAt === null ? '' : ` on ${formatDate(origin.importedAt)}`;
  if (origin.kind === 'recording') return `Recording ${name} imported${when}`;
  const original = origin.originalId === null ? '' : ` (original session #${origin.originalId})`;
  const cut = origin.exportedWhileRunning ? ', exported while it was still running' : '';
  return `Imported from ${name}${when}${original}${cut}`;
}
