import { useEffect } from 'react';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useCompare } from '../../store/compare.ts';
import { useNav } from '../../store/nav.ts';
import { ChecklistChangesTable, EndpointChangesTable } from '../checklist/CompareTables.tsx';
import { CompareTimeline } from './CompareTimeline.tsx';
import { SessionPairFacts } from './SessionPairFacts.tsx';

function NoPair() {
  const go = useNav((s) => s.go);
  return (
    <div className="view" data-testid="compare-view">
      <header className="view-head">
        <h1>Compare</h1>
      </header>
      <EmptyState title="No sessions to compare">
        <p>
          Tick two sessions in the Sessions view — a run and its re-run after a fix, or your session and one
          someone shared — then press Compare.
        </p>
        <div className="empty-actions">
          <button type="button" className="btn btn-primary" onClick={() => go('sessions')}>
            Choose sessions
          </button>
        </div>
      </EmptyState>
    </div>
  );
}

/** Two sessions side by side: memory over time from each one's start, verdicts per endpoint, fixes. */
export function CompareView() {
  const pair = useNav((s) => s.compare);
  const openCompare = useNav((s) => s.openCompare);
  const openSession = useNav((s) => s.openSession);
  const load = useCompare((s) => s.load);
  const key = pair ? `${pair.before}:${pair.after}` : null;
  const current = useCompare((s) => (s.key === key ? s : null));

  useEffect(() => {
    if (pair) void load(pair.before, pair.after);
  }, [pair, load]);

  if (!pair) return <NoPair />;
  const data = current?.data ?? null;
  const timelines = current?.timelines ?? null;
  const scanned = data ? data.endpoints.length > 0 : false;
  return (
    <div
      className="view compare-view"
      data-testid="compare-view"
      data-before={pair.before}
      data-after={pair.after}
      data-state={data ? 'ready' : current?.error ? 'error' : 'loading'}
    >
      <header className="view-head">
        <div className="live-title">
          <h1>Compare</h1>
          {data && (
            <span className="muted" data-testid="compare-names">
              {data.before.name} <span aria-hidden="true">→</span> {data.after.name}
            </span>
          )}
          <span className="spacer" />
          <button
            type="button"
            className="btn"
            onClick={() => openCompare(pair.after, pair.before)}
            title="Make the after session the before one"
          >
            Swap
          </button>
          <button type="button" className="btn" onClick={() => openSession(pair.before)}>
            Open before
          </button>
          <button type="button" className="btn" onClick={() => openSession(pair.after)}>
            Open after
          </button>
        </div>
        <p className="muted">
          Did a fix work, does the leak show on the other machine? Each session is drawn from its own start,
          its scan verdicts and fixes are listed next to each other.
        </p>
      </header>
      {current?.error && <ErrorPanel title="Cannot compare these sessions" message={current.error} />}
      {!data || !timelines ? (
        !current?.error && <p className="muted">Loading both sessions…</p>
      ) : (
        <>
          <section className="panel" aria-label="The two sessions">
            <SessionPairFacts before={data.before} after={data.after} />
          </section>
          <CompareTimeline before={data.before} after={data.after} timelines={timelines} />
          <section className="panel" aria-labelledby="compare-scans-title" data-testid="compare-tables">
            <header className="panel-head">
              <h2 id="compare-scans-title">Leak scans and fixes</h2>
              <span className="muted small">
                retained memory per request after a full collection, and each fix’s finding
              </span>
            </header>
            {!scanned && (
              <p className="muted small">
                Neither session was scanned for leaks: scan them to compare verdicts per endpoint.
              </p>
            )}
            <div className="columns">
              <EndpointChangesTable endpoints={data.endpoints} />
              <ChecklistChangesTable checklist={data.checklist} />
            </div>
          </section>
        </>
      )}
    </div>
  );
}
