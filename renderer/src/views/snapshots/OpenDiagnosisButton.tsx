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
      title={`Compare the snapshots the scan took around ${result.method} ${result.path}, and who holds its memory`}
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
