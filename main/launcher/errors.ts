export type LaunchErrorCode =
  | 'project-missing'
  | 'not-django'
  | 'interpreter-missing'
  | 'interpreter-broken'
  | 'django-missing'
  | 'gunicorn-missing'
  | 'port-in-use'
  | 'exited-during-startup'
  | 'not-ready'
  | 'demo-setup-failed'
  | 'bad-scenario';

/** Where a message is read: the CLI names its flags, the app the fields of its start form. */
export type Face = 'cli' | 'app';

/** The inputs of a start a failure can be about, so each face can name (and point at) its own. */
export type LaunchField = 'project' | 'python' | 'settings' | 'server' | 'port' | 'env';

/** A message said twice: with the CLI's flags and with the app's field labels. */
export interface Phrasing {
  cli: string;
  app: string;
}

/** A failure the user can act on: `message` says what is wrong and what to do; `detail` carries stderr. */
export class LaunchError extends Error {
  /** The input the failure is about, if it is about one. */
  readonly field: LaunchField | null;
  /** The session stored as failed, when the failure came after it was made: its output is all there. */
  sessionId: number | null = null;
  private readonly phrasing: Phrasing;

  constructor(
    readonly code: LaunchErrorCode,
    message: string | Phrasing,
    readonly detail: string[] = [],
    options: { field?: LaunchField } = {},
  ) {
    const phrasing = typeof message === 'string' ? { cli: message, app: message } : message;
    super(phrasing.cli);
    this.phrasing = phrasing;
    this.field = options.field ?? null;
  }

  /** The message in a face's own terms (`message` is the CLI's). */
  messageFor(face: Face): string {
    return this.phrasing[face];
  }
}
