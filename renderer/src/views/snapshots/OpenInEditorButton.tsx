import { useState } from 'react';
import { api, toApiCallError } from '../../api.ts';

interface OpenInEditorButtonProps {
  sessionId: number;
  file: string;
  line: number;
  onError: (message: string | null) => void;
}

/** Opens a project file at a line in the user's editor; the engine refuses files outside the project. */
export function OpenInEditorButton({ sessionId, file, line, onError }: OpenInEditorButtonProps) {
  const [opening, setOpening] = useState(false);
  async function open(): Promise<void> {
    setOpening(true);
    onError(null);
    try {
      await api.call('source.open', { sessionId, file, line });
    } catch (error) {
      onError(toApiCallError(error).message);
    } finally {
      setOpening(false);
    }
  }
  return (
    <button
      type="button"
      className="btn btn-small"
      disabled={opening}
      onClick={() => void open()}
      title={`${file}:${line}`}
    >
      Open in editor
    </button>
  );
}
