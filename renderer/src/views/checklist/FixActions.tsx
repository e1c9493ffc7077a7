import type { ChecklistItem, FindingDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { actionKey, useChecklist } from '../../store/checklist.ts';
import { ActionHistory } from './ActionHistory.tsx';
import { ActionResult } from './ActionResult.tsx';
import { actionDescription, groupRuns } from './actionText.ts';

interface FixActionsProps {
  item: ChecklistItem;
  finding: FindingDto;
  running: boolean;
}

/** The measured actions the evidence suggests, the latest result and the item's history of runs. */
export function FixActions({ item, finding, running }: FixActionsProps) {
  const busy = useChecklist((s) => s.running);
  const request = useChecklist((s) => s.request);
  const error = useChecklist((s) => (s.actionError?.item === item ? s.actionError.message : null));
  const actions = useChecklist((s) => s.data?.actions);
  const runs = groupRuns((actions ?? []).filter((a) => a.item === item));
  const latest = runs[runs.length - 1];
  if (finding.actions.length === 0 && runs.length === 0) return null;
  return (
    <section className="fix-actions" aria-label="Actions">
      <h4>Try it in the running app</h4>
      {finding.actions.length > 0 && (
        <div className="action-buttons">
          {finding.actions.map((a) => {
            const key = actionKey(item, a);
            const pending = busy.includes(key);
            return (
              <button
                key={key}
                type="button"
                className="btn btn-small"
                disabled={!running || pending}
                title={running ? actionDescription(a) : 'Actions run in the live app: this session has ended'}
                onClick={() => void request(item, a)}
              >
                {pending && <span className="spinner spinner-small" aria-hidden="true" />}
                {a.label}
                {a.irreversible && '…'}
              </button>
            );
          })}
        </div>
      )}
      {!running && finding.actions.length > 0 && (
        <p className="muted small">
          Actions run in the live app, and this session has ended: start the project again to try them.
        </p>
      )}
      {running && finding.actions.some((a) => a.irreversible) && (
        <p className="muted small">
          A clear is a stopgap that shows what the fix frees; the data comes back until the code changes.
        </p>
      )}
      {error && <ErrorPanel title="The action did not run" message={error} />}
      {latest && <ActionResult run={latest} />}
      {runs.length > 0 && <ActionHistory runs={runs} />}
    </section>
  );
}
