import { create } from 'zustand';
import type { EventDto, RequestDto, SessionDetailDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { coalesce } from './coalesce.ts';
import { useLibrary } from './library.ts';

export interface RequestFilter {
  /** undefined: every route; null: requests no URL pattern matched. */
  route: string | null | undefined;
  minStatus: number | undefined;
  text: string;
}

const LOG_LINES = 2000;
const REQUEST_ROWS = 200;

interface LiveState {
  sessionId: number | null;
  detail: SessionDetailDto | null;
  loadError: string | null;
  logs: EventDto[];
  requests: { total: number; rows: RequestDto[] } | null;
  filter: RequestFilter;
  stopping: boolean;
  stopError: string | null;
  load(sessionId: number): Promise<void>;
  refreshDetail(): Promise<void>;
  refreshRequests(): Promise<void>;
  appendLog(line: Omit<EventDto, 'id'>): void;
  setFilter(patch: Partial<RequestFilter>): void;
  stop(): Promise<void>;
}

let nextLocalLogId = -1;

export const useLive = create<LiveState>((set, get) => {
  const refreshDetail = coalesce(async () => {
    const id = get().sessionId;
    if (id === null) return;
    try {
      const detail = await api.call('sessions.get', { id });
      if (get().sessionId === id) set({ detail, loadError: null });
    } catch (error) {
      if (get().sessionId === id) set({ loadError: toApiCallError(error).message });
    }
  });

  const refreshRequests = coalesce(async () => {
    const id = get().sessionId;
    if (id === null) return;
    const { route, minStatus, text } = get().filter;
    const requests = await api.call('sessions.requests', {
      id,
      limit: REQUEST_ROWS,
      ...(route !== undefined ? { route } : {}),
      ...(minStatus ? { minStatus } : {}),
      ...(text.trim() ? { text: text.trim() } : {}),
    });
    if (get().sessionId === id) set({ requests });
  });

  return {
    sessionId: null,
    detail: null,
    loadError: null,
    logs: [],
    requests: null,
    filter: { route: undefined, minStatus: undefined, text: '' },
    stopping: false,
    stopError: null,

    async load(sessionId) {
      set({
        sessionId,
        detail: null,
        loadError: null,
        logs: [],
        requests: null,
        filter: { route: undefined, minStatus: undefined, text: '' },
        stopping: false,
        stopError: null,
      });
      await Promise.all([
        refreshDetail(),
        refreshRequests(),
        useLibrary.getState().refresh(),
        api.call('sessions.events', { id: sessionId, limit: LOG_LINES }).then(
          (events) => {
            // live 'log' events may have arrived while the history was loading: keep both, in order
            if (get().sessionId !== sessionId) return;
            const stored = new Set(events.map((e) => `${e.t}\u0000${e.message}`));
            const live = get().logs.filter((l) => l.id < 0 && !stored.has(`${l.t}\u0000${l.message}`));
            set({ logs: [...events, ...live].slice(-LOG_LINES) });
          },
          () => undefined,
        ),
      ]);
    },

    refreshDetail,
    refreshRequests,

    appendLog(line) {
      set({ logs: [...get().logs, { ...line, id: nextLocalLogId-- }].slice(-LOG_LINES) });
    },

    setFilter(patch) {
      set({ filter: { ...get().filter, ...patch } });
      void refreshRequests();
    },

    async stop() {
      const id = get().sessionId;
      if (id === null || get().stopping) return;
      set({ stopping: true, stopError: null });
      try {
        await api.call('investigation.stop', { sessionId: id });
      } catch (error) {
        set({ stopError: toApiCallError(error).message });
      } finally {
        if (get().sessionId === id) set({ stopping: false });
        await Promise.all([refreshDetail(), refreshRequests(), useLibrary.getState().refresh()]);
      }
    },
  };
});
