import { Icon, type IconName } from './components/Icon.tsx';
import { useLibrary } from './store/library.ts';
import { useNav, type View } from './store/nav.ts';

const ITEMS: { view: View; label: string; icon: IconName }[] = [
  { view: 'start', label: 'Start', icon: 'plus' },
  { view: 'live', label: 'Live', icon: 'pulse' },
  { view: 'snapshots', label: 'Snapshots', icon: 'layers' },
  { view: 'checklist', label: 'Checklist', icon: 'check' },
  { view: 'sessions', label: 'Sessions', icon: 'list' },
  { view: 'compare', label: 'Compare', icon: 'columns' },
];

export function Nav() {
  const view = useNav((s) => s.view);
  const go = useNav((s) => s.go);
  const setShortcutsOpen = useNav((s) => s.setShortcutsOpen);
  const runningCount = useLibrary((s) => s.running.length);
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          dj
        </span>
        <span className="brand-name">djleak</span>
      </div>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.view}>
            <button
              type="button"
              className={`nav-item ${view === item.view ? 'active' : ''}`}
              aria-current={view === item.view ? 'page' : undefined}
              onClick={() => go(item.view)}
            >
              <Icon name={item.icon} />
              {item.label}
              {item.view === 'live' && runningCount > 0 && (
                <span className="nav-count" title={`${runningCount} running`}>
                  {runningCount}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <span className="spacer" />
      <button type="button" className="nav-item nav-help" onClick={() => setShortcutsOpen(true)}>
        <Icon name="keyboard" /> Shortcuts <kbd className="nav-kbd">?</kbd>
      </button>
    </nav>
  );
}
