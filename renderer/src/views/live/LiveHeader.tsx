import type { RunningDto, SessionSummaryDto } from '../../../../preload/contract.ts';
import { ReadOnlyPill } from '../../components/SessionTitle.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime, formatDuration, formatMB } from '../../format.ts';
import { MOD } from '../../shortcuts.ts';
import { useLive } from '../../store/live.ts';
import { useNav } from '../../store/nav.ts';
import { useSharing } from '../../store/sharing.ts';
import { OriginBanner } from '../sharing/OriginBanner.tsx';

interface LiveHeaderProps {
  session: SessionSummaryDto;
  running: RunningDto | undefined;
}

export function LiveHeader({ session, running }: LiveHeaderProps) {
  const stop = useLive((s) => s.stop);
  const stopping = useLive((s) => s.stopping);
  const openSnapshots = useNav((s) => s.openSnapshots);
  const openExport = useSharing((s) => s.openExport);
  const end = session.ended_at ?? (running ? Date.now() / 1000 : null);
  const facts: [string, string][] = [
    ['Project', session.project],
    ['Server', session.server],
    ['Python', session.python_version ?? '—'],
    ['Django', session.django ?? '—'],
    ['Started', formatDateTime(session.started_at)],
    ['Duration', formatDuration(end === null ? null : end - session.started_at)],
    ['Peak RSS', formatMB(session.peak_rss)],
  ];
  return (
    <header className="view-head live-head">
      <div className="live-title">
        <h1 data-testid="session-name">{session.name}</h1>
        <StatusBadge status={session.status} origin={session.origin} />
        {!running && (
          <ReadOnlyPill
            testId="read-only"
            why={
              session.origin
                ? 'This session was imported: it can be read here, not run'
                : 'This session has ended: nothing can change it'
            }
          />
        )}
        <span className="spacer" />
        <button
          type="button"
          className="btn"
          onClick={() => openSnapshots(session.id)}
          title="Memory snapshots of this session: take them, compare two, find who holds what grew"
        >
          Snapshots
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => openExport(session)}
          title="Save this session as a file to share (redacted by default)"
        >
          Export…
        </button>
      </div>
      <OriginBanner session={session} />
      <dl className="facts small">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className={k === 'Project' ? 'mono' : undefined}>{v}</dd>
          </div>
        ))}
      </dl>
      {running && (
        <div className="live-actions">
          <span className="muted small">Your app under the probe:</span>
          <a
            className="server-link mono"
            href={running.url}
            target="_blank"
            rel="noreferrer"
            aria-label="Server URL"
            data-testid="server-url"
          >
            {running.url}
          </a>
          <span className="spacer" />
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => void stop()}
            disabled={stopping}
            title={`Stop the server (${MOD}+.)`}
          >
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
        </div>
      )}
    </header>
  );
}
