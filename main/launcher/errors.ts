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

/** A failure the user can act on: `message` says what is wrong and what to do; `detail` carries stderr. */
export class LaunchError extends Error {
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
    readonly detail: string[] = [],
  ) {
    super(message);
  }
}
