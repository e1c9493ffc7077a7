import { useState } from 'react';
import { toApiCallError } from '../../api.ts';
import { useLibrary } from '../../store/library.ts';

interface SessionNameCellProps {
  id: number;
  name: string;
  editing: boolean;
  onDone: () => void;
}

/** The session's name, or an inline editor: Enter saves, Escape cancels, leaving the field saves. */
export function SessionNameCell({ id, name, editing, onDone }: SessionNameCellProps) {
  const rename = useLibrary((s) => s.rename);
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);

  if (!editing) return <span className="session-name">{name}</span>;

  async function save(): Promise<void> {
    const next = value.trim();
    if (!next || next === name) return onDone();
    try {
      await rename(id, next);
      onDone();
    } catch (e) {
      setError(toApiCallError(e).message);
    }
  }

  return (
    <span className="rename">
      <input
        className="input"
        aria-label={`New name for session ${id}`}
        value={value}
        maxLength={200}
        autoFocus
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void save();
          if (e.key === 'Escape') {
            e.stopPropagation();
            onDone();
          }
        }}
      />
      {error && <span className="text-danger small">{error}</span>}
    </span>
  );
}
