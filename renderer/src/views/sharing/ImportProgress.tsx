import { formatBytes, formatPercent } from '../../format.ts';
import { useLibrary } from '../../store/library.ts';
import { useSharing } from '../../store/sharing.ts';

const PHASES: Record<string, string> = {
  opening: 'Opening the file',
  uploading: 'Sending the file to the engine',
  reading: 'Reading and checking the file',
  checking: 'Checking the file and copying it into the library',
  verdicts: 'Judging the routes',
};

function phaseLabel(phase: string): string {
  return PHASES[phase] ?? `Copying ${phase.replace(/_/g, ' ')}`;
}

type Step = { phase: string; done: number; total: number };

/** Between the engine's reports (and after the upload) the import goes on without a figure to show. */
function localStep(upload: { done: number; total: number } | null): Step {
  if (!upload) return { phase: 'opening', done: 0, total: 0 };
  if (upload.done < upload.total) return { phase: 'uploading', ...upload };
  return { phase: 'checking', done: 0, total: 0 };
}

/**
 * An import under way: the upload (browser mode) and then the engine's own phases from its file-progress
 * events — also for a file the OS asked the app to open.
 */
export function ImportProgress() {
  const importing = useSharing((s) => s.importing);
  const engine = useLibrary((s) => s.fileProgress);
  if (!importing && !engine) return null;
  const step = engine ?? localStep(importing?.upload ?? null);
  const known = step.total > 0;
  const share = known ? Math.min(1, step.done / step.total) : 0;
  const bytes = step.phase === 'reading' || step.phase === 'uploading';
  return (
    <section
      className="panel import-progress"
      aria-label="Import progress"
      data-testid="import-progress"
      data-phase={step.phase}
      data-percent={known ? Math.round(share * 100) : ''}
    >
      <div className="import-progress-head small">
        <span className="spinner spinner-small" aria-hidden="true" />
        <span>
          Importing <strong className="mono">{importing?.file ?? engine?.file}</strong>
        </span>
        <span className="spacer" />
        <span className="muted">
          {phaseLabel(step.phase)}
          {bytes && known && ` · ${formatBytes(step.done)} of ${formatBytes(step.total)}`}
          {known && ` · ${formatPercent(share)}`}
        </span>
      </div>
      {/* no value: the browser draws an indeterminate bar while there is no figure */}
      <progress max={1} value={known ? share : undefined} aria-label={phaseLabel(step.phase)} />
    </section>
  );
}
