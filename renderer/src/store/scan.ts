import { create } from 'zustand';
import type { EngineEvent, ScanRequestDto, ScanResultDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { endpointKey } from '../verdicts.ts';

type ProgressEvent = Extract<EngineEvent, { kind: 'scan-progress' }>;
type ResultEvent = Extract<EngineEvent, { kind: 'scan-result' }>;
type DoneEvent = Extract<EngineEvent, { kind: 'scan-done' }>;
type DiagnosingEvent = Extract<EngineEvent, { kind: 'scan-diagnosing' }>;

export type ScanProgress = Omit<ProgressEvent, 'kind' | 'sessionId'>;
export type ScanDiagnosing = Omit<DiagnosingEvent, 'kind' | 'sessionId'>;
export type ScanEnd = Omit<DoneEvent, 'kind' | 'sessionId'> & {
  /** The scan was cut short while measuring an endpoint: its result is partial. */
  partial: boolean;
};

/** A scan under way in one session: the engine's last progress report and each endpoint measured so far. */
export interface ScanRun {
  /** null until the first endpoint's rounds begin (discovery and warm-up come first). */
  progress: ScanProgress | null;
  results: ScanResultDto[];
  /** Every endpoint measured: the leak whose traced window runs (null before, and when none leaks). */
  diagnosing: ScanDiagnosing | null;
  cancelling: boolean;
  /** endpointKey() of the endpoints a scenario named (the other endpoints keep their stored verdicts); null:
   * every endpoint discovery finds, or a scan started elsewhere. */
  endpoints: string[] | null;
}

interface ScanState {
  /** The session whose stored results are loaded (the one the Live view shows). */
  sessionId: number | null;
  /** Every result stored with that session, oldest first; null while loading. */
  stored: ScanResultDto[] | null;
  loadError: string | null;
  /** Scans under way, by session: a scan goes on while the user looks at other sessions. */
  runs: Record<number, ScanRun>;
  /** How the last scan of each session ended, since the app opened. */
  ends: Record<number, ScanEnd>;
  startError: string | null;
  /** The scenario of the last scan started from this window, by session (null: discovery). */
  scenarios: Record<number, ScanRequestDto | null>;
  /** endpointKey() of the row whose chart is open. */
  selected: string | null;
  /** The user a session's scans log in as ("": none), as typed in the panel. */
  logins: Record<number, string>;
  setLogin(sessionId: number, username: string): void;
  load(sessionId: number): Promise<void>;
  /** Without a scenario the engine discovers the parameter-free GET routes. Logged in as the session's user,
   * when one is set. */
  start(sessionId: number, scenario?: ScanRequestDto): Promise<void>;
  /** A scan the engine started on its own (scan.rerun): shown as under way until its scan-done. */
  track(sessionId: number): void;
  cancel(sessionId: number): Promise<void>;
  select(key: string | null): void;
  dismissEnd(sessionId: number): void;
  onProgress(event: ProgressEvent): void;
  onResult(event: ResultEvent): void;
  onDiagnosing(event: DiagnosingEvent): void;
  onDone(event: DoneEvent): Promise<void>;
}

/**
 * While a scan measures a session, its live panels refresh this often instead of on every tick: the scan
 * sends ~100 requests a second, and the engine's time (and the page's) belongs to the measurement.
 */
export const SCAN_REFRESH_MS = 2000;

export function isScanning(sessionId: number): boolean {
  return sessionId in useScan.getState().runs;
}

const IDLE_RUN: ScanRun = {
  progress: null,
  results: [],
  diagnosing: null,
  cancelling: false,
  endpoints: null,
};

function without<T>(record: Record<number, T>, key: number): Record<number, T> {
  const { [key]: _gone, ...rest } = record;
  return rest;
}

export const useScan = create<ScanState>((set, get) => {
  function patchRun(sessionId: number, patch: (run: ScanRun) => Partial<ScanRun>): void {
    // a scan started elsewhere (another window, or before this page reloaded) shows up with its first event
    const run = get().runs[sessionId] ?? IDLE_RUN;
    set({ runs: { ...get().runs, [sessionId]: { ...run, ...patch(run) } } });
  }

  return {
    sessionId: null,
    stored: null,
    loadError: null,
    runs: {},
    ends: {},
    startError: null,
    scenarios: {},
    selected: null,
    logins: {},

    setLogin: (sessionId, username) => set({ logins: { ...get().logins, [sessionId]: username } }),

    async load(sessionId) {
      if (get().sessionId !== sessionId)
        set({ sessionId, stored: null, loadError: null, startError: null, selected: null });
      try {
        const stored = await api.call('sessions.scans', { id: sessionId });
        if (get().sessionId === sessionId) set({ stored, loadError: null });
      } catch (error) {
        if (get().sessionId === sessionId) set({ loadError: toApiCallError(error).message });
      }
    },

    async start(sessionId, scenario) {
      if (get().runs[sessionId]) return;
      const endpoints = scenario
        ? scenario.endpoints.map((e) => endpointKey({ method: e.method ?? 'GET', path: e.path }))
        : null;
      set({
        runs: { ...get().runs, [sessionId]: { ...IDLE_RUN, endpoints } },
        ends: without(get().ends, sessionId),
        startError: null,
        scenarios: { ...get().scenarios, [sessionId]: scenario ?? null },
      });
      try {
        const login = get().logins[sessionId]?.trim() || undefined;
        await api.call('scan.start', {
          sessionId,
          ...(scenario ? { scenario } : {}),
          ...(login ? { login } : {}),
        });
      } catch (error) {
        set({ runs: without(get().runs, sessionId), startError: toApiCallError(error).message });
      }
    },

    async cancel(sessionId) {
      const run = get().runs[sessionId];
      if (!run || run.cancelling) return;
      patchRun(sessionId, () => ({ cancelling: true }));
      try {
        await api.call('scan.cancel', { sessionId });
      } catch (error) {
        // 'not-found': the scan ended on its own meanwhile, and its scan-done event says how
        const e = toApiCallError(error);
        if (e.code !== 'not-found') {
          patchRun(sessionId, () => ({ cancelling: false }));
          set({ startError: e.message });
        }
      }
    },

    track(sessionId) {
      // its scan-done may already have come (the call that started it answers after the scan began)
      if (!get().runs[sessionId] && !get().ends[sessionId])
        set({ runs: { ...get().runs, [sessionId]: IDLE_RUN } });
    },

    select: (selected) => set({ selected }),
    dismissEnd: (sessionId) => set({ ends: without(get().ends, sessionId) }),

    onProgress({ kind: _kind, sessionId, ...progress }) {
      patchRun(sessionId, () => ({ progress }));
    },

    onResult({ sessionId, result }) {
      patchRun(sessionId, (run) => ({ results: [...run.results, result] }));
    },

    onDiagnosing({ kind: _kind, sessionId, ...diagnosing }) {
      patchRun(sessionId, () => ({ diagnosing }));
    },

    async onDone({ kind: _kind, sessionId, ...end }) {
      // the results are stored (with their routes) before this event: swap the live rows for them at once
      let stored: ScanResultDto[] | null = null;
      let loadError: string | null = null;
      if (get().sessionId === sessionId) {
        try {
          stored = await api.call('sessions.scans', { id: sessionId });
        } catch (error) {
          loadError = toApiCallError(error).message;
        }
      }
      const partial = get().runs[sessionId]?.results.some((r) => r.partial) ?? false;
      set({
        runs: without(get().runs, sessionId),
        ends: { ...get().ends, [sessionId]: { ...end, partial } },
        ...(get().sessionId === sessionId ? { stored: stored ?? get().stored, loadError } : {}),
      });
    },
  };
});
