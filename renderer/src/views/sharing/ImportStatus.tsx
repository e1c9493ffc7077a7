import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useSharing } from '../../store/sharing.ts';
import { ImportProgress } from './ImportProgress.tsx';

/** An import under way, or why the last one was refused: shown wherever an import can be started. */
export function ImportStatus() {
  const importError = useSharing((s) => s.importError);
  const dismissImportError = useSharing((s) => s.dismissImportError);
  return (
    <>
      <ImportProgress />
      {importError && (
        <ErrorPanel
          title={`Could not import ${importError.file}`}
          message={importError.message}
          onDismiss={dismissImportError}
        />
      )}
    </>
  );
}
