import type { ScanResultDto } from '../../../../preload/contract.ts';
import { useNav } from '../../store/nav.ts';
import { useSnapshots } from '../../store/snapshots.ts';
import { endpointKey } from '../../verdicts.ts';

/** From a leaking endpoint's row to the Snapshots view with the scan's before/after pair picked. */
export function OpenDiagnosisButton({ sessionId, result }: { sessionId: number; result: ScanResultDto }) {
  return (
    <button
      type="button"
      className="btn btn-small diagnosis-button"
      aria-label={`Open the diagnosis of ${result.method} ${result.path}`}
      onClick={(e) => {
        e.stopPropagation(); // the row's own click charts the endpoint
        useSnapshots.getState().openDiagnosis(sessionId, endpointKey(result));
        useNav.getState().openSnapshots(sessionId);
      }}
    >
      Open diagnosis
    </button>
  );
}
