import type { ScanResultDto } from '../../../../preload/contract.ts';
import { useNav } from '../../store/nav.ts';
import { useScan } from '../../store/scan.ts';
import { endpointKey } from '../../verdicts.ts';
import { OpenDiagnosisButton } from '../snapshots/OpenDiagnosisButton.tsx';

/** From a finding to where it comes from: the snapshot diff and referrers, or the endpoint's scan chart. */
export function EndpointLinks({
  sessionId,
  result,
}: {
  sessionId: number;
  result: ScanResultDto | undefined;
}) {
  if (!result) return null;
  return (
    <div className="evidence-links">
      {result.diagnosis?.snapshots && <OpenDiagnosisButton sessionId={sessionId} result={result} />}
      <button
        type="button"
        className="btn btn-small"
        title="The endpoint's verdict and its memory round by round, in the Live view"
        onClick={() => {
          useScan.getState().select(endpointKey(result));
          useNav.getState().openSession(sessionId);
        }}
      >
        Endpoint chart
      </button>
    </div>
  );
}
