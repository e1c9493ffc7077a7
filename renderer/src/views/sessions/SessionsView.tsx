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
import { useSharing } from '../../store/sharing.ts';
import { verdictSummary, type VerdictCounts } from '../../verdicts.ts';
import { DropZone } from '../sharing/DropZone.tsx';
import { ImportButton } from '../sharing/ImportButton.tsx';
import { ImportStatus } from '../sharing/ImportStatus.tsx';
import { CompareBar } from './CompareBar.tsx';
import { OriginTag } from './OriginTag.tsx';
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
  const openError = useLibrary((s) => s.openError);
  const setOpenError = useLibrary((s) => s.setOpenError);
  const selected = useSharing((s) => s.selected);
  const toggleSelected = useSharing((s) => s.toggleSelected);
  const openExport = useSharing((s) => s.openExport);
  const [editing, setEditing] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<SessionSummaryDto | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => void refresh(), [refresh]);
  useEffect(() => {
    if (sessions) void loadVerdicts(sessions.map((s) => s.id));
  }, [sessions, verdicts, loadVerdicts]);
  useEffect(() => {
    if (sessions) useSharing.getState().keepSelected(sessions.map((s) => s.id));
  }, [sessions]);

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
    <DropZone className="view" testId="sessions-view">
      <header className="view-head">
        <div className="live-title">
          <h1>Sessions</h1>
          <span className="spacer" />
          <ImportButton />
        </div>
        <p className="muted">
          Every recorded run, from the app and from the command line; drop a shared session file or a probe
          recording anywhere here to import it.
        </p>
      </header>
      {libraryError && <ErrorPanel title="Cannot read the library" message={libraryError} />}
      <ImportStatus />
      {openError && (
        <ErrorPanel
          title="Could not open the file"
          message={openError}
          onDismiss={() => setOpenError(null)}
        />
      )}
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
              here too. A session file someone shared with you opens with Import….
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
          <CompareBar sessions={sessions} />
          <div className="table-wrap">
            <table className="table sessions-table" aria-label="Sessions" data-testid="sessions-table">
              <thead>
                <tr>
                  <th scope="col" className="select-cell">
                    <span className="visually-hidden">Compare</span>
                  </th>
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
                    <tr
                      key={s.id}
                      data-session={s.id}
                      className={selected.includes(s.id) ? 'selected' : undefined}
                    >
                      <td className="select-cell">
                        <input
                          type="checkbox"
                          checked={selected.includes(s.id)}
                          onChange={() => toggleSelected(s.id)}
                          aria-label={`Compare ${s.name}`}
                        />
                      </td>
                      <td className="name-cell">
                        <SessionNameCell
                          id={s.id}
                          name={s.name}
                          editing={editing === s.id}
                          onDone={() => setEditing(null)}
                        />
                        <OriginTag origin={s.origin} />
                        <div className="mono muted small truncate" title={s.project}>
                          {s.project}
                        </div>
                      </td>
                      <td className="started-cell">{formatDateTime(s.started_at)}</td>
                      <td className="num" data-col="duration">
                        {duration(s)}
                      </td>
                      <td className="num">{formatMB(s.peak_rss)}</td>
                      <td className="num">{s.processes}</td>
                      <td className="num" data-col="requests">
                        {s.requests.toLocaleString()}
                      </td>
                      <td>
                        <StatusBadge status={s.status} origin={s.origin} />
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
                            className="btn btn-ghost btn-small"
                            onClick={() => openExport(s)}
                            title="Save it as a file to share"
                            aria-label={`Export ${s.name}`}
                          >
                            Export…
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
    </DropZone>
  );
}
