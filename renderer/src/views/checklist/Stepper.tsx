import { useChecklist, type ChecklistStep } from '../../store/checklist.ts';

export interface StepInfo {
  step: ChecklistStep;
  label: string;
  /** What the step holds in this session, in a few words. */
  status: string;
  complete: boolean;
}

/** Identify → Diagnose → Fix: where the user is, and how far each step got. */
export function Stepper({ steps }: { steps: readonly StepInfo[] }) {
  const current = useChecklist((s) => s.step);
  const setStep = useChecklist((s) => s.setStep);
  return (
    <nav aria-label="Checklist steps">
      <ol className="stepper">
        {steps.map((s, i) => (
          <li
            key={s.step}
            className={`${s.step === current ? 'current' : ''} ${s.complete ? 'complete' : ''}`}
          >
            <button
              type="button"
              className="step-button"
              aria-current={s.step === current ? 'step' : undefined}
              onClick={() => setStep(s.step)}
              data-step={s.step}
            >
              <span className="step-number" aria-hidden="true">
                {s.complete ? '✓' : i + 1}
              </span>
              <span className="step-text">
                <span className="step-label">{s.label}</span>
                <span className="step-status small">{s.status}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
