import type { InterpreterDto } from '../../../../preload/contract.ts';
import { useStart } from '../../store/start.ts';

function versions(i: InterpreterDto): string {
  const parts = [
    i.pythonVersion ? `Python ${i.pythonVersion}` : null,
    i.django ? `Django ${i.django}` : null,
    i.gunicorn ? `gunicorn ${i.gunicorn}` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

const SOURCES: Record<string, string> = {
  option: 'entered',
  VIRTUAL_ENV: 'active virtualenv',
  PATH: 'on PATH',
};

/** The interpreters the engine found for the project, with what each can import; the path stays editable. */
export function InterpreterPicker() {
  const inspection = useStart((s) => s.inspection);
  const python = useStart((s) => s.form.python);
  const setField = useStart((s) => s.setField);
  const inspectInterpreter = useStart((s) => s.inspectInterpreter);
  const failedOn = useStart((s) => s.failure?.field);
  const candidates = inspection.state === 'done' ? inspection.info.interpreters : [];

  return (
    <fieldset className="field">
      <legend>Python interpreter</legend>
      {candidates.length > 0 && (
        <ul className="choices" aria-label="Interpreters found">
          {candidates.map((c) => (
            <li key={c.python}>
              <label className={`choice ${c.error ? 'choice-bad' : ''}`}>
                <input
                  type="radio"
                  name="python"
                  value={c.python}
                  checked={python === c.python}
                  onChange={() => setField('python', c.python)}
                />
                <span className="choice-body">
                  <span className="choice-line">
                    <code>{c.python}</code>
                    <span className="tag">{SOURCES[c.source] ?? c.source}</span>
                  </span>
                  <span className="choice-meta small">
                    {versions(c)}
                    {c.error && <span className="text-danger"> {c.error}</span>}
                  </span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <input
        id="python"
        type="text"
        className="input mono"
        aria-label="Interpreter path"
        placeholder="Found from VIRTUAL_ENV, .venv, venv, env, then python3"
        value={python}
        spellCheck={false}
        aria-invalid={failedOn === 'python'}
        onChange={(e) => setField('python', e.target.value)}
        onBlur={() => void inspectInterpreter()}
      />
    </fieldset>
  );
}
