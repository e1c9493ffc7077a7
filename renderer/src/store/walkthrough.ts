import { create } from 'zustand';
import type { ActionResultDto, EngineEvent, SuggestedActionDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { endpointKey, latestPerEndpoint, verdictCounts, type VerdictCounts } from '../verdicts.ts';
import {
  DEMO_SCENARIO,
  TOUR_ENDPOINT,
  TOUR_ITEM,
  TOUR_STEPS,
  TOUR_TARGET,
  type TourStep,
} from '../views/walkthrough/tourSteps.ts';
import { useChecklist } from './checklist.ts';
import { useNav } from './nav.ts';
import { useScan } from './scan.ts';
import { useSnapshots } from './snapshots.ts';
import { useStart } from './start.ts';

export type StepStatus = 'todo' | 'working' | 'done';

/** The line the diff step points at, and what holds what it allocates. */
export interface TourSite {
  file: string;
  line: number;
  code: string | null;
  heldBy: string | null;
}

/** What survives a reload (localStorage): the tour continues at the same step of the same session. */
interface Saved {
  active: boolean;
  step: TourStep;
  status: StepStatus;
  sessionId: number | null;
  found: VerdictCounts | null;
  site: TourSite | null;
  results: ActionResultDto[] | null;
}

interface WalkthroughState extends Saved {
  error: string | null;
  /** Starts the tour at its first step (a tour under way just continues). */
  begin(): void;
  end(): void;
  restart(): void;
  /** Runs the current step for the user; it is done when the engine says so. */
  doIt(): Promise<void>;
  next(): void;
  /** After a reload: a step that was waiting checks whether what it waited for happened meanwhile. */
  resume(): Promise<void>;
  onScanDone(event: Extract<EngineEvent, { kind: 'scan-done' }>): void;
}

const KEY = 'djleak.walkthrough';
const INITIAL: Saved = {
  active: false,
  step: 'start',
  status: 'todo',
  sessionId: null,
  found: null,
  site: null,
  results: null,
};

function restore(): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Saved> | null;
    if (!saved?.active || !TOUR_STEPS.includes(saved.step as TourStep)) return INITIAL;
    return { ...INITIAL, ...saved };
  } catch {
    return INITIAL;
  }
}

/** The running demo session, if there is one: the tour can take it instead of starting another. */
async function runningDemo(): Promise<number | null> {
  const [info, running, sessions] = await Promise.all([
    api.call('system.info', {}),
    api.call('investigation.running', {}),
    api.call('sessions.list', {}),
  ]);
  const demo = sessions.find(
    (s) =>
      s.project === info.demoProject && s.status === 'running' && running.some((r) => r.sessionId === s.id),
  );
  return demo?.id ?? null;
}

async function scanFindings(sessionId: number): Promise<{ found: VerdictCounts; site: TourSite | null }> {
  const latest = latestPerEndpoint(await api.call('sessions.scans', { id: sessionId }));
  const tour = latest.find((r) => endpointKey(r) === endpointKey(TOUR_ENDPOINT));
  const top = tour?.diagnosis?.top_sites[0];
  const held = tour?.diagnosis?.held_by;
  return {
    found: verdictCounts(latest),
    site: top
      ? {
          file: top.file,
          line: top.line,
          code: top.code,
          heldBy: held ? `${held.root.kind} ${held.root.name}` : null,
        }
      : null,
  };
}

function scanCovered(paths: readonly string[]): boolean {
  return DEMO_SCENARIO.endpoints.every((e) => paths.includes(e.path));
}

export const useWalkthrough = create<WalkthroughState>((set, get) => {
  const fail = (error: unknown): void => set({ status: 'todo', error: toApiCallError(error).message });

  /** Shows the tour's Fix card in the Checklist view. */
  function showCard(sessionId: number): void {
    useNav.getState().openChecklist(sessionId);
    useChecklist.getState().setStep('fix', sessionId);
    useChecklist.getState().focusItem(TOUR_ITEM);
  }

  const steps: Record<TourStep, (sessionId: number | null) => Promise<void>> = {
    async start() {
      const adopted = await runningDemo();
      const sessionId = adopted ?? (await useStart.getState().startDemo());
      if (sessionId === null) return fail(useStart.getState().failure?.message ?? 'the demo did not start');
      set({ sessionId, status: 'done' });
      useNav.getState().openChecklist(sessionId);
      useChecklist.getState().setStep('identify', sessionId);
    },
    async scan(sessionId) {
      if (sessionId === null) return;
      useNav.getState().openChecklist(sessionId);
      useChecklist.getState().setStep('identify', sessionId);
      await useScan.getState().start(sessionId, DEMO_SCENARIO);
      // done when its scan-done event comes (onScanDone)
      const error = useScan.getState().startError;
      if (error) fail(error);
    },
    async diff(sessionId) {
      if (sessionId === null) return;
      const { site } = await scanFindings(sessionId);
      set({ site, status: 'done' });
      const key = endpointKey(TOUR_ENDPOINT);
      useSnapshots.getState().openDiagnosis(sessionId, key);
      useNav.getState().openSnapshots(sessionId);
    },
    async finding(sessionId) {
      if (sessionId === null) return;
      showCard(sessionId);
      set({ status: 'done' });
    },
    async action(sessionId) {
      if (sessionId === null) return;
      showCard(sessionId);
      const checklist = useChecklist.getState();
      if (checklist.sessionId !== sessionId || !checklist.data) await checklist.load(sessionId, true);
      const suggested = useChecklist
        .getState()
        .data?.findings.find((f) => f.item === TOUR_ITEM)
        ?.actions.find((a) => a.name === 'container_clear' && a.target === TOUR_TARGET);
      const action: SuggestedActionDto = suggested ?? {
        name: 'container_clear',
        target: TOUR_TARGET,
        label: `Clear ${TOUR_TARGET}`,
        irreversible: true,
      };
      const results = await useChecklist.getState().request(TOUR_ITEM, action);
      if (get().step !== 'action') return;
      if (results?.some((r) => r.ok)) set({ status: 'done', results });
      else if (results) fail(results.find((r) => r.error)?.error ?? 'the action failed');
      else set({ status: 'todo', error: useChecklist.getState().actionError?.message ?? null });
    },
    async effect(sessionId) {
      if (sessionId !== null) showCard(sessionId);
    },
    async done() {},
  };

  return {
    ...restore(),
    error: null,

    begin() {
      if (!get().active) set({ ...INITIAL, active: true, error: null });
    },
    end: () => set({ ...INITIAL, error: null }),
    restart: () => set({ ...INITIAL, active: true, error: null }),

    async doIt() {
      const { step, status, sessionId } = get();
      if (status === 'working') return;
      set({ status: 'working', error: null });
      try {
        await steps[step](sessionId);
      } catch (error) {
        fail(error);
      }
    },

    next() {
      const at = TOUR_STEPS.indexOf(get().step);
      const step = TOUR_STEPS[at + 1];
      if (!step) return get().end();
      set({ step, status: 'todo', error: null });
      if (step === 'effect') void steps.effect(get().sessionId);
    },

    async resume() {
      const { active, step, status, sessionId } = get();
      if (!active || status !== 'working') return;
      if (step !== 'scan' || sessionId === null) return set({ status: 'todo' });
      try {
        const [scans, running] = await Promise.all([
          api.call('sessions.scans', { id: sessionId }),
          api.call('investigation.running', {}),
        ]);
        if (get().step !== 'scan' || get().status !== 'working') return;
        if (scanCovered(scans.map((r) => r.path))) {
          const { found } = await scanFindings(sessionId);
          set({ found, status: 'done' });
        } else if (running.some((r) => r.sessionId === sessionId)) useScan.getState().track(sessionId);
        else fail('the demo stopped before its scan ended: start it again');
      } catch (error) {
        fail(error);
      }
    },

    onScanDone(event) {
      const { active, step, status, sessionId } = get();
      if (!active || step !== 'scan' || status !== 'working' || sessionId !== event.sessionId) return;
      if (event.error) return fail(event.error);
      if (event.cancelled) return fail('the scan was cancelled: scan again to go on');
      void scanFindings(sessionId).then(
        ({ found }) => set({ found, status: 'done' }),
        (error: unknown) => fail(error),
      );
    },
  };
});

useWalkthrough.subscribe((s) => {
  if (!s.active) return localStorage.removeItem(KEY);
  const { active, step, status, sessionId, found, site, results } = s;
  localStorage.setItem(KEY, JSON.stringify({ active, step, status, sessionId, found, site, results }));
});

// The action step is done however the user ran the action: with Do it, or from the card itself.
useChecklist.subscribe((c, previous) => {
  const run = c.lastRun;
  const tour = useWalkthrough.getState();
  if (!run || run === previous.lastRun || !tour.active || tour.step !== 'action') return;
  if (run.sessionId !== tour.sessionId || run.item !== TOUR_ITEM || run.action.name !== 'container_clear')
    return;
  if (run.results.some((r) => r.ok))
    useWalkthrough.setState({ status: 'done', results: run.results, error: null });
});
