import { create } from 'zustand';

export type View = 'start' | 'live' | 'snapshots' | 'checklist' | 'sessions';

/** The views that show one session: their hash carries its id. */
const SESSION_VIEWS: readonly View[] = ['live', 'snapshots', 'checklist'];

interface NavState {
  view: View;
  /** The session the per-session views show; it stays selected while the user visits other views. */
  sessionId: number | null;
  shortcutsOpen: boolean;
  go(view: View): void;
  openSession(sessionId: number): void;
  openSnapshots(sessionId: number): void;
  openChecklist(sessionId: number): void;
  setShortcutsOpen(open: boolean): void;
}

/** `#/live/3`, `#/snapshots/3`, `#/checklist/3`, `#/sessions`: so a reload (or a shared browser-mode URL) lands on the same view. */
export function parseHash(hash: string): { view: View; sessionId: number | null } {
  const [, view, id] = hash.replace(/^#/, '').split('/');
  const sessionId = id && /^\d+$/.test(id) ? Number(id) : null;
  if (view === 'live' && sessionId !== null) return { view, sessionId };
  if (view === 'snapshots') return { view, sessionId };
  if (view === 'checklist') return { view, sessionId };
  if (view === 'sessions') return { view, sessionId: null };
  return { view: 'start', sessionId: null };
}

export function hashFor(view: View, sessionId: number | null): string {
  return SESSION_VIEWS.includes(view) && sessionId !== null ? `#/${view}/${sessionId}` : `#/${view}`;
}

export const useNav = create<NavState>((set) => ({
  ...parseHash(location.hash),
  shortcutsOpen: false,
  go: (view) => set({ view }),
  openSession: (sessionId) => set({ view: 'live', sessionId }),
  openSnapshots: (sessionId) => set({ view: 'snapshots', sessionId }),
  openChecklist: (sessionId) => set({ view: 'checklist', sessionId }),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
}));
