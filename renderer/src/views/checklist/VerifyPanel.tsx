import { useEffect } from 'react';
import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useChecklist } from '../../store/checklist.ts';
import { useNav } from '../../store/nav.ts';
import { ChecklistChangesTable, EndpointChangesTable } from './CompareTables.tsx';

/** A re-run's verdicts and findings next to the session it re-runs: did the fix work? */
export function VerifyPanel({ session, scanned }: { session: SessionSummaryDto; scanned: boolean }) {
  const before = session.follows;
  const compare = useChecklist((s) => (s.compare?.after === session.id ? s.compare : null));
  const loadCompare = useChecklist((s) => s.loadCompare);
  const openChecklist = useNav((s) => s.openChecklist);
  const openCompare = useNav((s) => s.openCompare);
  useEffect(() => {
    if (before !== null && scanned) void loadCompare(before, session.id);
  }, [before, scanned, session.id, loadCompare]);
  if (before === null) return null;
  const data = compare?.data;
  return (
    <section
      className="panel verify-panel"
      aria-labelledby="verify-title"
      data-testid="verify"
      data-state={!scanned ? 'waiting' : data ? 'ready' : 'loading'}
    >
      <header className="panel-head">
        <h2 id="verify-title">Before and after</h2>
        <span className="muted small">this re-run against session #{before}</span>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-small"
          onClick={() => openCompare(before, session.id)}
          title="Both sessions' memory over time on one chart, with these tables"
        >
          Compare timelines
        </button>
        <button type="button" className="btn btn-small" onClick={() => openChecklist(before)}>
          Open the original
        </button>
      </header>
      {!scanned ? (
        <p className="muted small">The comparison shows once this session’s scan is done.</p>
      ) : compare?.error ? (
        <ErrorPanel title="Cannot compare the sessions" message={compare.error} />
      ) : !data ? (
        <p className="muted small">Comparing…</p>
      ) : (
        <div className="columns">
          <EndpointChangesTable endpoints={data.endpoints} />
          <ChecklistChangesTable checklist={data.checklist} />
        </div>
      )}
    </section>
  );
}
