/** A call the engine refuses (a session that is not there, or not in a state that allows it): api/ answers it
 * with the same code. */
export class EngineError extends Error {
  constructor(
    readonly code: 'not-found' | 'bad-input',
    message: string,
  ) {
    super(message);
  }
}
