import type { LaunchError } from '../launcher/errors.ts';

export type ApiErrorCode = 'bad-input' | 'not-found' | 'unknown-call' | 'launch-failed' | 'internal';

/**
 * An error a face can show as is: `code` for programs, `message` for people, `detail` (stderr tail) if any,
 * `field` the input of the start form it is about (the message names it by the form's label), `session` the
 * session a failed start left behind.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly detail: string[] = [],
    readonly field: string | null = null,
    readonly session: number | null = null,
  ) {
    super(message);
  }

  /**
   * A launch failure in the app's terms: its fields by their labels, not the CLI's flags; `session` the one
   * stored as failed, whose output the app can open.
   */
  static fromLaunch(error: LaunchError): ApiError {
    return new ApiError('launch-failed', error.messageFor('app'), error.detail, error.field, error.sessionId);
  }

  /** What travels to the renderer (Electron IPC, the WebSocket). */
  toWire(): { code: ApiErrorCode; message: string; detail: string[]; field?: string; session?: number } {
    return {
      code: this.code,
      message: this.message,
      detail: this.detail,
      ...(this.field ? { field: this.field } : {}),
      ...(this.session !== null ? { session: this.session } : {}),
    };
  }
}
