import type { SessionSummaryDto } from '../../../../preload/contract.ts';
import { Icon } from '../../components/Icon.tsx';
import { useNav } from '../../store/nav.ts';
import { comparePair, useSharing } from '../../store/sharing.ts';

/** The sessions ticked for comparison, and the way to the Compare view once there are two. */
export function CompareBar({ sessions }: { sessions: SessionSummaryDto[] }) {
  const selected = useSharing((s) => s.selected);
  const clear = useSharing((s) => s.clearSelected);
  const openCompare = useNav((s) => s.openCompare);
  const pair = comparePair(selected, sessions);
  const name = (id: number): string => sessions.find((s) => s.id === id)?.name ?? `#${id}`;
  return (
    <div className="compare-bar small" data-testid="compare-bar" data-selected={selected.length}>
      <Icon name="columns" />
      {pair ? (
        <span>
          <strong>{name(pair.before)}</strong> (before) and <strong>{name(pair.after)}</strong> (after)
        </span>
      ) : selected.length === 1 ? (
        <span>
          <strong>{name(selected[0]!)}</strong>: tick one more session to compare with it.
        </span>
      ) : (
        <span className="muted">
          Tick two sessions to compare them: memory over time, verdicts per endpoint and fixes side by side.
        </span>
      )}
      <span className="spacer" />
      {selected.length > 0 && (
        <button type="button" className="btn btn-ghost btn-small" onClick={clear}>
          Clear
        </button>
      )}
      <button
        type="button"
        className="btn btn-primary btn-small"
        disabled={!pair}
        onClick={() => pair && openCompare(pair.before, pair.after)}
      >
        Compare
      </button>
    </div>
  );
}
