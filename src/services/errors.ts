/**
 * The error the operations throw when the input or the cluster says no. Front ends turn it into their own
 * shape (the CLI: `CliError` with the same reason and message; the REST server: a Status).
 */
export class OperationError extends Error {
  /** CamelCase, machine-readable: `NotFound`, `Invalid`, `NoObjects`, `ReadError`, `NoKindMatch`… */
  readonly reason: string;
  /** HTTP status of the API call that failed, when one did. */
  readonly status: number | undefined;
  /** The message is complete as is (kubectl's `Error from server (...)` lines): no `error: ` prefix. */
  readonly bare: boolean;

  constructor(
    message: string,
    options: { reason?: string; status?: number; cause?: unknown; bare?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OperationError';
    this.reason = options.reason ?? 'Error';
    this.status = options.status;
    this.bare = options.bare ?? false;
  }
}
