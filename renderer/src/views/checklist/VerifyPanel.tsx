import { useEffect } from 'react';
import type { CompareDto, ScanFigures, SessionSummaryDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { VerdictBadge } from '../../components/VerdictBadge.tsx';
import { formatKB } from '../../format.ts';
import { useChecklist } from '../../store/checklist.ts';
import { useNav } from '../../store/nav.ts';
import { FIX_GUIDES } from './fixGuide.ts';

const CHANGES: Record<
  CompareDto['endpoints'][number]['change'] | CompareDto['checklist'][number]['change'],
  string
> = {
  fixed: 'fixed',
  'still-leaking': 'still leaking',
  'still-suspect': 'still suspect',
  'new-leak': 'new leak',
  new: 'new',
  'no-leak': 'no leak',
  'no-finding': 'no finding',
  'not-compared': 'not compared',
};

function Figures({ f }: { f: ScanFigures | null }) {
  if (!f) return <span className="muted">not scanned</span>;
  return (
    <span className="nowrap">
      <VerdictBadge verdict={f.verdict} /> {formatKB(f.retained_bytes_per_request)}
    </span>
  );
}

function Change({ change }: { change: keyof typeof CHANGES }) {
  return <span className={`badge change-${change}`}>{CHANGES[change]}</span>;
}

/** A re-run's verdicts and findings next to the session it re-runs: did the fix work? */
export function VerifyPanel({ session, scanned }: { session: SessionSummaryDto; scanned: boolean }) {
  const before = session.follows;
  const compare = useChecklist((s) => (s.compare?.after === session.id ? s.compare : null));
  const loadCompare = useChecklist((s) => s.loadCompare);
  const openChecklist = useNav((s) => s.openChecklist);
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
          <table className="table table-dense" aria-label="Endpoints before and after">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {data.endpoints.map((e) => (
                <tr key={`${e.method} ${e.path}`} data-path={e.path} data-change={e.change}>
                  <td className="mono nowrap">{e.path}</td>
                  <td>
                    <Figures f={e.before} />
                  </td>
                  <td>
                    <Figures f={e.after} />
                  </td>
                  <td>
                    <Change change={e.change} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="table table-dense" aria-label="Fixes before and after">
            <thead>
              <tr>
                <th scope="col">Fix</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {data.checklist.map((c) => (
                <tr key={c.item} data-item={c.item} data-change={c.change}>
                  <td>{FIX_GUIDES[c.item].title}</td>
                  <td>{c.before}</td>
                  <td>{c.after}</td>
                  <td>
                    <Change change={c.change} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
