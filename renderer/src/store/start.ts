import { create } from 'zustand';
import type {
  ExampleDto,
  ExampleName,
  ProjectInfoDto,
  ServerKind,
  StartInvestigationArgs,
} from '../../../preload/contract.ts';
import { api, toApiCallError } from '../api.ts';
import { parseEnvironment } from '../views/start/environment.ts';
import { useLibrary } from './library.ts';
import { useNav } from './nav.ts';

export interface LaunchFailure {
  message: string;
  code: string;
  detail: string[];
  what: string;
  /** The form's input the failure is about (the message names it by its label). */
  field: string | null;
  /** The session stored as failed, with all the output the box shows the end of. */
  session: number | null;
}

export interface StartForm {
  project: string;
  python: string;
  settings: string;
  server: ServerKind;
  workers: number;
  /** The Environment field's text: one KEY=VALUE per line. */
  env: string;
}

type Inspection =
  | { state: 'idle' }
  | { state: 'loading'; project: string }
  | { state: 'done'; project: string; info: ProjectInfoDto }
  | { state: 'error'; project: string; message: string };

interface StartState {
  form: StartForm;
  inspection: Inspection;
  /** What is being launched, while investigation.start is pending: the form's project or an example. */
  starting: 'project' | ExampleName | null;
  /** The bundled examples (the demo among them), once system.info has answered. */
  examples: ExampleDto[];
  progress: string[];
  failure: LaunchFailure | null;
  formError: string | null;
  /** The Environment field's first bad line, once it has been left or the form sent. */
  envError: string | null;
  /** Fields the user filled in: what inspecting a project folder finds leaves them as typed. */
  typed: Partial<Record<keyof StartForm, boolean>>;
  checkEnvironment(): boolean;
  setField<K extends keyof StartForm>(key: K, value: StartForm[K]): void;
  inspect(): Promise<void>;
  inspectInterpreter(): Promise<void>;
  startProject(): Promise<void>;
  /** Resolves to the demo's session, or null when it could not start (see `failure`). */
  startDemo(): Promise<number | null>;
  startExample(name: ExampleName): Promise<number | null>;
  loadExamples(): Promise<void>;
  addProgress(line: string): void;
  dismissFailure(): void;
}

const PROGRESS_LINES = 200;

export const useStart = create<StartState>((set, get) => {
  async function launch(
    kind: 'project' | ExampleName,
    args: StartInvestigationArgs,
    what: string,
  ): Promise<number | null> {
    if (get().starting) return null;
    set({ starting: kind, progress: [], failure: null, formError: null });
    try {
      const { sessionId } = await api.call('investigation.start', args);
      set({ starting: null });
      void useLibrary.getState().refresh();
      useNav.getState().openSession(sessionId);
      return sessionId;
    } catch (error) {
      const e = toApiCallError(error);
      set({
        starting: null,
        failure: {
          message: e.message,
          code: e.code,
          detail: e.detail,
          what,
          field: e.field,
          session: e.session,
        },
      });
      void useLibrary.getState().refresh();
      return null;
    }
  }

  return {
    form: { project: '', python: '', settings: '', server: 'runserver', workers: 2, env: '' },
    inspection: { state: 'idle' },
    starting: null,
    examples: [],
    progress: [],
    failure: null,
    formError: null,
    envError: null,
    typed: {},
    setField: (key, value) =>
      set({
        form: { ...get().form, [key]: value },
        typed: { ...get().typed, [key]: String(value).trim() !== '' },
        formError: null,
        ...(key === 'env' ? { envError: null } : {}),
      }),

    checkEnvironment() {
      const parsed = parseEnvironment(get().form.env);
      set({ envError: parsed.ok ? null : `Environment, ${parsed.message}` });
      return parsed.ok;
    },

    async inspect() {
      const dir = get().form.project.trim();
      if (!dir) return set({ inspection: { state: 'idle' } });
      const current = get().inspection;
      if ((current.state === 'loading' || current.state === 'done') && current.project === dir) return;
      set({ inspection: { state: 'loading', project: dir } });
      try {
        const info = await api.call('project.inspect', { project: dir });
        if (get().form.project.trim() !== dir) return;
        const usable = info.interpreters.find((i) => !i.error) ?? info.interpreters[0];
        const { form, typed } = get();
        set({
          inspection: { state: 'done', project: dir, info },
          form: {
            ...form,
            settings: typed.settings ? form.settings : (info.settings ?? form.settings),
            python: typed.python ? form.python : (usable?.python ?? form.python),
          },
        });
      } catch (error) {
        set({ inspection: { state: 'error', project: dir, message: toApiCallError(error).message } });
      }
    },

    async inspectInterpreter() {
      const python = get().form.python.trim();
      const current = get().inspection;
      if (!python || current.state !== 'done') return;
      if (current.info.interpreters.some((i) => i.python === python)) return;
      try {
        const info = await api.call('project.inspect', { project: current.project, python });
        const latest = get().inspection;
        if (latest.state !== 'done' || latest.project !== current.project) return;
        const known = new Set(latest.info.interpreters.map((i) => i.python));
        const added = info.interpreters.filter((i) => !known.has(i.python));
        set({
          inspection: {
            ...latest,
            info: { ...latest.info, interpreters: [...added, ...latest.info.interpreters] },
          },
        });
      } catch {
        // the project was readable a moment ago; launching will report what is wrong
      }
    },

    async startProject() {
      const f = get().form;
      if (!f.project.trim()) {
        set({ formError: 'Enter the folder that holds manage.py, or try the demo.' });
        return;
      }
      const env = parseEnvironment(f.env);
      if (!env.ok) {
        set({ envError: `Environment, ${env.message}` });
        return;
      }
      await launch(
        'project',
        {
          project: f.project.trim(),
          server: f.server,
          ...(f.python.trim() ? { python: f.python.trim() } : {}),
          ...(f.settings.trim() ? { settings: f.settings.trim() } : {}),
          ...(f.server === 'gunicorn' ? { workers: f.workers } : {}),
          ...(Object.keys(env.env).length ? { env: env.env } : {}),
        },
        f.project.trim(),
      );
    },

    startDemo: () => launch('leaky_shop', { demo: true }, 'the demo'),
    startExample: (name) =>
      name === 'leaky_shop' ? get().startDemo() : launch(name, { example: name }, `the ${name} example`),

    async loadExamples() {
      if (get().examples.length) return;
      try {
        set({ examples: (await api.call('system.info', {})).examples });
      } catch {
        // the demo card does not need the list; the others stay hidden until the engine answers
      }
    },

    addProgress: (line) => set({ progress: [...get().progress, line].slice(-PROGRESS_LINES) }),
    dismissFailure: () => set({ failure: null }),
  };
});
