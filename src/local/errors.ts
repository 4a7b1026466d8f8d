/**
 * An error the person running choreoctl or the tests can act on: one line saying what failed and what to do.
 * Front ends print `message` alone (no stack trace); `detail` may hold a log path or captured output.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}
