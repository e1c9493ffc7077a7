import type { DiffOptions } from './useDiff.ts';

const GROUPINGS: { value: DiffOptions['groupBy']; label: string; title: string }[] = [
  { value: 'line', label: 'line', title: 'One row per line of your project that allocated' },
  { value: 'site', label: 'traceback', title: 'One row per full traceback' },
  { value: 'file', label: 'file', title: 'One row per file' },
];

interface DiffControlsProps {
  options: DiffOptions;
  onChange: (patch: Partial<DiffOptions>) => void;
  perRequest: boolean;
  onPerRequest: (on: boolean) => void;
  /** Requests recorded between the two snapshots; 0 when unknown. */
  requests: number;
}

export function DiffControls({ options, onChange, perRequest, onPerRequest, requests }: DiffControlsProps) {
  return (
    <div className="filters diff-controls">
      <div className="segmented" role="radiogroup" aria-label="Group by">
        {GROUPINGS.map((g) => (
          <label key={g.value} className={options.groupBy === g.value ? 'on' : undefined} title={g.title}>
            <input
              type="radio"
              className="visually-hidden"
              name="diff-group"
              value={g.value}
              checked={options.groupBy === g.value}
              onChange={() => onChange({ groupBy: g.value })}
            />
            by {g.label}
          </label>
        ))}
      </div>
      <select
        className="input"
        aria-label="Scope"
        value={options.scope}
        onChange={(e) => onChange({ scope: e.target.value as DiffOptions['scope'] })}
      >
        <option value="project">Project only</option>
        <option value="all">Include libraries</option>
      </select>
      <input
        type="search"
        className="input mono"
        aria-label="Path contains"
        placeholder="Path contains…"
        value={options.pathContains}
        onChange={(e) => onChange({ pathContains: e.target.value })}
      />
      <label
        className="check small"
        title={requests > 0 ? undefined : 'No request was recorded between these snapshots'}
      >
        <input
          type="checkbox"
          checked={perRequest && requests > 0}
          disabled={requests === 0}
          onChange={(e) => onPerRequest(e.target.checked)}
        />
        Per request
        {requests > 0 && <span className="muted"> ({requests.toLocaleString()} between them)</span>}
      </label>
    </div>
  );
}
