import { create } from 'zustand';
import type { SessionSummaryDto } from '../../../preload/contract.ts';
import { toApiCallError } from '../api.ts';
import { exportSession, importFile, type ExportOutcome } from '../files.ts';
import { useLibrary } from './library.ts';
import { useNav } from './nav.ts';

interface SharingState {
  /** The file being imported; `upload`: bytes sent so far (browser mode), before the engine reads it. */
  importing: { file: string; upload: { done: number; total: number } | null } | null;
  importError: { file: string; message: string } | null;
  /** Imports the files one after another and opens the last one imported. */
  importFiles(files: File[]): Promise<void>;
  dismissImportError(): void;

  /** The session the Export dialog is open for. */
  exporting: SessionSummaryDto | null;
  exportState: { busy: boolean; outcome: ExportOutcome | null; error: string | null };
  openExport(session: SessionSummaryDto): void;
  closeExport(): void;
  runExport(redact: boolean): Promise<void>;

  /** Sessions ticked for comparison in the Sessions view (at most two, the newest tick last). */
  selected: number[];
  toggleSelected(id: number): void;
  clearSelected(): void;
  /** Forgets ticks of sessions no longer in the library. */
  keepSelected(ids: number[]): void;
}

const IDLE_EXPORT = { busy: false, outcome: null, error: null };

export const useSharing = create<SharingState>((set, get) => ({
  importing: null,
  importError: null,
  async importFiles(files) {
    if (get().importing || files.length === 0) return;
    set({ importError: null });
    let opened: number | null = null;
    try {
      for (const file of files) {
        set({ importing: { file: file.name, upload: null } });
        try {
          const result = await importFile(file, (done, total) =>
            set({ importing: { file: file.name, upload: { done, total } } }),
          );
          opened = result.sessionId;
        } catch (error) {
          set({ importError: { file: file.name, message: toApiCallError(error).message } });
          break;
        }
      }
    } finally {
      set({ importing: null });
      useLibrary.getState().setFileProgress(null);
      await useLibrary.getState().refresh();
    }
    if (opened !== null && !get().importError) useNav.getState().openSession(opened);
  },
  dismissImportError: () => set({ importError: null }),

  exporting: null,
  exportState: IDLE_EXPORT,
  openExport: (exporting) => set({ exporting, exportState: IDLE_EXPORT }),
  closeExport: () => set({ exporting: null, exportState: IDLE_EXPORT }),
  async runExport(redact) {
    const session = get().exporting;
    if (!session || get().exportState.busy) return;
    set({ exportState: { busy: true, outcome: null, error: null } });
    try {
      const outcome = await exportSession(session.id, redact);
      if (get().exporting?.id === session.id) set({ exportState: { busy: false, outcome, error: null } });
    } catch (error) {
      if (get().exporting?.id === session.id)
        set({ exportState: { busy: false, outcome: null, error: toApiCallError(error).message } });
    }
  },

  selected: [],
  toggleSelected(id) {
    const selected = get().selected;
    set({
      selected: selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id].slice(-2),
    });
  },
  clearSelected: () => set({ selected: [] }),
  keepSelected(ids) {
    const selected = get().selected;
    const kept = selected.filter((id) => ids.includes(id));
    if (kept.length !== selected.length) set({ selected: kept });
  },
}));

/** The pair to compare: the session that started first is "before". */
export function comparePair(
  ids: number[],
  sessions: SessionSummaryDto[] | null,
): { before: number; after: number } | null {
  if (ids.length !== 2) return null;
  const [a, b] = ids.map((id) => sessions?.find((s) => s.id === id)) as [
    SessionSummaryDto | undefined,
    SessionSummaryDto | undefined,
  ];
  if (!a || !b) return null;
  return a.started_at <= b.started_at ? { before: a.id, after: b.id } : { before: b.id, after: a.id };
}
