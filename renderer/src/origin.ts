import type { SessionSummaryDto } from '../../preload/contract.ts';

/** Where a session in this library came from, when it was not recorded here (SessionSummaryDto.origin). */
export type SessionOrigin =
  | { kind: 'imported'; file: string; importedAt: number | null; originalId: number | null; relayed: boolean }
  | { kind: 'recording'; file: string; importedAt: number | null; lines: number | null; skipped: number };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

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
  };
}

/** The banner's sentence: "Imported from shop-3.djleak on … (original session #3)". */
export function originText(origin: SessionOrigin, formatDate: (t: number) => string): string {
  const name = originFileName(origin.file) || 'a file';
  const when = origin.importedAt === null ? '' : ` on ${formatDate(origin.importedAt)}`;
  if (origin.kind === 'recording') return `Recording ${name} imported${when}`;
  const original = origin.originalId === null ? '' : ` (original session #${origin.originalId})`;
  return `Imported from ${name}${when}${original}`;
}
