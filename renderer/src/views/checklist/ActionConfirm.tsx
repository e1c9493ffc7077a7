import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useChecklist } from '../../store/checklist.ts';
import { actionDescription } from './actionText.ts';

/** The question before an irreversible action: it drops data the app may still want. */
export function ActionConfirm() {
  const pending = useChecklist((s) => s.confirming);
  const confirm = useChecklist((s) => s.confirm);
  const cancel = useChecklist((s) => s.cancelConfirm);
  if (!pending) return null;
  return (
    <ConfirmDialog
      title={`${pending.action.label}?`}
      message={
        `${actionDescription(pending.action)} The app rebuilds what it needs; what is dropped cannot be ` +
        'brought back. djleak measures memory before and after.'
      }
      confirmLabel="Clear it"
      onConfirm={confirm}
      onCancel={cancel}
    />
  );
}
