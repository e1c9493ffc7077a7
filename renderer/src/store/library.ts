import { create } from 'zustand';
import type { RunningDto, SessionSummaryDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { coalesce } from './coalesce.ts';

interface LibraryState {
  sessions: SessionSummaryDto[] | null;
  running: RunningDto[];
  error: string | null;
  refresh(): Promise<void>;
  rename(id: number, name: string): Promise<void>;
  remove(id: number): Promise<void>;
}

export const useLibrary = create<LibraryState>((set, get) => {
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
    refresh,
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
