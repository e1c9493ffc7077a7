import type { EngineEvent } from '../../../../preload/contract.ts';

/** The engine's last progress report of a scan (the store's ScanProgress). */
type Progress = Omit<Extract<EngineEvent, { kind: 'scan-progress' }>, 'kind' | 'sessionId'>;
type Diagnosing = Omit<Extract<EngineEvent, { kind: 'scan-diagnosing' }>, 'kind' | 'sessionId'>;

/**
 * Where a scan stands, for its progress bar. `done` is the solid share (endpoints measured, and the current one's
 * first rounds); `busy` the part the scan works on without knowing for how long (an endpoint being extended until
 * it is decided, the warm-up, the diagnosis after the last endpoint), drawn as moving stripes. Null `done`: the
 * bar says nothing of how far along it is.
 */
export interface ProgressModel {
  phase: 'discovering' | 'warming-up' | 'measuring' | 'extending' | 'diagnosing' | 'finishing';
  /** The endpoint under way, 0-based (null before the first and after the last). */
  index: number | null;
  done: number | null;
  busy: { from: number; width: number } | null;
}

export function progressModel(
  progress: Progress | null,
  measured: number,
  diagnosing: Diagnosing | null = null,
): ProgressModel {
  // every endpoint measured, a traced window on each leak: the bar counts the leaks diagnosed
  if (diagnosing) {
    const slot = 1 / diagnosing.count;
    return {
      phase: 'diagnosing',
      index: diagnosing.index,
      done: diagnosing.index * slot,
      busy: { from: diagnosing.index * slot, width: slot },
    };
  }
  if (progress === null)
    return { phase: 'discovering', index: null, done: null, busy: { from: 0, width: 1 } };
  const { endpoints, index } = progress;
  const slot = 1 / endpoints;
  // after the last endpoint's rounds the engine is still at work: diagnosing the leaks, storing the results
  if (measured >= endpoints)
    return { phase: 'finishing', index: null, done: null, busy: { from: 0, width: 1 } };
  // the endpoint's result is in and the next one's first round has not begun: its warm-up and baseline
  if (measured > index)
    return {
      phase: 'warming-up',
      index: measured,
      done: measured * slot,
      busy: { from: measured * slot, width: slot },
    };
  if (progress.extending !== null)
    return { phase: 'extending', index, done: index * slot, busy: { from: index * slot, width: slot } };
  return {
    phase: 'measuring',
    index,
    done: (index + (progress.round - 1) / progress.rounds) * slot,
    busy: null,
  };
}
