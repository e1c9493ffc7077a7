import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useChecklist } from '../../store/checklist.ts';

interface RerunButtonProps {
  running: boolean;
  /** Why it cannot run now, or null. */
  disabledReason: string | null;
}

/** Verify a fix: the project started again (with the edited code) and scanned the same way. */
export function RerunButton({ running, disabledReason }: RerunButtonProps) {
  const busy = useChecklist((s) => s.rerun.busy);
  const rerunScan = useChecklist((s) => s.rerunScan);
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn btn-primary"
        disabled={busy || disabledReason !== null}
        title={
          disabledReason ??
          'After you changed the code: start the project again, scan the same endpoints, compare before and after'
        }
        onClick={() => (running ? setAsking(true) : void rerunScan())}
      >
        {busy && <span className="spinner spinner-small" aria-hidden="true" />}
        {busy ? 'Starting the re-run…' : 'Re-run this scan'}
      </button>
      {asking && (
        <ConfirmDialog
          title="Re-run this scan?"
          message={
            'djleak stops this session, starts the project again the same way (with your edited code) and ' +
            'scans the same endpoints; the new session shows before and after.'
          }
          confirmLabel="Stop and re-run"
          onConfirm={() => {
            setAsking(false);
            void rerunScan();
          }}
          onCancel={() => setAsking(false)}
        />
      )}
    </>
  );
}
