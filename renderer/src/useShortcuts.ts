import { useEffect } from 'react';
import { isTyping } from './shortcuts.ts';
import { useLibrary } from './store/library.ts';
import { useLive } from './store/live.ts';
import { useNav, type View } from './store/nav.ts';
import { useScan } from './store/scan.ts';
import { useSnapshots } from './store/snapshots.ts';
import { useStart } from './store/start.ts';

const GO_KEYS: Record<string, View> = {
  s: 'start',
  l: 'live',
  m: 'snapshots',
  c: 'checklist',
  h: 'sessions',
};

function stopRunning(): void {
  const { sessionId } = useLive.getState();
  const { running } = useLibrary.getState();
  if (sessionId !== null && running.some((r) => r.sessionId === sessionId)) {
    void useLive.getState().stop();
  } else if (running.length === 1) {
    useNav.getState().openSession(running[0]!.sessionId);
    // the Live view loads the session first; stopping needs it selected
    void useLive
      .getState()
      .load(running[0]!.sessionId)
      .then(() => useLive.getState().stop());
  }
}

/** The session the views show if it runs, else the only running one. */
function runningTarget(): number | null {
  const { sessionId } = useNav.getState();
  const { running } = useLibrary.getState();
  if (running.some((r) => r.sessionId === sessionId)) return sessionId;
  return running.length === 1 ? running[0]!.sessionId : null;
}

/** Scans the running session (opening it in the Live view). */
function scanRunning(): void {
  const target = runningTarget();
  if (target === null) return;
  useNav.getState().openSession(target);
  void useScan.getState().start(target);
}

/** Takes a snapshot of the running session (opening it in the Snapshots view, where the result shows). */
function snapshotRunning(): void {
  const target = runningTarget();
  if (target === null) return;
  useNav.getState().openSnapshots(target);
  const snapshots = useSnapshots.getState();
  void (snapshots.sessionId === target ? Promise.resolve() : snapshots.load(target)).then(() =>
    useSnapshots.getState().take(''),
  );
}

/** The app's keyboard shortcuts (listed in SHORTCUTS): one listener on the window. */
export function useShortcuts(): void {
  useEffect(() => {
    let pendingG = 0;
    function onKey(e: KeyboardEvent): void {
      const mod = e.ctrlKey || e.metaKey;
      const nav = useNav.getState();
      if (mod && e.key === 'Enter') {
        if (nav.view !== 'start') return;
        e.preventDefault();
        void useStart.getState().startProject();
        return;
      }
      if (mod && e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        scanRunning();
        return;
      }
      if (mod && e.shiftKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        snapshotRunning();
        return;
      }
      if (mod && e.key === '.') {
        e.preventDefault();
        stopRunning();
        return;
      }
      if (mod || e.altKey || isTyping(e.target)) return;
      if (e.key === 'Escape' && nav.shortcutsOpen) {
        nav.setShortcutsOpen(false);
      } else if (e.key === '?') {
        e.preventDefault();
        nav.setShortcutsOpen(!nav.shortcutsOpen);
      } else if (e.key === '/' && nav.view === 'live') {
        const input = document.getElementById('request-filter-text');
        if (input) {
          e.preventDefault();
          input.focus();
        }
      } else if (e.key === 'g') {
        pendingG = Date.now();
      } else if (Date.now() - pendingG < 1000 && GO_KEYS[e.key]) {
        pendingG = 0;
        nav.go(GO_KEYS[e.key]!);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
