export type ApiErrorCode = 'bad-input' | 'not-found' | 'unknown-call' | 'launch-failed' | 'internal';

/** An error a face can show as is: `code` for programs, `message` for people, `detail` (stderr tail) if any. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly detail: string[] = [],
  ) {
    super(message);
  }
}
