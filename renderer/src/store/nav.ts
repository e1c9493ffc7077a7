import { create } from 'zustand';

export type View = 'start' | 'live' | 'snapshots' | 'checklist' | 'sessions' | 'compare';

/** The views that show one session: their hash carries its id. */
const SESSION_VIEWS: readonly View[] = ['live', 'snapshots', 'checklist'];

/** Two sessions side by side: `before` is drawn first and is what `after` is judged against. */
export interface ComparePair {
  before: number;
  after: number;
}

interface NavState {
  view: View;
  /** The session the per-session views show; it stays selected while the user visits other views. */
  sessionId: number | null;
  /** The sessions the Compare view shows; kept while the user visits other views. */
  compare: ComparePair | null;
  shortcutsOpen: boolean;
  go(view: View): void;
  openSession(sessionId: number): void;
  openSnapshots(sessionId: number): void;
  openChecklist(sessionId: number): void;
  openCompare(before: number, after: number): void;
  setShortcutsOpen(open: boolean): void;
}

interface HashTarget {
  view: View;
  sessionId: number | null;
  compare: ComparePair | null;
}

const idOf = (part: string | undefined): number | null => (part && /^\d+$/.test(part) ? Number(part) : null);

/**
 * `#/live/3`, `#/snapshots/3`, `#/checklist/3`, `#/compare/3/5`, `#/sessions`: so a reload (or a shared
 * browser-mode URL) lands on the same view.
 */
export function parseHash(hash: string): HashTarget {
  const [, view, id, other] = hash.replace(/^#/, '').split('/');
  const sessionId = idOf(id);
  if (view === 'live' && sessionId !== null) return { view, sessionId, compare: null };
  if (view === 'snapshots') return { view, sessionId, compare: null };
  if (view === 'checklist') return { view, sessionId, compare: null };
  if (view === 'sessions') return { view, sessionId: null, compare: null };
  if (view === 'compare') {
    const after = idOf(other);
    return {
      view,
      sessionId: null,
      compare: sessionId !== null && after !== null ? { before: sessionId, after } : null,
    };
  }
  return { view: 'start', sessionId: null, compare: null };
}

export function hashFor(view: View, sessionId: number | null, compare: ComparePair | null = null): string {
  if (view === 'compare') return compare ? `#/compare/${compare.before}/${compare.after}` : '#/compare';
  return SESSION_VIEWS.includes(view) && sessionId !== null ? `#/${view}/${sessionId}` : `#/${view}`;
}

export const useNav = create<NavState>((set) => ({
  ...parseHash(location.hash),
  shortcutsOpen: false,
  go: (view) => set({ view }),
  openSession: (sessionId) => set({ view: 'live', sessionId }),
  openSnapshots: (sessionId) => set({ view: 'snapshots', sessionId }),
  openChecklist: (sessionId) => set({ view: 'checklist', sessionId }),
  openCompare: (before, after) => set({ view: 'compare', compare: { before, after } }),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
}));
