import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LaunchError } from './errors.ts';

export type InterpreterSource = 'option' | 'VIRTUAL_ENV' | '.venv' | 'venv' | 'env' | 'PATH';

export interface InterpreterCandidate {
  python: string;
  source: InterpreterSource;
}

export interface InterpreterInfo extends InterpreterCandidate {
  pythonVersion: string;
  django: string | null;
  gunicorn: string | null;
  psutil: boolean;
}

const binDir = process.platform === 'win32' ? 'Scripts' : 'bin';
const exe = process.platform === 'win32' ? 'python.exe' : 'python';

/** The order: --python, VIRTUAL_ENV, the project's .venv/venv/env, then python3 on PATH. */
export function interpreterCandidates(
  projectDir: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): InterpreterCandidate[] {
  if (explicit) return [{ python: explicit, source: 'option' }];
  const found: InterpreterCandidate[] = [];
  if (env.VIRTUAL_ENV) found.push({ python: path.join(env.VIRTUAL_ENV, binDir, exe), source: 'VIRTUAL_ENV' });
  for (const name of ['.venv', 'venv', 'env'] as const) {
    const candidate = path.join(projectDir, name, binDir, exe);
    if (existsSync(candidate)) found.push({ python: candidate, source: name });
  }
  found.push({ python: process.platform === 'win32' ? 'python' : 'python3', source: 'PATH' });
  return found;
}

const PROBE_SCRIPT = `
import json, sys
info = {"python": sys.version.split()[0], "django": None, "gunicorn": None, "psutil": False, "error": None}
try:
    import django
    info["django"] = django.get_version()
except Exception as e:
    info["error"] = "%s: %s" % (type(e).__name__, e)
try:
    import gunicorn
    info["gunicorn"] = gunicorn.__version__
except Exception:
    pass
try:
    import psutil
    info["psutil"] = True
except Exception:
    pass
print(json.dumps(info))
`;

interface ProbeAnswer {
  python: string;
  django: string | null;
  gunicorn: string | null;
  psutil: boolean;
  error: string | null;
}

function inspect(python: string, cwd: string): Promise<ProbeAnswer> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', PROBE_SCRIPT], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new LaunchError('interpreter-missing', `Python interpreter not found: ${python}`, [], {
            field: 'python',
          }),
        );
        return;
      }
      if (error && (error as NodeJS.ErrnoException).code === 'EACCES') {
        reject(
          new LaunchError('interpreter-missing', `Python interpreter is not executable: ${python}`, [], {
            field: 'python',
          }),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ProbeAnswer);
      } catch {
        const detail = (stderr || String(error ?? '')).trim().split('\n').slice(-3).join(' | ');
        reject(
          new LaunchError(
            'interpreter-broken',
            `${python} does not run as a Python interpreter: ${detail}`,
            [],
            {
              field: 'python',
            },
          ),
        );
      }
    });
  });
}

export interface CandidateReport extends InterpreterCandidate {
  pythonVersion: string | null;
  django: string | null;
  gunicorn: string | null;
  error: string | null;
}

/** Every candidate with what it can import, for a face that lets the user pick one. Never throws. */
export async function inspectCandidates(
  projectDir: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CandidateReport[]> {
  return Promise.all(
    interpreterCandidates(projectDir, explicit, env).map(async (candidate) => {
      try {
        const a = await inspect(candidate.python, projectDir);
        const error = a.django ? null : `cannot import django (${a.error})`;
        return { ...candidate, pythonVersion: a.python, django: a.django, gunicorn: a.gunicorn, error };
      } catch (error) {
        return {
          ...candidate,
          pythonVersion: null,
          django: null,
          gunicorn: null,
          error: (error as Error).message,
        };
      }
    }),
  );
}

/** Picks the first candidate that exists and can import Django; explains precisely when none can. */
export async function resolveInterpreter(
  projectDir: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<InterpreterInfo> {
  const tried: string[] = [];
  let lastError: LaunchError | undefined;
  for (const candidate of interpreterCandidates(projectDir, explicit, env)) {
    let answer: ProbeAnswer;
    try {
      answer = await inspect(candidate.python, projectDir);
    } catch (error) {
      lastError = error as LaunchError;
      tried.push(`${candidate.python} (${candidate.source}): not found`);
      continue;
    }
    if (answer.django) {
      return {
        ...candidate,
        pythonVersion: answer.python,
        django: answer.django,
        gunicorn: answer.gunicorn,
        psutil: answer.psutil,
      };
    }
    tried.push(
      `${candidate.python} (${candidate.source}, Python ${answer.python}): cannot import django (${answer.error})`,
    );
    const problem = `Django is not importable by ${candidate.python} (Python ${answer.python}): ${answer.error}.`;
    lastError = new LaunchError(
      'django-missing',
      {
        cli: `${problem} Install it there (pip install django) or pick the project's interpreter with --python.`,
        app: `${problem} Install it there (pip install django) or pick the project's interpreter as Interpreter path.`,
      },
      [],
      { field: 'python' },
    );
  }
  if (explicit && lastError) throw lastError;
  const problem = `no Python interpreter with Django was found for ${projectDir}. Tried:\n  ${tried.join('\n  ')}\n`;
  throw new LaunchError(
    'django-missing',
    {
      cli: `${problem}Pass --python /path/to/venv/bin/python.`,
      app: `${problem}Enter the project's interpreter as Interpreter path (e.g. /path/to/venv/bin/python).`,
    },
    [],
    { field: 'python' },
  );
}
