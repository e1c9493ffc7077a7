import type { EngineEvent } from '../../../preload/contract.ts';
import { api } from '../api.ts';
import { throttle } from './coalesce.ts';
import { useChecklist } from './checklist.ts';
import { useLibrary } from './library.ts';
import { useLive } from './live.ts';
import { useNav } from './nav.ts';
import { isScanning, SCAN_REFRESH_MS, useScan } from './scan.ts';
import { useSnapshots } from './snapshots.ts';
import { useStart } from './start.ts';
import { useWalkthrough } from './walkthrough.ts';

const refreshLiveSlowly = throttle(() => {
  void useLive.getState().refreshDetail();
  void useLive.getState().refreshRequests();
}, SCAN_REFRESH_MS);

/** Routes every pushed engine event to the slices that show it. The timeline listens for ticks itself. */
export function routeEngineEvent(event: EngineEvent): void {
  const live = useLive.getState();
  switch (event.kind) {
    case 'setup':
      useStart.getState().addProgress(event.message);
      break;
    case 'log':
      if (useStart.getState().starting) useStart.getState().addProgress(`${event.source}: ${event.message}`);
      if (live.sessionId === event.sessionId) live.appendLog(event);
      break;
    case 'status':
    case 'process':
      void useLibrary.getState().refresh();
      if (live.sessionId === event.sessionId) void live.refreshDetail();
      break;
    case 'tick':
      if (live.sessionId === event.sessionId && useNav.getState().view === 'live') {
        if (isScanning(event.sessionId)) refreshLiveSlowly();
        else {
          void live.refreshDetail();
          void live.refreshRequests();
        }
      }
      if (useNav.getState().view !== 'live') void useLibrary.getState().refresh();
      break;
    case 'scan-progress':
      useScan.getState().onProgress(event);
      break;
    case 'scan-result':
      useScan.getState().onResult(event);
      break;
    case 'scan-diagnosing':
      useScan.getState().onDiagnosing(event);
      break;
    case 'scan-done':
      useLibrary.getState().forgetVerdicts(event.sessionId);
      void useScan.getState().onDone(event);
      useSnapshots.getState().onScanDone(event.sessionId);
      useChecklist.getState().onScanDone(event.sessionId);
      useWalkthrough.getState().onScanDone(event);
      break;
    case 'opened':
      useLibrary.getState().setFileProgress(null);
      void useLibrary.getState().refresh();
      useNav.getState().openSession(event.sessionId);
      break;
    case 'open-failed':
      // a refused file may stop between two progress events: its bar must not stay
      useLibrary.getState().setFileProgress(null);
      useLibrary.getState().setOpenError(`${event.file}: ${event.message}`);
      break;
    case 'file-progress': {
      const { kind: _kind, ...progress } = event;
      useLibrary.getState().setFileProgress(progress.done >= progress.total ? null : progress);
      break;
    }
    default: {
      const unhandled: never = event;
      console.warn('djleak: unknown engine event', unhandled);
    }
  }
}

export function connectEngineEvents(): () => void {
  return api.onEvent(routeEngineEvent);
}
