import { useEffect, useMemo } from 'react';
import { NoSessionState } from '../../components/NoSessionState.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { useChecklist } from '../../store/checklist.ts';
import { runningInfo, useLibrary } from '../../store/library.ts';
import { useNav } from '../../store/nav.ts';
import { useScan } from '../../store/scan.ts';
import { latestPerEndpoint } from '../../verdicts.ts';
import { ActionConfirm } from './ActionConfirm.tsx';
import { ChecklistHeader } from './ChecklistHeader.tsx';
import { DiagnoseStep } from './DiagnoseStep.tsx';
import { FixStep } from './FixStep.tsx';
import { IdentifyStep } from './IdentifyStep.tsx';
import { Stepper, type StepInfo } from './Stepper.tsx';
import { VerifyPanel } from './VerifyPanel.tsx';

/** Identify → Diagnose → Fix for one session: its leaks, where they come from, and the fixes with evidence. */
export function ChecklistView() {
  const sessionId = useNav((s) => s.sessionId);
  const session = useLibrary((s) => s.sessions?.find((x) => x.id === sessionId));
  const running = useLibrary(
    (s) => runningInfo(s.running, sessionId) !== undefined && (session?.status ?? 'running') === 'running',
  );
  const load = useChecklist((s) => s.load);
  const data = useChecklist((s) => (s.sessionId === sessionId ? s.data : null));
  const loadError = useChecklist((s) => (s.sessionId === sessionId ? s.loadError : null));
  const step = useChecklist((s) => s.step);
  const loadScans = useScan((s) => s.load);
  const run = useScan((s) => (sessionId === null ? undefined : s.runs[sessionId]));
  const stored = useScan((s) => (s.sessionId === sessionId ? s.stored : null));

  useEffect(() => {
    if (sessionId === null) return;
    void useLibrary.getState().refresh();
    void loadScans(sessionId);
  }, [sessionId, loadScans]);
  // a running session's figures are read again when the view opens (and when it turns out to be running)
  useEffect(() => {
    if (sessionId !== null) void load(sessionId, running);
  }, [sessionId, running, load]);

  const rows = useMemo(() => latestPerEndpoint(stored ?? []), [stored]);
  if (sessionId === null)
    return (
      <NoSessionState testId="checklist-view" title="No session selected">
        The checklist belongs to a session: start an investigation (or the demo) and scan it, or open a
        recorded session from the library, then come back here.
      </NoSessionState>
    );

  const leaks = rows.filter((r) => r.verdict === 'leak');
  const diagnosed = leaks.filter((r) => r.diagnosis).length;
  const suspects = data?.findings.filter((f) => f.status === 'suspect') ?? [];
  const ticked = suspects.filter((f) => data?.done.includes(f.item)).length;
  const scanned = rows.length > 0 && !run;
  const steps: StepInfo[] = [
    {
      step: 'identify',
      label: 'Identify',
      status: run
        ? 'scanning…'
        : rows.length
          ? `${leaks.length} of ${rows.length} endpoints leak`
          : 'not scanned yet',
      complete: scanned,
    },
    {
      step: 'diagnose',
      label: 'Diagnose',
      status: leaks.length ? `${diagnosed} of ${leaks.length} leaks diagnosed` : 'no leak to diagnose',
      complete: scanned && diagnosed === leaks.length,
    },
    {
      step: 'fix',
      label: 'Fix',
      status: data ? `${ticked} of ${suspects.length} suspect fixes ticked` : '…',
      complete: suspects.length > 0 && ticked === suspects.length,
    },
  ];

  return (
    <div
      className="view checklist-view"
      data-testid="checklist-view"
      data-session={sessionId}
      data-running={running}
      data-state={data ? 'ready' : 'loading'}
    >
      <ChecklistHeader
        sessionId={sessionId}
        session={session}
        running={running}
        scanning={run !== undefined}
        scanned={scanned}
      />
      {loadError && <ErrorPanel title="Cannot read the checklist" message={loadError} />}
      {session && <VerifyPanel session={session} scanned={scanned} />}
      <Stepper steps={steps} />
      {step === 'identify' && (
        <IdentifyStep sessionId={sessionId} running={running} data={data} stored={stored} />
      )}
      {step === 'diagnose' && <DiagnoseStep sessionId={sessionId} leaks={leaks} />}
      {step === 'fix' &&
        (data ? (
          <FixStep sessionId={sessionId} data={data} running={running} scans={rows} />
        ) : (
          <p className="muted">Loading the checklist…</p>
        ))}
      <ActionConfirm />
    </div>
  );
}
