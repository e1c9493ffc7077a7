import type { SnapshotDto } from '../../../../preload/contract.ts';
import { formatClock } from '../../format.ts';
import { diagnosisPicks, useSnapshots } from '../../store/snapshots.ts';
import { endpointKey } from '../../verdicts.ts';

function optionLabel(s: SnapshotDto): string {
  const rows = `${s.rows.toLocaleString()} rows${s.truncated ? ' (truncated)' : ''}`;
  return `#${s.id} · ${s.label} · ${formatClock(s.t).slice(0, 8)} · ${rows} · pid ${s.pid}`;
}

function SnapshotSelect({
  id,
  label,
  value,
  list,
  onChange,
}: {
  id: string;
  label: string;
  value: number | null;
  list: readonly SnapshotDto[];
  onChange: (id: number) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="input mono"
        value={value ?? ''}
        onChange={(e) => onChange(Number(e.target.value))}
      >
        {value === null && <option value="">Pick a snapshot</option>}
        {list.map((s) => (
          <option key={s.id} value={s.id}>
            {optionLabel(s)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The two snapshots to compare, or a leak scan's before/after pair for one endpoint in one click. */
export function PairPicker({ list }: { list: readonly SnapshotDto[] }) {
  const pair = useSnapshots((s) => s.pair);
  const setPair = useSnapshots((s) => s.setPair);
  const scans = useSnapshots((s) => s.scans);
  const diagnosis = useSnapshots((s) => s.diagnosis);
  const pickDiagnosis = useSnapshots((s) => s.pickDiagnosis);
  const picks = diagnosisPicks(scans ?? []);
  const truncated = list.filter((s) => s.truncated && (s.id === pair.before || s.id === pair.after));

  return (
    <div className="pair-picker">
      <div className="pair-selects">
        <SnapshotSelect
          id="snapshot-before"
          label="Before"
          value={pair.before}
          list={list}
          onChange={(before) => setPair({ ...pair, before })}
        />
        <span className="pair-arrow" aria-hidden="true">
          →
        </span>
        <SnapshotSelect
          id="snapshot-after"
          label="After"
          value={pair.after}
          list={list}
          onChange={(after) => setPair({ ...pair, after })}
        />
      </div>
      {picks.length > 0 && (
        <div className="quick-picks" role="group" aria-label="Leak scan diagnoses">
          <span className="muted small">From the leak scan:</span>
          {picks.map((r) => {
            const key = endpointKey(r);
            return (
              <button
                key={key}
                type="button"
                className={`btn btn-small ${diagnosis === key ? 'btn-on' : ''}`}
                aria-pressed={diagnosis === key}
                onClick={() => pickDiagnosis(key)}
              >
                Diagnosis of {r.method} {r.path}
              </button>
            );
          })}
        </div>
      )}
      {truncated.length > 0 && (
        <p className="hint small" data-testid="truncated-note">
          {truncated.map((s) => `#${s.id}`).join(' and ')} kept only its{' '}
          {truncated.map((s) => s.rows.toLocaleString()).join(' / ')} largest sites (of{' '}
          {truncated.map((s) => s.rows_total.toLocaleString()).join(' / ')}): small sites may be missing from
          the diff.
        </p>
      )}
    </div>
  );
}
