import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { dragHasFiles } from '../../files.ts';
import { useSharing } from '../../store/sharing.ts';

interface DropZoneProps {
  className: string;
  testId: string;
  children: ReactNode;
}

/** A view that takes session files dropped anywhere on it, with a visible target while they are dragged. */
export function DropZone({ className, testId, children }: DropZoneProps) {
  const importFiles = useSharing((s) => s.importFiles);
  const [dragging, setDragging] = useState(false);
  // enter and leave fire for every child crossed: count them so the overlay does not flicker
  const depth = useRef(0);

  function accept(e: DragEvent): boolean {
    if (!dragHasFiles(e)) return false;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    return true;
  }

  return (
    <div
      className={`${className} drop-host`}
      data-testid={testId}
      data-dragging={dragging}
      onDragEnter={(e) => {
        if (!accept(e)) return;
        depth.current += 1;
        setDragging(true);
      }}
      onDragOver={accept}
      onDragLeave={(e) => {
        if (!dragHasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        if (!accept(e)) return;
        depth.current = 0;
        setDragging(false);
        void importFiles(Array.from(e.dataTransfer.files));
      }}
    >
      {children}
      {dragging && (
        <div className="drop-overlay" data-testid="drop-zone" aria-hidden="true">
          <div className="drop-target">
            <strong>Drop to import</strong>
            <span className="small">a .djleak session file or a .ndjson probe recording</span>
          </div>
        </div>
      )}
    </div>
  );
}
