import { create } from 'zustand';
import type { CompareDto, TimelineDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';

/** Enough points for a full-width chart of each session: the overlay never zooms. */
const BUCKETS = 600;

interface CompareState {
  /** `before:after` of what is loaded (or loading). */
  key: string | null;
  data: CompareDto | null;
  timelines: { before: TimelineDto; after: TimelineDto } | null;
  error: string | null;
  load(before: number, after: number): Promise<void>;
}

export const useCompare = create<CompareState>((set, get) => ({
  key: null,
  data: null,
  timelines: null,
  error: null,
  async load(before, after) {
    const key = `${before}:${after}`;
    set({ key, data: null, timelines: null, error: null });
    try {
      const [data, a, b] = await Promise.all([
        api.call('sessions.compare', { before, after }),
        api.call('sessions.timeline', { id: before, buckets: BUCKETS }),
        api.call('sessions.timeline', { id: after, buckets: BUCKETS }),
      ]);
      if (get().key === key) set({ data, timelines: { before: a, after: b } });
    } catch (error) {
      if (get().key === key) set({ error: toApiCallError(error).message });
    }
  },
}));
