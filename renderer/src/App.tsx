import { useEffect } from 'react';
import { focusViewHeading, useViewFocus } from './focus.ts';
import { Nav } from './Nav.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { guardFileDrops } from './files.ts';
import { connectEngineEvents } from './store/engineEvents.ts';
import { useLibrary } from './store/library.ts';
import { hashFor, parseHash, useNav } from './store/nav.ts';
import { useWalkthrough } from './store/walkthrough.ts';
import { useShortcuts } from './useShortcuts.ts';
import { ChecklistView } from './views/checklist/ChecklistView.tsx';
import { CompareView } from './views/compare/CompareView.tsx';
import { LiveView } from './views/live/LiveView.tsx';
import { SessionsView } from './views/sessions/SessionsView.tsx';
import { ExportDialog } from './views/sharing/ExportDialog.tsx';
import { SnapshotsView } from './views/snapshots/SnapshotsView.tsx';
import { StartView } from './views/start/StartView.tsx';
import { WalkthroughPanel } from './views/walkthrough/WalkthroughPanel.tsx';

function useHashSync(): void {
  const view = useNav((s) => s.view);
  const sessionId = useNav((s) => s.sessionId);
  const compare = useNav((s) => s.compare);
  useEffect(() => {
    const hash = hashFor(view, sessionId, compare);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }, [view, sessionId, compare]);
  useEffect(() => {
    const onHash = (): void => {
      const target = parseHash(location.hash);
      const nav = useNav.getState();
      if (target.view === 'live' && target.sessionId !== null) nav.openSession(target.sessionId);
      else if (target.view === 'snapshots' && target.sessionId !== null) nav.openSnapshots(target.sessionId);
      else if (target.view === 'checklist' && target.sessionId !== null) nav.openChecklist(target.sessionId);
      else if (target.view === 'compare' && target.compare)
        nav.openCompare(target.compare.before, target.compare.after);
      else nav.go(target.view);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
}

export function App() {
  const view = useNav((s) => s.view);
  const place = useNav((s) => hashFor(s.view, s.sessionId, s.compare));
  const touring = useWalkthrough((s) => s.active);
  useShortcuts();
  useHashSync();
  useViewFocus(place);
  useEffect(() => {
    void useLibrary.getState().refresh();
    void useWalkthrough.getState().resume();
    const unguard = guardFileDrops();
    const disconnect = connectEngineEvents();
    return () => {
      unguard();
      disconnect();
    };
  }, []);
  return (
    <div className={touring ? 'app touring' : 'app'}>
      <button type="button" className="skip-link" onClick={() => focusViewHeading()}>
        Skip to content
      </button>
      <Nav />
      <main className="main" aria-live="off">
        {view === 'start' && <StartView />}
        {view === 'live' && <LiveView />}
        {view === 'snapshots' && <SnapshotsView />}
        {view === 'checklist' && <ChecklistView />}
        {view === 'sessions' && <SessionsView />}
        {view === 'compare' && <CompareView />}
      </main>
      {touring && <WalkthroughPanel />}
      <ShortcutsDialog />
      <ExportDialog />
    </div>
  );
}
