import { useState } from 'react';
import type { FrameDto } from '../../../../preload/contract.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { OpenInEditorButton } from './OpenInEditorButton.tsx';
import { SourceCode } from './SourceCode.tsx';

type FrameKind = 'attributed' | 'project' | 'library';

function Frame({ frame, kind, sessionId }: { frame: FrameDto; kind: FrameKind; sessionId: number }) {
  const [error, setError] = useState<string | null>(null);
  const where = `${frame.rel ?? frame.file}:${frame.line}`;
  return (
    <li className={`frame frame-${kind}`} data-kind={kind} data-location={where}>
      <div className="frame-head">
        <span className="mono frame-where" title={frame.file}>
          {where}
        </span>
        {kind === 'attributed' && <span className="tag tag-attributed">attributed here</span>}
        {frame.rel === null && <span className="tag">library</span>}
        <span className="spacer" />
        {frame.rel !== null && (
          <OpenInEditorButton sessionId={sessionId} file={frame.file} line={frame.line} onError={setError} />
        )}
      </div>
      <SourceCode code={frame.code} />
      {error && (
        <ErrorPanel title="Could not open the editor" message={error} onDismiss={() => setError(null)} />
      )}
    </li>
  );
}

interface TracebackProps {
  /** Innermost first, as tracemalloc gives them. */
  frames: FrameDto[];
  attributed: number;
  sessionId: number;
}

/**
 * A traceback, innermost frame first: the frame the row is attributed to stands out, library frames recede,
 * and frames in the project can be opened in the editor.
 */
export function Traceback({ frames, attributed, sessionId }: TracebackProps) {
  return (
    <ol className="traceback" aria-label="Traceback, innermost frame first" data-testid="traceback">
      {frames.map((f, i) => (
        <Frame
          key={`${i}:${f.file}:${f.line}`}
          frame={f}
          kind={i === attributed ? 'attributed' : f.rel === null ? 'library' : 'project'}
          sessionId={sessionId}
        />
      ))}
    </ol>
  );
}
