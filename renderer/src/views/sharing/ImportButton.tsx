import { useRef } from 'react';
import { Icon } from '../../components/Icon.tsx';
import { IMPORT_ACCEPT } from '../../files.ts';
import { useSharing } from '../../store/sharing.ts';

/** Import… : a session file someone exported, or a recording made with DJLEAK_RECORD on another machine. The
 * session opens once it is in. */
export function ImportButton({ label = 'Import…' }: { label?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const importing = useSharing((s) => s.importing !== null);
  const importFiles = useSharing((s) => s.importFiles);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={importing}
        onClick={() => input.current?.click()}
        title="Open a .djleak session file or a .ndjson probe recording (you can also drop it on this page)"
      >
        <Icon name="upload" /> {label}
      </button>
      <input
        ref={input}
        type="file"
        accept={IMPORT_ACCEPT}
        multiple
        hidden
        aria-label="Session file to import"
        data-testid="import-input"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          // the same file picked again must fire change again
          e.target.value = '';
          void importFiles(files);
        }}
      />
    </>
  );
}
