import { create } from 'zustand';
import type { ActionResultDto, EngineEvent, SuggestedActionDto } from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import {
  endpointKey,
  latestPerEndpoint,
  verdictCounts,
  verdictSummary,
  type VerdictCounts,
} from '../verdicts.ts';
import { groupRuns } from '../views/checklist/actionText.ts';
import {
  DEMO_SCENARIO,
  TOUR_ENDPOINT,
  TOUR_ITEM,
  TOUR_STEPS,
  TOUR_TARGET,
  type TourStep,
} from '../views/walkthrough/tourSteps.ts';
import { useChecklist } from './checklist.ts';
import { useLibrary } from './library.ts';
import { useNav } from './nav.ts';
import { isScanning, useScan } from './scan.ts';
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
  /** What the tour saw done without its Do it (with the page's own buttons, or before): the steps it moved
   * past by itself to reach this one, each said as "Done: …". */
  notes: string[];
}

/** A step's outcome found in the app's state: what the tour keeps of it, and what it tells the user. */
interface Outcome {
  patch: Partial<Saved>;
  note: string;
}

interface WalkthroughState extends Saved {
  error: string | null;
  /** Starts the tour at its first step (a tour under way just continues). */
  begin(): void;
  end(): void;
  restart(): void;
  /** Runs the current step for the user; it is done when the engine says so. A step whose outcome is there
   * already is not run again: the tour just moves on. */
  doIt(): Promise<void>;
  next(): void;
  /** After a reload: a step that was waiting checks whether what it waited for happened meanwhile, and a step
   * done meanwhile is moved past. */
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
  notes: [],
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

/** The running demo session, if there is one (the tour's own first): the tour can take it instead of starting
 * another. */
async function runningDemo(prefer: number | null = null): Promise<number | null> {
  const [info, running, sessions] = await Promise.all([
    api.call('system.info', {}),
    api.call('investigation.running', {}),
    api.call('sessions.list', {}),
  ]);
  const demos = sessions.filter(
    (s) =>
      s.project === info.demoProject && s.status === 'running' && running.some((r) => r.sessionId === s.id),
  );
  return (demos.find((s) => s.id === prefer) ?? demos[0])?.id ?? null;
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

const TOUR_KEY = endpointKey(TOUR_ENDPOINT);

/** The tour's leak's diff is on screen: the session's Snapshots view, its pair picked from that diagnosis. */
function diffShown(sessionId: number): boolean {
  const nav = useNav.getState();
  const snapshots = useSnapshots.getState();
  return (
    nav.view === 'snapshots' &&
    nav.sessionId === sessionId &&
    snapshots.sessionId === sessionId &&
    snapshots.diagnosis === TOUR_KEY
  );
}

/** The session's Checklist view shows its Fix step, the tour's card among it. */
function findingShown(sessionId: number): boolean {
  const nav = useNav.getState();
  const checklist = useChecklist.getState();
  return (
    nav.view === 'checklist' &&
    nav.sessionId === sessionId &&
    checklist.sessionId === sessionId &&
    checklist.step === 'fix' &&
    (checklist.data?.findings.some((f) => f.item === TOUR_ITEM) ?? false)
  );
}

function isTourClear(item: string | null, name: string, target: unknown): boolean {
  return item === TOUR_ITEM && name === 'container_clear' && target === TOUR_TARGET;
}

/** The latest run of the tour's clear stored with the session that cleared something, one row a process. */
function clearRun(actions: readonly ActionResultDto[]): ActionResultDto[] | null {
  const runs = groupRuns(actions.filter((a) => isTourClear(a.item, a.name, a.args.target)));
  return runs.findLast((run) => run.some((r) => r.ok)) ?? null;
}

const CLEARED = `Done: you cleared ${TOUR_TARGET}`;

/**
 * Whether the step's outcome is there, read from what the app and the engine hold (not from what the tour
 * did): a running demo, a finished scan of the session with the tour's endpoint, the diff or the finding on
 * screen, the clear stored with the session. null: still to do.
 */
async function detect(step: TourStep, sessionId: number | null, scanEnded: boolean): Promise<Outcome | null> {
  if (step === 'start') {
    const id = await runningDemo(sessionId);
    return id === null ? null : { patch: { sessionId: id }, note: `Done: the demo runs as session #${id}` };
  }
  if (sessionId === null) return null;
  switch (step) {
    case 'scan': {
      // a scan under way may have stored some endpoints already: it is done at its scan-done
      if (!scanEnded && isScanning(sessionId)) return null;
      const scans = await api.call('sessions.scans', { id: sessionId });
      if (!scans.some((r) => endpointKey(r) === TOUR_KEY && !r.partial)) return null;
      const found = verdictCounts(latestPerEndpoint(scans));
      return { patch: { found }, note: `Done: you scanned the demo (${verdictSummary(found)})` };
    }
    case 'diff':
      return diffShown(sessionId)
        ? { patch: {}, note: `Done: you opened the diff of ${TOUR_ENDPOINT.path}` }
        : null;
    case 'finding':
      return findingShown(sessionId)
        ? { patch: {}, note: 'Done: you opened the Clear caches finding' }
        : null;
    case 'action': {
      const checklist = useChecklist.getState();
      const actions =
        checklist.sessionId === sessionId && checklist.data
          ? checklist.data.actions
          : (await api.call('checklist.get', { sessionId })).actions;
      const results = clearRun(actions);
      return results ? { patch: { results }, note: CLEARED } : null;
    }
    default:
      return null;
  }
}

export const useWalkthrough = create<WalkthroughState>((set, get) => {
  const fail = (error: unknown): void => set({ status: 'todo', error: toApiCallError(error).message });
  /** Each check's number: an answer that arrives after a newer check started is dropped. */
  let checks = 0;

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

  /** Shows a step the tour just reached, and moves past it too when it is done already. */
  function enter(step: TourStep): void {
    if (step === 'effect') void steps.effect(get().sessionId);
    void check({ chained: true });
  }

  /** Moves past the current step, done without Do it: the next step says so. */
  function advance({ patch, note }: Outcome, chained: boolean): void {
    const step = TOUR_STEPS[TOUR_STEPS.indexOf(get().step) + 1];
    if (!step) return;
    set({ ...patch, step, status: 'todo', error: null, notes: chained ? [...get().notes, note] : [note] });
    enter(step);
  }

  /**
   * Moves on when the current step, still to do, is done in the app: the user did it with the page's own
   * buttons, or it was done before the tour reached it. `chained`: the tour just moved on by itself, and keeps
   * saying what it moved past.
   */
  async function check({ chained = false, scanEnded = false } = {}): Promise<void> {
    const { active, step, status, sessionId } = get();
    if (!active || status !== 'todo') return;
    const mine = ++checks;
    let outcome: Outcome | null;
    try {
      outcome = await detect(step, sessionId, scanEnded);
    } catch {
      return; // the engine could not say: the step stays to do, and Do it is there
    }
    const now = get();
    if (mine !== checks || !now.active || now.step !== step || now.status !== 'todo') return;
    if (now.sessionId !== sessionId) return;
    if (outcome) advance(outcome, chained);
  }

  // What the user's own buttons change: a demo started, the diff or the Fix step opened, the clear run.
  let library = '';
  useLibrary.subscribe((l) => {
    const seen = `${l.running.map((r) => r.sessionId).join()};${l.sessions?.map((s) => `${s.id}:${s.status}`).join()}`;
    if (seen === library) return;
    library = seen;
    if (get().step === 'start') void check();
  });
  const onView = (): void => {
    if (get().step === 'diff' || get().step === 'finding') void check();
  };
  useNav.subscribe(onView);
  useSnapshots.subscribe(onView);
  useChecklist.subscribe((c, previous) => {
    onView();
    // the action step is done however the user ran the action: with Do it, or from the card itself
    const run = c.lastRun;
    const tour = get();
    if (!run || run === previous.lastRun || !tour.active || tour.step !== 'action') return;
    if (run.sessionId !== tour.sessionId || !isTourClear(run.item, run.action.name, run.action.target))
      return;
    if (!run.results.some((r) => r.ok)) return;
    if (tour.status === 'todo') advance({ patch: { results: run.results }, note: CLEARED }, false);
    else set({ status: 'done', results: run.results, error: null });
  });

  return {
    ...restore(),
    error: null,

    begin() {
      if (get().active) return;
      set({ ...INITIAL, active: true, error: null });
      void check();
    },
    end: () => set({ ...INITIAL, error: null }),
    restart() {
      set({ ...INITIAL, active: true, error: null });
      void check();
    },

    async doIt() {
      const { step, status, sessionId } = get();
      if (status === 'working') return;
      set({ status: 'working', error: null, notes: [] });
      try {
        // done already (by the page's own buttons, or before a reload): not run a second time
        const outcome = await detect(step, sessionId, false);
        if (get().step !== step || get().status !== 'working') return;
        if (outcome) return advance(outcome, false);
        await steps[step](sessionId);
      } catch (error) {
        fail(error);
      }
    },

    next() {
      const at = TOUR_STEPS.indexOf(get().step);
      const step = TOUR_STEPS[at + 1];
      if (!step) return get().end();
      set({ step, status: 'todo', error: null, notes: [] });
      enter(step);
    },

    async resume() {
      const { active, step, status, sessionId } = get();
      if (!active) return;
      if (status === 'todo') return check({ chained: true });
      if (status !== 'working') return;
      if (step !== 'scan' || sessionId === null) {
        set({ status: 'todo' });
        return check();
      }
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
      if (!active || step !== 'scan' || sessionId !== event.sessionId) return;
      // a scan the user started with the page's own buttons
      if (status === 'todo' && !event.error && !event.cancelled) return void check({ scanEnded: true });
      if (status !== 'working') return;
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
  const { active, step, status, sessionId, found, site, results, notes } = s;
  localStorage.setItem(KEY, JSON.stringify({ active, step, status, sessionId, found, site, results, notes }));
});
