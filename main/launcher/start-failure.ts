import path from 'node:path';
import type { Phrasing, LaunchField } from './errors.ts';
import { fatalChain, type PythonException, type TracebackFrame } from './traceback.ts';

/**
 * Why a target died during start-up, from what it printed: the root exception of the chain that ended it,
 * where it was raised (in the project or a library, never importlib's frozen frames or djleak's runner), and
 * what to do where that is known. Pure: the one question about the disk (is this module the project's own?)
 * is asked through the context.
 */
export interface FailureContext {
  /** The project folder (absolute); relative frame paths (`manage.py`) are taken from it. */
  project: string;
  /** The interpreter the target ran, for the pip command of a hint. */
  python: string;
  /** Whether a top-level module name is the project's own (a package or module in its folder). */
  isProjectModule(name: string): boolean;
}

export interface SourcePlace {
  /** Relative to the project for its files, from site-packages on for a library's, else as printed. */
  file: string;
  line: number;
  kind: 'project' | 'library' | 'other';
}

export interface RootCause {
  /** The first exception of the chain: what to fix. */
  root: PythonException;
  /** The exception that ended the process, when it is another one (it was raised from the root). */
  last: PythonException | null;
  /** Where the root was raised: its innermost frame in the project or a library. */
  where: SourcePlace | null;
  /** When `where` is in a library: the innermost project frame that led there. */
  from: SourcePlace | null;
  /** What to do, in each face's terms. */
  hint: Phrasing | null;
  /** The input the hint is about. */
  field: LaunchField | null;
}

type FrameKind = 'project' | 'library' | 'python' | 'djleak';

function frameKind(file: string, project: string): FrameKind {
  if (file.startsWith('<')) return 'python';
  if (/[\\/]djleak_probe[\\/]/.test(file)) return 'djleak';
  // Before the project test: a virtualenv is often kept inside the project folder.
  if (/[\\/](site|dist)-packages[\\/]/.test(file)) return 'library';
  const abs = path.resolve(project, file);
  if (abs.startsWith(project + path.sep)) return 'project';
  if (/[\\/]lib[\\/]python\d+(\.\d+)?[\\/]|[\\/]Lib[\\/]/.test(file)) return 'python';
  return 'library';
}

function place(frame: TracebackFrame, project: string): SourcePlace {
  const kind = frameKind(frame.file, project);
  if (kind === 'project')
    return { file: path.relative(project, path.resolve(project, frame.file)), line: frame.line, kind };
  const packages = /[\\/](?:site|dist)-packages[\\/]/.exec(frame.file);
  return {
    file: packages ? frame.file.slice(packages.index + packages[0].length) : frame.file,
    line: frame.line,
    kind: kind === 'library' ? 'library' : 'other',
  };
}

/** The root's location: a SyntaxError's own line, else its innermost frame in the project or a library. */
function locate(
  root: PythonException,
  project: string,
): { where: SourcePlace | null; from: SourcePlace | null } {
  const frames = [...root.frames].reverse();
  const syntax = frames.find((f) => f.func === null);
  const own = (f: TracebackFrame): boolean => ['project', 'library'].includes(frameKind(f.file, project));
  const innermost = syntax ?? frames.find(own) ?? frames[0];
  if (!innermost) return { where: null, from: null };
  const where = place(innermost, project);
  const fromFrame =
    where.kind === 'library' ? frames.find((f) => frameKind(f.file, project) === 'project') : undefined;
  return { where, from: fromFrame ? place(fromFrame, project) : null };
}

/**
 * Import names whose distribution on PyPI is named otherwise (or the same, for the common ones: then the
 * hint can say exactly what to install).
 */
const PACKAGES: Record<string, string> = {
  whitenoise: 'whitenoise',
  debug_toolbar: 'django-debug-toolbar',
  rest_framework: 'djangorestframework',
  corsheaders: 'django-cors-headers',
  environ: 'django-environ',
  decouple: 'python-decouple',
  dotenv: 'python-dotenv',
  django_extensions: 'django-extensions',
  django_filters: 'django-filter',
  crispy_forms: 'django-crispy-forms',
  allauth: 'django-allauth',
  storages: 'django-storages',
  taggit: 'django-taggit',
  mptt: 'django-mptt',
  import_export: 'django-import-export',
  widget_tweaks: 'django-widget-tweaks',
  celery: 'celery',
  redis: 'redis',
  psycopg2: 'psycopg2-binary',
  psycopg: 'psycopg',
  MySQLdb: 'mysqlclient',
  PIL: 'Pillow',
  yaml: 'PyYAML',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  jwt: 'PyJWT',
  sentry_sdk: 'sentry-sdk',
  gunicorn: 'gunicorn',
  requests: 'requests',
};

const same = (text: string): Phrasing => ({ cli: text, app: text });

function missingModuleHint(name: string, ctx: FailureContext): Phrasing {
  const top = name.split('.')[0]!;
  if (ctx.isProjectModule(top))
    return same(
      `'${name}' is not a module of the project: check that name where it is used (INSTALLED_APPS, MIDDLEWARE, ROOT_URLCONF, an import)`,
    );
  // Python names the first part of a dotted name that it could not find: here the parent imported fine.
  if (name.includes('.'))
    return same(
      `'${name.slice(0, name.lastIndexOf('.'))}' is installed but has no module '${name.slice(name.lastIndexOf('.') + 1)}': check the name where it is used, or the installed version of the package that provides '${top}'`,
    );
  const pip = `${ctx.python} -m pip install`;
  const known = PACKAGES[top];
  if (known === top) return same(`install it into the project's interpreter: ${pip} ${known}`);
  if (known)
    return same(`install the package that provides '${top}' into the project's interpreter: ${pip} ${known}`);
  return same(
    `install the package that provides '${top}' into the project's interpreter: ${pip} <package> (often named '${top.replace(/_/g, '-')}'; the import name and the package name may differ)`,
  );
}

function environmentHint(variable: string): Phrasing {
  const why = `the settings read the environment variable ${variable}, which is not set`;
  return {
    cli: `${why}: give it with --env ${variable}=VALUE (or in a file with --env-file FILE)`,
    app: `${why}: add a line ${variable}=… to Environment`,
  };
}

/** What to do about the root exception, where it is a known case. */
function hintFor(
  root: PythonException,
  ctx: FailureContext,
): { hint: Phrasing; field: LaunchField | null } | null {
  const type = root.type.slice(root.type.lastIndexOf('.') + 1);
  const missing = /^No module named '([^']+)'/.exec(root.message);
  if ((type === 'ModuleNotFoundError' || type === 'ImportError') && missing)
    return { hint: missingModuleHint(missing[1]!, ctx), field: null };
  const cannotImport = /^cannot import name '([^']+)' from '([^']+)'/.exec(root.message);
  if (type === 'ImportError' && cannotImport)
    return {
      hint: same(
        `'${cannotImport[2]}' has no '${cannotImport[1]}': the installed version may not be the one the project expects (${ctx.python} -m pip show ${cannotImport[2]!.split('.')[0]})`,
      ),
      field: null,
    };
  const environKey = /^'([A-Za-z_]\w*)'$/.exec(root.message);
  const readsEnviron = root.frames.some(
    (f) => f.func === '__getitem__' && (f.file === '<frozen os>' || /[\\/]os\.py$/.test(f.file)),
  );
  if (type === 'KeyError' && environKey && readsEnviron)
    return { hint: environmentHint(environKey[1]!), field: 'env' };
  // django-environ and python-decouple say which variable they missed.
  const named = /Set the (\w+) environment variable|^(\w+) not found\. Declare it as envvar/.exec(
    root.message,
  );
  if (named) return { hint: environmentHint((named[1] ?? named[2])!), field: 'env' };
  if (type === 'ImproperlyConfigured' && /SECRET_KEY setting must not be empty/.test(root.message))
    return {
      hint: {
        cli: 'set SECRET_KEY in the settings, or give the environment variable they read it from with --env',
        app: 'set SECRET_KEY in the settings, or add the environment variable they read it from to Environment',
      },
      field: 'env',
    };
  return null;
}

/**
 * What a Django management command printed instead of a traceback: `CommandError: …`, or a failed system check
 * (`SystemCheckError: System check identified some issues:` over its list), told by its first error.
 */
function commandError(lines: readonly string[]): RootCause | null {
  const COMMAND_ERROR = /^(SystemCheckError|CommandError): (.*)$/;
  const at = lines.findLastIndex((l) => COMMAND_ERROR.test(l));
  if (at < 0) return null;
  const [, type, message] = COMMAND_ERROR.exec(lines[at]!)!;
  // The check's own line: "?: (caches.E001) You must define a 'default' cache…" (its object, or ?, first).
  const check =
    type === 'SystemCheckError' ? lines.slice(at).find((l) => /\(\w+\.E\d+\)/.test(l)) : undefined;
  const root: PythonException = {
    type: type!,
    message: check?.replace(/^\?: /, '') ?? message!,
    frames: [],
    link: null,
  };
  const hint = check
    ? same('fix it in the settings or the code it names; `python manage.py check` lists every issue')
    : null;
  return { root, last: null, where: null, from: null, hint, field: null };
}

/** The root cause of a failed start, or null when the output holds no traceback nor a command's error. */
export function rootCause(lines: readonly string[], ctx: FailureContext): RootCause | null {
  const chain = fatalChain(lines);
  if (!chain) return commandError(lines);
  const root = chain.exceptions[0]!;
  const last = chain.exceptions.length > 1 ? chain.exceptions[chain.exceptions.length - 1]! : null;
  const found = hintFor(root, ctx);
  return { root, last, ...locate(root, ctx.project), hint: found?.hint ?? null, field: found?.field ?? null };
}

const shortType = (e: PythonException): string => e.type.slice(e.type.lastIndexOf('.') + 1);
export const exceptionLine = (e: PythonException): string =>
  e.message ? `${shortType(e)}: ${e.message}` : shortType(e);
const at = (p: SourcePlace): string => `${p.file}:${p.line}`;

/**
 * The lines a failed start is told in, root cause first: the root exception with where it was raised, the
 * hint, then what happened (`summary`) and the exception that ended the process.
 */
export function describeFailure(cause: RootCause, summary: string): Phrasing {
  const where = cause.where
    ? ` (${at(cause.where)}${cause.from ? `, reached from ${at(cause.from)}` : ''})`
    : '';
  const head = `${exceptionLine(cause.root)}${where}`;
  const tail = `${summary}${cause.last ? `; the last exception was ${exceptionLine(cause.last)}` : ''}`;
  const lines = (hint: string | undefined): string =>
    [head, ...(hint ? [`hint: ${hint}`] : []), tail].join('\n');
  return { cli: lines(cause.hint?.cli), app: lines(cause.hint?.app) };
}
