import type { ApiErrorCode, ApiErrorDto } from '../../preload/contract.ts';
import type { EngineError } from '../engine-errors.ts';
import type { LaunchError } from '../launcher/errors.ts';

export type { ApiErrorCode };

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

  /** The engine's refusals keep their code. */
  static fromEngine(error: EngineError): ApiError {
    return new ApiError(error.code, error.message);
  }

  /**
   * A launch failure in the app's terms: its fields by their labels, not the CLI's flags; `session` the one
   * stored as failed, whose output the app can open.
   */
  static fromLaunch(error: LaunchError): ApiError {
    return new ApiError('launch-failed', error.messageFor('app'), error.detail, error.field, error.sessionId);
  }

  /** What travels to the renderer (Electron IPC, the WebSocket). */
  toWire(): ApiErrorDto {
    return {
      code: this.code,
      message: this.message,
      detail: this.detail,
      ...(this.field ? { field: this.field } : {}),
      ...(this.session !== null ? { session: this.session } : {}),
    };
  }
}
