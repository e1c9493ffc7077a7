import { create } from 'zustand';
import type {
  ActionResultDto,
  ChecklistDto,
  ChecklistItem,
  CompareDto,
  SuggestedActionDto,
} from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { useLibrary } from './library.ts';
import { useNav } from './nav.ts';
import { useScan } from './scan.ts';

export type ChecklistStep = 'identify' | 'diagnose' | 'fix';

export interface ActionRun {
  sessionId: number;
  item: ChecklistItem;
  action: SuggestedActionDto;
  results: ActionResultDto[];
}

interface ChecklistState {
  /** The session whose checklist is loaded (the one the Checklist view shows). */
  sessionId: number | null;
  data: ChecklistDto | null;
  loadError: string | null;
  /** The live gauges could not be read again: the figures shown are the latest stored ones. */
  refreshError: string | null;
  refreshing: boolean;
  step: ChecklistStep;
  /** A Fix card to bring into view (the tour, a link); the card clears it once it has scrolled there. */
  focus: ChecklistItem | null;
  /** actionKey() of the actions under way. */
  running: string[];
  /** An irreversible action waiting for the user's answer. */
  confirming: { item: ChecklistItem; action: SuggestedActionDto } | null;
  actionError: { item: ChecklistItem; message: string } | null;
  /** The last action this window ran, for whoever waits for one (the walkthrough). */
  lastRun: ActionRun | null;
  tickError: string | null;
  rerun: { busy: boolean; error: string | null };
  /** Before (the session re-run) and after (the re-run): loaded for the session the view shows. */
  compare: { before: number; after: number; data: CompareDto | null; error: string | null } | null;
  load(sessionId: number, refresh: boolean): Promise<void>;
  /** Shows a step; with a session, the step that session opens on once loaded. */
  setStep(step: ChecklistStep, sessionId?: number): void;
  focusItem(item: ChecklistItem | null): void;
  tick(item: ChecklistItem, done: boolean): Promise<void>;
  /** Runs the action, or asks first when it is irreversible; resolves to its results (null: not run). */
  request(item: ChecklistItem, action: SuggestedActionDto): Promise<ActionResultDto[] | null>;
  confirm(): void;
  cancelConfirm(): void;
  rerunScan(): Promise<void>;
  loadCompare(before: number, after: number): Promise<void>;
  onScanDone(sessionId: number): void;
}

export function actionKey(item: ChecklistItem, a: SuggestedActionDto): string {
  return `${item}:${a.name}:${a.alias ?? ''}:${a.target ?? ''}`;
}

function defaultStep(data: ChecklistDto): ChecklistStep {
  return data.findings.some((f) => f.status !== 'not-measured') ? 'fix' : 'identify';
}

export const useChecklist = create<ChecklistState>((set, get) => {
  /** Each load's number: an answer that arrives after a newer load started is dropped. */
  let loads = 0;
  /** The step asked for a session before it was loaded (the tour opens the Fix step of a new session). */
  let chosen: { sessionId: number; step: ChecklistStep } | null = null;
  /** Whoever asked for the action waiting in `confirming`. */
  let answer: ((results: ActionResultDto[] | null) => void) | null = null;

  async function run(
    item: ChecklistItem,
    action: SuggestedActionDto,
    confirm: boolean,
  ): Promise<ActionResultDto[] | null> {
    const sessionId = get().sessionId;
    if (sessionId === null) return null;
    const key = actionKey(item, action);
    if (get().running.includes(key)) return null;
    set({ running: [...get().running, key], actionError: null });
    try {
      const results = await api.call('actions.run', {
        sessionId,
        name: action.name,
        item,
        ...(action.alias ? { alias: action.alias } : {}),
        ...(action.target ? { target: action.target } : {}),
        ...(confirm ? { confirm: true } : {}),
      });
      set({ lastRun: { sessionId, item, action, results } });
      // the action changed what the gauges read: show the new figures with its result
      if (get().sessionId === sessionId) await get().load(sessionId, true);
      return results;
    } catch (error) {
      set({ actionError: { item, message: toApiCallError(error).message } });
      return null;
    } finally {
      set({ running: get().running.filter((k) => k !== key) });
    }
  }

  return {
    sessionId: null,
    data: null,
    loadError: null,
    refreshError: null,
    refreshing: false,
    step: 'identify',
    focus: null,
    running: [],
    confirming: null,
    actionError: null,
    lastRun: null,
    tickError: null,
    rerun: { busy: false, error: null },
    compare: null,

    async load(sessionId, refresh) {
      const fresh = get().sessionId !== sessionId;
      if (fresh) {
        answer?.(null);
        answer = null;
        set({
          sessionId,
          data: null,
          loadError: null,
          refreshError: null,
          confirming: null,
          actionError: null,
          tickError: null,
          rerun: { busy: false, error: null },
          compare: null,
        });
      }
      const mine = ++loads;
      set({ refreshing: refresh });
      let refreshError: string | null = null;
      try {
        let data: ChecklistDto;
        try {
          data = await api.call('checklist.get', { sessionId, refresh });
        } catch (error) {
          // the probe may be busy or gone: the stored figures are still worth showing
          if (!refresh) throw error;
          refreshError = toApiCallError(error).message;
          data = await api.call('checklist.get', { sessionId });
        }
        if (mine !== loads) return;
        set({
          data,
          loadError: null,
          refreshError,
          ...(fresh || get().data === null
            ? { step: chosen?.sessionId === sessionId ? chosen.step : defaultStep(data) }
            : {}),
        });
      } catch (error) {
        if (mine === loads) set({ loadError: toApiCallError(error).message });
      } finally {
        if (mine === loads) set({ refreshing: false });
      }
    },

    setStep(step, sessionId) {
      chosen = { sessionId: sessionId ?? get().sessionId ?? -1, step };
      set({ step });
    },
    focusItem: (focus) => set({ focus }),

    async tick(item, done) {
      const { sessionId, data } = get();
      if (sessionId === null || !data) return;
      const ticked = (list: ChecklistItem[]): ChecklistItem[] =>
        done ? [...new Set([...list, item])] : list.filter((i) => i !== item);
      set({ data: { ...data, done: ticked(data.done) }, tickError: null });
      try {
        await api.call('checklist.tick', { sessionId, item, done });
      } catch (error) {
        const now = get().data;
        if (get().sessionId === sessionId && now)
          set({
            data: { ...now, done: done ? now.done.filter((i) => i !== item) : [...now.done, item] },
            tickError: toApiCallError(error).message,
          });
      }
    },

    request(item, action) {
      if (!action.irreversible) return run(item, action, false);
      answer?.(null);
      set({ confirming: { item, action } });
      return new Promise((resolve) => (answer = resolve));
    },

    confirm() {
      const pending = get().confirming;
      const reply = answer;
      answer = null;
      set({ confirming: null });
      if (pending) void run(pending.item, pending.action, true).then((results) => reply?.(results));
    },

    cancelConfirm() {
      answer?.(null);
      answer = null;
      set({ confirming: null });
    },

    async rerunScan() {
      const sessionId = get().sessionId;
      if (sessionId === null || get().rerun.busy) return;
      set({ rerun: { busy: true, error: null } });
      try {
        const next = await api.call('scan.rerun', { sessionId });
        useScan.getState().track(next.sessionId);
        void useLibrary.getState().refresh();
        set({ rerun: { busy: false, error: null } });
        useNav.getState().openChecklist(next.sessionId);
      } catch (error) {
        set({ rerun: { busy: false, error: toApiCallError(error).message } });
      }
    },

    async loadCompare(before, after) {
      const current = get().compare;
      if (!current || current.before !== before || current.after !== after)
        set({ compare: { before, after, data: null, error: null } });
      try {
        const data = await api.call('sessions.compare', { before, after });
        if (get().compare?.after === after) set({ compare: { before, after, data, error: null } });
      } catch (error) {
        if (get().compare?.after === after)
          set({ compare: { before, after, data: null, error: toApiCallError(error).message } });
      }
    },

    onScanDone(sessionId) {
      if (get().sessionId !== sessionId) return;
      void get().load(sessionId, true);
      const compare = get().compare;
      if (compare?.after === sessionId) void get().loadCompare(compare.before, sessionId);
    },
  };
});
