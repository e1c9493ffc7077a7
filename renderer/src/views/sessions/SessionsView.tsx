import { useEffect, useState } from 'react';
import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { toApiCallError } from '../../api.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime, formatDuration, formatMB } from '../../format.ts';
import { useLibrary } from '../../store/library.ts';
import { useNav } from '../../store/nav.ts';
import { verdictSummary, type VerdictCounts } from '../../verdicts.ts';
import { SessionNameCell } from './SessionNameCell.tsx';

function duration(s: SessionSummaryDto): string {
  if (s.ended_at !== null) return formatDuration(s.ended_at - s.started_at);
  return s.status === 'running' ? 'running' : '—';
}

/** A session's scan verdicts in a few badges: leaks (if any), then ok and inconclusive counts. */
function ScanVerdicts({ counts }: { counts: VerdictCounts | null | undefined }) {
  if (counts === undefined) return null;
  if (counts === null) return <span className="muted">—</span>;
  return (
    <span
      className="scan-verdicts"
      title={verdictSummary(counts)}
      data-testid="scan-verdicts"
      data-leak={counts.leak}
      data-ok={counts.ok}
      data-inconclusive={counts.inconclusive}
    >
      {counts.leak > 0 && <span className="badge verdict-leak">{counts.leak} leak</span>}
      {counts.ok > 0 && <span className="badge verdict-ok">{counts.ok} ok</span>}
      {counts.inconclusive > 0 && (
        <span className="badge verdict-inconclusive">{counts.inconclusive} inconclusive</span>
      )}
    </span>
  );
}

export function SessionsView() {
  const sessions = useLibrary((s) => s.sessions);
  const running = useLibrary((s) => s.running);
  const libraryError = useLibrary((s) => s.error);
  const refresh = useLibrary((s) => s.refresh);
  const remove = useLibrary((s) => s.remove);
  const verdicts = useLibrary((s) => s.verdicts);
  const loadVerdicts = useLibrary((s) => s.loadVerdicts);
  const openSession = useNav((s) => s.openSession);
  const go = useNav((s) => s.go);
  const [editing, setEditing] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<SessionSummaryDto | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => void refresh(), [refresh]);
  useEffect(() => {
    if (sessions) void loadVerdicts(sessions.map((s) => s.id));
  }, [sessions, verdicts, loadVerdicts]);

  async function confirmDelete(): Promise<void> {
    const target = deleting;
    setDeleting(null);
    if (!target) return;
    try {
      await remove(target.id);
    } catch (e) {
      setActionError(toApiCallError(e).message);
    }
  }

  return (
    <div className="view" data-testid="sessions-view">
      <header className="view-head">
        <div>
          <h1>Sessions</h1>
          <p className="muted">Every recorded run, from the app and from the command line.</p>
        </div>
      </header>
      {libraryError && <ErrorPanel title="Cannot read the library" message={libraryError} />}
      {actionError && (
        <ErrorPanel title="That did not work" message={actionError} onDismiss={() => setActionError(null)} />
      )}
      {sessions === null ? (
        <p className="muted">Loading the library…</p>
      ) : sessions.length === 0 ? (
        <section className="panel">
          <EmptyState title="The library is empty">
            <p>
              Start an investigation or try the demo; sessions recorded with <code>djleak run</code> show up
              here too.
            </p>
            <div className="empty-actions">
              <button type="button" className="btn btn-primary" onClick={() => go('start')}>
                New investigation
              </button>
            </div>
          </EmptyState>
        </section>
      ) : (
        <section className="panel">
          <div className="table-wrap">
            <table className="table" aria-label="Sessions" data-testid="sessions-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col" className="num">
                    Peak RSS
                  </th>
                  <th scope="col" className="num">
                    Processes
                  </th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Leak scan</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => {
                  const isRunning = running.some((r) => r.sessionId === s.id);
                  return (
                    <tr key={s.id} data-session={s.id}>
                      <td className="name-cell">
                        <SessionNameCell
                          id={s.id}
                          name={s.name}
                          editing={editing === s.id}
                          onDone={() => setEditing(null)}
                        />
                        <div className="mono muted small truncate" title={s.project}>
                          {s.project}
                        </div>
                      </td>
                      <td className="nowrap">{formatDateTime(s.started_at)}</td>
                      <td className="num">{duration(s)}</td>
                      <td className="num">{formatMB(s.peak_rss)}</td>
                      <td className="num">{s.processes}</td>
                      <td className="num" data-col="requests">
                        {s.requests.toLocaleString()}
                      </td>
                      <td>
                        <StatusBadge status={s.status} />
                      </td>
                      <td data-col="scan">
                        <ScanVerdicts counts={verdicts[s.id]} />
                      </td>
                      <td>
                        <div className="row-actions">
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => openSession(s.id)}
                            aria-label={`Open ${s.name}`}
                          >
                            {isRunning ? 'Live' : 'Open'}
                          </button>
                          <button
                            type="button"
                            className="btn btn-ghost btn-small"
                            onClick={() => setEditing(s.id)}
                            aria-label={`Rename ${s.name}`}
                          >
                            Rename
                          </button>
                          <button
                            type="button"
                            className="btn btn-ghost btn-small btn-danger-text"
                            onClick={() => setDeleting(s)}
                            disabled={isRunning}
                            title={isRunning ? 'Stop the session before deleting it' : undefined}
                            aria-label={`Delete ${s.name}`}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this session?"
          message={`"${deleting.name}" and everything recorded in it (samples, requests, output) will be removed from the library. This cannot be undone.`}
          confirmLabel="Delete session"
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
