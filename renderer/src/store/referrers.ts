import { create } from 'zustand';
import type { ReferrersDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';

/**
 * Builtins carry the allocation traceback that a search by site needs; tried in this order when the user
 * names no type, until one reaches a named root.
 */
export const BUILTIN_GUESSES = ['str', 'dict', 'list', 'bytes', 'tuple'] as const;

/** A chain reaches a root with a name (a module global, a class attribute, a thread…). */
export function reachesNamedRoot(result: ReferrersDto): boolean {
  return result.chains.some((c) => c.root.kind !== 'unknown');
}

export interface ReferrerTarget {
  /** What the search is about, as the panel titles it: "shop/fragments.py:32", "type Panel". */
  what: string;
  /** null: guess among BUILTIN_GUESSES (needs a site). */
  type: string | null;
  site?: { file: string; line: number };
}

export interface ReferrerSearch {
  sessionId: number;
  target: ReferrerTarget;
  /** The type asked about now (while searching), or the one the result is for. */
  type: string;
  tried: string[];
  searching: boolean;
  result: ReferrersDto | null;
  error: string | null;
}

interface ReferrersState {
  search: ReferrerSearch | null;
  find(sessionId: number, target: ReferrerTarget): Promise<void>;
  clear(): void;
}

export const useReferrers = create<ReferrersState>((set, get) => {
  let seq = 0;
  return {
    search: null,

    async find(sessionId, target) {
      const mine = ++seq;
      const types = target.type ? [target.type] : [...BUILTIN_GUESSES];
      const patch = (p: Partial<ReferrerSearch>): void => {
        const search = get().search;
        if (mine === seq && search) set({ search: { ...search, ...p } });
      };
      set({
        search: { sessionId, target, type: types[0]!, tried: [], searching: true, result: null, error: null },
      });
      let best: { type: string; result: ReferrersDto } | null = null;
      try {
        for (const type of types) {
          patch({ type });
          const result = await api.call('referrers.find', {
            sessionId,
            type,
            ...(target.site ? { site: target.site } : {}),
          });
          if (mine !== seq) return;
          patch({ tried: [...(get().search?.tried ?? []), type] });
          if (!best || result.chains.length > best.result.chains.length) best = { type, result };
          if (reachesNamedRoot(result)) {
            best = { type, result };
            break;
          }
        }
        patch({ searching: false, type: best?.type ?? types[0]!, result: best?.result ?? null });
      } catch (error) {
        patch({ searching: false, error: toApiCallError(error).message });
      }
    },

    clear() {
      seq++;
      set({ search: null });
    },
  };
});
