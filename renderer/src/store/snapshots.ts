import { create } from 'zustand';
import type { ScanResultDto, SnapshotDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { endpointKey } from '../verdicts.ts';

/** What this window knows of a session's tracing (asked when the view loads, kept as it changes it): absent is
 * unknown. */
export interface TracingState {
  on: boolean;
  frames: number | null;
}

export interface SnapshotPair {
  before: number | null;
  after: number | null;
}

interface SnapshotsState {
  /** The session whose snapshots are loaded (the one the Snapshots view shows). */
  sessionId: number | null;
  /** Oldest first; null while loading. */
  list: SnapshotDto[] | null;
  /** Every stored scan result, for the "diagnosis of …" picks; null while loading. */
  scans: ScanResultDto[] | null;
  loadError: string | null;
  pair: SnapshotPair;
  /** endpointKey() of the diagnosis the pair was picked from: its stored referrers show with the diff. */
  diagnosis: string | null;
  tracing: Record<number, TracingState>;
  tracingBusy: boolean;
  taking: boolean;
  /** What the engine said about the last snapshot taken (baseline, memory budget). */
  note: string | null;
  actionError: { title: string; message: string } | null;
  load(sessionId: number): Promise<void>;
  /** Picks a scan's diagnosis once its session is loaded (the Live view opens it before the view loads). */
  openDiagnosis(sessionId: number, key: string): void;
  setPair(pair: SnapshotPair): void;
  pickDiagnosis(key: string): void;
  take(label: string): Promise<void>;
  /** Asks the running session's probe whether it traces (a session not running: left unknown). */
  checkTracing(sessionId: number): Promise<void>;
  startTracing(frames: number): Promise<void>;
  stopTracing(): Promise<void>;
  dismissNote(): void;
  dismissError(): void;
  /** A scan's diagnosis stores snapshots and stops tracing when it is done. */
  onScanDone(sessionId: number): void;
}

/** The newest snapshot and the one before it from the same process. */
export function latestPair(list: readonly SnapshotDto[]): SnapshotPair {
  const after = list[list.length - 1];
  if (!after) return { before: null, after: null };
  const before = list.findLast((s) => s.id !== after.id && s.pid === after.pid && s.t <= after.t);
  return { before: before?.id ?? null, after: after.id };
}

/** The scan results whose diagnosis stored a before/after pair, latest per endpoint. */
export function diagnosisPicks(scans: readonly ScanResultDto[]): ScanResultDto[] {
  const picks = new Map<string, ScanResultDto>();
  for (const r of scans) if (r.diagnosis?.snapshots) picks.set(endpointKey(r), r);
  return [...picks.values()];
}

export const useSnapshots = create<SnapshotsState>((set, get) => {
  /** A diagnosis asked for before its session's results were loaded. */
  let wanted: { sessionId: number; key: string } | null = null;

  function applyDiagnosis(key: string): boolean {
    const pick = diagnosisPicks(get().scans ?? []).find((r) => endpointKey(r) === key);
    const ids = pick?.diagnosis?.snapshots;
    if (!ids) return false;
    set({ pair: { before: ids[0], after: ids[1] }, diagnosis: key });
    return true;
  }

  async function refreshList(sessionId: number): Promise<SnapshotDto[] | null> {
    try {
      const list = await api.call('snapshots.list', { id: sessionId });
      if (get().sessionId === sessionId) set({ list, loadError: null });
      return list;
    } catch (error) {
      if (get().sessionId === sessionId) set({ loadError: toApiCallError(error).message });
      return null;
    }
  }

  function setTracing(sessionId: number, state: TracingState | null): void {
    const { [sessionId]: _old, ...rest } = get().tracing;
    set({ tracing: state ? { ...rest, [sessionId]: state } : rest });
  }

  async function act(title: string, run: () => Promise<void>): Promise<void> {
    set({ actionError: null });
    try {
      await run();
    } catch (error) {
      set({ actionError: { title, message: toApiCallError(error).message } });
    }
  }

  return {
    sessionId: null,
    list: null,
    scans: null,
    loadError: null,
    pair: { before: null, after: null },
    diagnosis: null,
    tracing: {},
    tracingBusy: false,
    taking: false,
    note: null,
    actionError: null,

    async load(sessionId) {
      const same = get().sessionId === sessionId;
      if (!same)
        set({
          sessionId,
          list: null,
          scans: null,
          loadError: null,
          pair: { before: null, after: null },
          diagnosis: null,
          note: null,
          actionError: null,
        });
      const [list, scans] = await Promise.all([
        refreshList(sessionId),
        api.call('sessions.scans', { id: sessionId }).catch(() => [] as ScanResultDto[]),
        get().checkTracing(sessionId),
      ]);
      if (get().sessionId !== sessionId) return;
      set({ scans });
      if (wanted?.sessionId === sessionId && applyDiagnosis(wanted.key)) wanted = null;
      else if (list && (!same || get().pair.after === null)) set({ pair: latestPair(list) });
    },

    openDiagnosis(sessionId, key) {
      wanted = { sessionId, key };
      if (get().sessionId === sessionId && applyDiagnosis(key)) wanted = null;
    },

    setPair: (pair) => set({ pair, diagnosis: null }),
    pickDiagnosis: (key) => void applyDiagnosis(key),

    async take(label) {
      const sessionId = get().sessionId;
      if (sessionId === null || get().taking) return;
      set({ taking: true, note: null });
      await act('Could not take the snapshot', async () => {
        const args = label.trim() ? { sessionId, label: label.trim() } : { sessionId };
        const taken = await api.call('snapshots.take', args);
        // When tracing was off the engine started it and stored this snapshot as the baseline (see the note).
        setTracing(sessionId, { on: true, frames: taken.snapshots[0]?.frames ?? null });
        set({ note: taken.note });
        const list = await refreshList(sessionId);
        if (list) set({ pair: latestPair(list), diagnosis: null });
      });
      set({ taking: false });
    },

    async checkTracing(sessionId) {
      try {
        const status = await api.call('trace.status', { sessionId });
        setTracing(sessionId, { on: status.tracing, frames: status.frames });
      } catch {
        // not running (or gone meanwhile): nothing to know
      }
    },

    async startTracing(frames) {
      const sessionId = get().sessionId;
      if (sessionId === null) return;
      set({ tracingBusy: true });
      await act('Could not start tracing', async () => {
        await api.call('trace.start', { sessionId, frames });
        setTracing(sessionId, { on: true, frames });
      });
      set({ tracingBusy: false });
    },

    async stopTracing() {
      const sessionId = get().sessionId;
      if (sessionId === null) return;
      set({ tracingBusy: true });
      await act('Could not stop tracing', async () => {
        await api.call('trace.stop', { sessionId });
        setTracing(sessionId, { on: false, frames: null });
      });
      set({ tracingBusy: false });
    },

    dismissNote: () => set({ note: null }),
    dismissError: () => set({ actionError: null }),

    onScanDone(sessionId) {
      setTracing(sessionId, null);
      if (get().sessionId === sessionId) void get().load(sessionId);
      else void get().checkTracing(sessionId);
    },
  };
});
