import type { ChecklistItem } from '../../../../preload/contract.ts';
import { useChecklist } from '../../store/checklist.ts';

/** The user's own mark that the code is fixed, stored with the session. */
export function FixedCheckbox({ item, done }: { item: ChecklistItem; done: boolean }) {
  const tick = useChecklist((s) => s.tick);
  return (
    <label
      className={`fix-done ${done ? 'on' : ''}`}
      title="Tick it once you changed the code; stored with this session"
    >
      <input type="checkbox" checked={done} onChange={(e) => void tick(item, e.target.checked)} />
      Fixed
    </label>
  );
}
