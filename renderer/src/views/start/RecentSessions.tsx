import { EmptyState } from '../../components/EmptyState.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime, formatMB } from '../../format.ts';
import { useLibrary } from '../../store/library.ts';
import { useNav } from '../../store/nav.ts';

const SHOWN = 6;

export function RecentSessions() {
  const sessions = useLibrary((s) => s.sessions);
  const openSession = useNav((s) => s.openSession);
  const go = useNav((s) => s.go);
  return (
    <section className="panel" aria-labelledby="recent-title">
      <header className="panel-head">
        <h2 id="recent-title">Recent sessions</h2>
        <span className="spacer" />
        {sessions && sessions.length > SHOWN && (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => go('sessions')}>
            All {sessions.length}
          </button>
        )}
      </header>
      {sessions === null ? (
        <p className="muted">Loading the library…</p>
      ) : sessions.length === 0 ? (
        <EmptyState title="No sessions yet">
          Try the demo or start your project: every run is kept here, with its timeline and requests.
        </EmptyState>
      ) : (
        <ul className="recent-list">
          {sessions.slice(0, SHOWN).map((s) => (
            <li key={s.id}>
              <button type="button" className="recent-item" onClick={() => openSession(s.id)}>
                <span className="recent-name">{s.name}</span>
                <StatusBadge status={s.status} origin={s.origin} />
                <span className="recent-meta small muted">
                  {formatDateTime(s.started_at)} · {s.requests.toLocaleString()} requests · peak{' '}
                  {formatMB(s.peak_rss)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
