import { MOD } from '../../shortcuts.ts';
import { useStart } from '../../store/start.ts';
import { InterpreterPicker } from './InterpreterPicker.tsx';

function ProjectStatus() {
  const inspection = useStart((s) => s.inspection);
  switch (inspection.state) {
    case 'idle':
      return <p className="hint small">The folder that holds manage.py.</p>;
    case 'loading':
      return <p className="hint small">Looking at the project and its interpreters…</p>;
    case 'error':
      return (
        <p className="hint small text-danger" role="alert" data-testid="inspect-error">
          {inspection.message}
        </p>
      );
    case 'done':
      return (
        <p className="hint small text-ok" data-testid="inspect-result">
          {inspection.info.managePy ? 'manage.py found' : 'no manage.py'} · settings{' '}
          <code>{inspection.info.settings ?? 'not detected'}</code>
        </p>
      );
  }
}

/** The Environment field: the target's own variables, checked line by line when it is left. */
function EnvironmentField() {
  const env = useStart((s) => s.form.env);
  const envError = useStart((s) => s.envError);
  const failedOn = useStart((s) => s.failure?.field);
  const setField = useStart((s) => s.setField);
  const checkEnvironment = useStart((s) => s.checkEnvironment);
  return (
    <div className="field">
      <label htmlFor="env">Environment</label>
      <textarea
        id="env"
        className="input mono textarea"
        rows={3}
        placeholder={'DATABASE_URL=sqlite:///db.sqlite3\nSECRET_KEY=…'}
        value={env}
        spellCheck={false}
        aria-invalid={envError !== null || failedOn === 'env'}
        aria-describedby="env-hint"
        onChange={(e) => setField('env', e.target.value)}
        onBlur={() => checkEnvironment()}
      />
      {envError ? (
        <p id="env-hint" className="hint small text-danger" role="alert" data-testid="env-error">
          {envError}
        </p>
      ) : (
        <p id="env-hint" className="hint small">
          One KEY=VALUE per line, as in a .env file; the values are kept with the session and left out of
          exports.
        </p>
      )}
    </div>
  );
}

export function NewInvestigationForm() {
  const form = useStart((s) => s.form);
  const starting = useStart((s) => s.starting);
  const formError = useStart((s) => s.formError);
  const setField = useStart((s) => s.setField);
  const inspect = useStart((s) => s.inspect);
  const startProject = useStart((s) => s.startProject);
  const failedOn = useStart((s) => s.failure?.field);

  return (
    <form
      className="panel form"
      aria-labelledby="new-title"
      onSubmit={(e) => {
        e.preventDefault();
        void startProject();
      }}
    >
      <h2 id="new-title">Your project</h2>
      <div className="field">
        <label htmlFor="project">Project folder</label>
        <input
          id="project"
          type="text"
          className="input mono"
          placeholder="/home/me/src/shop"
          value={form.project}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={failedOn === 'project'}
          onChange={(e) => setField('project', e.target.value)}
          onBlur={() => void inspect()}
        />
        <ProjectStatus />
      </div>
      <InterpreterPicker />
      <div className="field">
        <label htmlFor="settings">Settings module</label>
        <input
          id="settings"
          type="text"
          className="input mono"
          placeholder="shop.settings (read from manage.py)"
          value={form.settings}
          spellCheck={false}
          aria-invalid={failedOn === 'settings'}
          onChange={(e) => setField('settings', e.target.value)}
        />
      </div>
      <div className="field-row">
        <fieldset className="field">
          <legend>Server</legend>
          <div className="segmented" role="radiogroup" aria-label="Server">
            {(['runserver', 'gunicorn'] as const).map((server) => (
              <label key={server} className={form.server === server ? 'on' : ''}>
                <input
                  type="radio"
                  name="server"
                  value={server}
                  checked={form.server === server}
                  onChange={() => setField('server', server)}
                />
                {server}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="workers">Workers</label>
          <input
            id="workers"
            type="number"
            className="input input-narrow"
            min={1}
            max={64}
            value={form.workers}
            disabled={form.server !== 'gunicorn'}
            title={form.server === 'gunicorn' ? undefined : 'Only gunicorn runs several workers'}
            onChange={(e) => setField('workers', Math.max(1, Math.min(64, Number(e.target.value) || 1)))}
          />
        </div>
      </div>
      <EnvironmentField />
      {formError && (
        <p className="text-danger small" role="alert">
          {formError}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={starting !== null}>
          {starting === 'project' ? 'Starting…' : 'Start investigation'}
        </button>
        <span className="muted small">
          <kbd>{MOD}</kbd>+<kbd>Enter</kbd>
        </span>
      </div>
    </form>
  );
}
