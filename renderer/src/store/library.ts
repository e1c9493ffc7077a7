import { create } from 'zustand';
import type { EngineEvent, RunningDto, SessionSummaryDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { latestPerEndpoint, verdictCounts, type VerdictCounts } from '../verdicts.ts';
import { coalesce } from './coalesce.ts';

interface LibraryState {
  sessions: SessionSummaryDto[] | null;
  running: RunningDto[];
  error: string | null;
  /** Each session's scan verdicts (latest per endpoint), null when it has none; absent until fetched. */
  verdicts: Record<number, VerdictCounts | null>;
  /** A session file being read or written (import/export), from the engine's file-progress events. */
  fileProgress: Omit<Extract<EngineEvent, { kind: 'file-progress' }>, 'kind'> | null;
  setFileProgress(p: LibraryState['fileProgress']): void;
  /** A file the OS asked to open that could not be imported (shown by the Sessions view). */
  openError: string | null;
  setOpenError(message: string | null): void;
  refresh(): Promise<void>;
  /** Fetches the verdicts of the sessions not known yet; a finished session's never change. */
  loadVerdicts(ids: number[]): Promise<void>;
  /** A scan of this session ended: its verdicts are fetched again when next shown. */
  forgetVerdicts(id: number): void;
  rename(id: number, name: string): Promise<void>;
  remove(id: number): Promise<void>;
}

export const useLibrary = create<LibraryState>((set, get) => {
  const fetchingVerdicts = new Set<number>();
  /** Forgotten while being fetched: that answer may predate the scan that just ended, so ask again. */
  const staleVerdicts = new Set<number>();
  const refresh = coalesce(async () => {
    try {
      const [sessions, running] = await Promise.all([
        api.call('sessions.list', {}),
        api.call('investigation.running', {}),
      ]);
      set({ sessions, running, error: null });
    } catch (error) {
      set({ error: toApiCallError(error).message });
    }
  });
  return {
    sessions: null,
    running: [],
    error: null,
    verdicts: {},
    fileProgress: null,
    setFileProgress: (fileProgress) => set({ fileProgress }),
    openError: null,
    setOpenError: (openError) => set({ openError }),
    refresh,
    async loadVerdicts(ids) {
      const missing = ids.filter((id) => !(id in get().verdicts) && !fetchingVerdicts.has(id));
      missing.forEach((id) => fetchingVerdicts.add(id));
      await Promise.all(
        missing.map(async (id) => {
          try {
            let results;
            do {
              staleVerdicts.delete(id);
              results = await api.call('sessions.scans', { id });
            } while (staleVerdicts.has(id));
            const counts = results.length ? verdictCounts(latestPerEndpoint(results)) : null;
            set({ verdicts: { ...get().verdicts, [id]: counts } });
          } catch {
            // a session deleted meanwhile, or the engine away: the column shows nothing for it
          } finally {
            fetchingVerdicts.delete(id);
            staleVerdicts.delete(id);
          }
        }),
      );
    },
    forgetVerdicts(id) {
      if (fetchingVerdicts.has(id)) staleVerdicts.add(id);
      const { [id]: _gone, ...rest } = get().verdicts;
      set({ verdicts: rest });
    },
    async rename(id, name) {
      await api.call('sessions.rename', { id, name });
      set({ sessions: get().sessions?.map((s) => (s.id === id ? { ...s, name } : s)) ?? null });
      void refresh();
    },
    async remove(id) {
      await api.call('sessions.delete', { id });
      set({ sessions: get().sessions?.filter((s) => s.id !== id) ?? null });
      void refresh();
    },
  };
});

export function runningInfo(running: RunningDto[], sessionId: number | null): RunningDto | undefined {
  return running.find((r) => r.sessionId === sessionId);
}
