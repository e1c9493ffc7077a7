import { useId, useState } from 'react';
import { BUILTIN_GUESSES, useReferrers } from '../../store/referrers.ts';

interface WhoHoldsFormProps {
  sessionId: number;
  /** The row's location, for the panel's title. */
  what: string;
  site: { file: string; line: number };
}

/**
 * Asks the running server who holds the objects allocated at a diff row's line: of the type the user names,
 * or else the builtins tried one by one until a chain reaches a named root.
 */
export function WhoHoldsForm({ sessionId, what, site }: WhoHoldsFormProps) {
  const find = useReferrers((s) => s.find);
  const searching = useReferrers((s) => s.search?.searching ?? false);
  const [type, setType] = useState('');
  const inputId = useId();
  return (
    <form
      className="who-holds"
      onSubmit={(e) => {
        e.preventDefault();
        void find(sessionId, { what, type: type.trim() || null, site });
      }}
    >
      <label htmlFor={inputId} className="small">
        Type of the objects
      </label>
      <input
        id={inputId}
        className="input mono"
        value={type}
        placeholder={`guess: ${BUILTIN_GUESSES.join(', ')}`}
        onChange={(e) => setType(e.target.value)}
      />
      <button type="submit" className="btn btn-small" disabled={searching}>
        Who holds it?
      </button>
    </form>
  );
}
