import { useEffect, useRef } from 'react';
import type { ScanResultDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { formatMs } from '../../format.ts';
import { reachesNamedRoot, useReferrers, type ReferrerSearch } from '../../store/referrers.ts';
import { diagnosisPicks, useSnapshots } from '../../store/snapshots.ts';
import { endpointKey } from '../../verdicts.ts';
import { PARTIAL_TEXT, ReferrerTreeView } from './ReferrerTreeView.tsx';

function LiveSearch({ search }: { search: ReferrerSearch }) {
  const { target, result } = search;
  const allocated = target.site ? ` allocated at ${target.what}` : '';
  return (
    <div
      className="referrer-search"
      data-testid="referrer-search"
      data-state={search.searching ? 'searching' : 'done'}
    >
      {search.searching && (
        <p className="referrer-progress" role="status">
          <span className="spinner" aria-hidden="true" />
          Following the references to <code>{search.type}</code> objects{allocated}…
          {search.tried.length > 0 && (
            <span className="muted small"> (no named root for {search.tried.join(', ')})</span>
          )}
        </p>
      )}
      {search.error && <ErrorPanel title="The referrer search failed" message={search.error} />}
      {result && !search.searching && (
        <>
          <p className="small">
            <code>{search.type}</code>
            {allocated}: {result.instances.toLocaleString()} instances
            {result.site_checked !== undefined &&
              `, ${result.site_checked.toLocaleString()} checked for the site`}
            {result.elapsed_ms !== undefined && (
              <span className="muted"> · {formatMs(result.elapsed_ms)}</span>
            )}
          </p>
          {target.type === null && !reachesNamedRoot(result) && (
            <p className="hint small">
              None of the builtins tried ({search.tried.join(', ')}) reached a named root: type the class of
              the objects in the row to search for it.
            </p>
          )}
          <ReferrerTreeView chains={result.chains} />
        </>
      )}
    </div>
  );
}

function StoredDiagnosis({ result }: { result: ScanResultDto }) {
  const d = result.diagnosis!;
  return (
    <div className="referrer-search" data-testid="referrer-diagnosis">
      {d.held_by ? (
        <p className="small">
          The scan found <code>{d.held_by.type}</code> objects held by{' '}
          <strong>
            {d.held_by.root.kind} <code>{d.held_by.root.name}</code>
          </strong>
          : <span className="mono">{d.held_by.chain}</span>
          {d.held_by.partial && <span className="tag tag-partial">{PARTIAL_TEXT}</span>}
        </p>
      ) : (
        <p className="muted small">The scan&apos;s referrer search named no root for this leak.</p>
      )}
      {d.referrers && <ReferrerTreeView chains={d.referrers.chains} />}
    </div>
  );
}

/** Who holds it: the last referrer search of this session, or what the picked diagnosis stored. */
export function ReferrersPanel({ sessionId }: { sessionId: number }) {
  const search = useReferrers((s) => (s.search?.sessionId === sessionId ? s.search : null));
  const clear = useReferrers((s) => s.clear);
  const diagnosisKey = useSnapshots((s) => s.diagnosis);
  const scans = useSnapshots((s) => s.scans);
  const diagnosis = diagnosisPicks(scans ?? []).find((r) => endpointKey(r) === diagnosisKey);
  const panel = useRef<HTMLElement>(null);
  const target = search?.target;

  // a search started from a row further down: bring its answer into view
  useEffect(() => {
    if (target) panel.current?.scrollIntoView?.({ block: 'nearest' });
  }, [target]);

  if (!search && !diagnosis) return null;
  return (
    <section ref={panel} className="panel" aria-labelledby="referrers-title" data-testid="referrers">
      <header className="panel-head">
        <h2 id="referrers-title">Who holds it?</h2>
        <span className="muted small">
          {search
            ? search.target.what
            : `diagnosis of ${diagnosis!.method} ${diagnosis!.path}, stored with the scan`}
        </span>
        <span className="spacer" />
        {search && (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            onClick={clear}
            aria-label="Close the referrer search"
          >
            ✕
          </button>
        )}
      </header>
      {search && <LiveSearch search={search} />}
      {/* what the scan stored stays in view when a search in the server fails */}
      {diagnosis && (!search || search.error) && <StoredDiagnosis result={diagnosis} />}
    </section>
  );
}
