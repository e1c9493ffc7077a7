import { useEffect, useState } from 'react';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useSnapshots } from '../../store/snapshots.ts';
import { DiffControls } from './DiffControls.tsx';
import { DiffTable } from './DiffTable.tsx';
import { PairPicker } from './PairPicker.tsx';
import { ReferrersPanel } from './ReferrersPanel.tsx';
import { TypeGrowthTable } from './TypeGrowthTable.tsx';
import { useDiff, type DiffOptions } from './useDiff.ts';

/** Waits until typing pauses before a path filter goes to the engine. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Two snapshots side by side: what grew by line (or site, or file), by type, and who holds it. */
export function ComparePanel({ sessionId, running }: { sessionId: number; running: boolean }) {
  const list = useSnapshots((s) => (s.sessionId === sessionId ? s.list : null));
  const pair = useSnapshots((s) => s.pair);
  const [options, setOptions] = useState<DiffOptions>({
    groupBy: 'line',
    scope: 'project',
    pathContains: '',
  });
  const [perRequest, setPerRequest] = useState(true);
  const pathContains = useSettled(options.pathContains, 300);
  const { result, loading, error } = useDiff(pair.before, pair.after, { ...options, pathContains });
  const showPerRequest = perRequest && (result?.requests ?? 0) > 0;

  if (list === null) return <p className="muted">Loading snapshots…</p>;
  if (list.length < 2)
    return (
      <section className="panel" aria-labelledby="compare-title">
        <header className="panel-head">
          <h2 id="compare-title">Compare</h2>
        </header>
        <EmptyState title={list.length ? 'One snapshot so far' : 'No snapshots yet'}>
          {running
            ? 'Take a snapshot, use your app (or send the requests you suspect), then take another: the diff shows here.'
            : 'This session has fewer than two snapshots. Snapshots are taken while a session runs, and a leak scan takes a pair for each leaking endpoint.'}
        </EmptyState>
      </section>
    );

  return (
    <>
      <section
        className="panel"
        aria-labelledby="compare-title"
        data-testid="compare"
        data-state={loading ? 'loading' : error ? 'error' : result ? 'ready' : 'idle'}
      >
        <header className="panel-head">
          <h2 id="compare-title">Compare</h2>
          <span className="muted small">largest growth first</span>
          <span className="spacer" />
          {loading && <span className="spinner" role="status" aria-label="Computing the diff" />}
        </header>
        <PairPicker list={list} />
        <DiffControls
          options={options}
          onChange={(patch) => setOptions({ ...options, ...patch })}
          perRequest={perRequest}
          onPerRequest={setPerRequest}
          requests={result?.requests ?? 0}
        />
        {error && <ErrorPanel title="Cannot compare these snapshots" message={error} />}
        {pair.before !== null && pair.before === pair.after && (
          <p className="hint">Pick two different snapshots.</p>
        )}
        {result && (
          <DiffTable rows={result.rows} sessionId={sessionId} running={running} perRequest={showPerRequest} />
        )}
      </section>
      <ReferrersPanel sessionId={sessionId} />
      {result && <TypeGrowthTable types={result.types} sessionId={sessionId} running={running} />}
    </>
  );
}
