import { OperationError } from '../services/errors.js';
import { ExitCode } from './exit-codes.js';
import { escapeControl } from './output/escape.js';

/**
 * An error meant for the user. `reason` is a stable, CamelCase machine-readable word (like a
 * Kubernetes Status reason: `NotFound`, `ContextNotFound`, `UsageError`, `ServerUnavailable`);
 * `exitCode` is what the process exits with; `status` is the HTTP status when an API call failed.
 */
export class CliError extends Error {
  readonly reason: string;
  readonly exitCode: number;
  readonly status: number | undefined;
  /** Print the message as is, without the `error: ` prefix (kubectl's `Error from server (...)` lines). */
  readonly bare: boolean;

  constructor(
    message: string,
    options: { reason?: string; exitCode?: number; status?: number; cause?: unknown; bare?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.reason = options.reason ?? 'Error';
    this.exitCode = options.exitCode ?? ExitCode.ERROR;
    this.status = options.status;
    this.bare = options.bare ?? false;
  }
}

/** Wrong command line: exit 2 and a `Run '<command> --help' for usage.` hint. */
export class UsageError extends CliError {
  readonly commandPath: string | undefined;

  constructor(message: string, commandPath?: string) {
    super(message, { reason: 'UsageError', exitCode: ExitCode.USAGE });
    this.name = 'UsageError';
    this.commandPath = commandPath;
  }
}

export interface ErrorPayload {
  readonly error: {
    readonly message: string;
    readonly reason: string;
    readonly code: number;
    readonly status?: number;
  };
}

/**
 * Error rendering on stderr.
 *
 * - Default: `error: <message>` (kubectl style, lower-case prefix), then for usage errors the hint line `Run 'choreoctl get --help' for usage.`
 * - With `-o json`: a single line `{"error":{"message":..,"reason":..,"code":<exit code>[,"status":<http status>]}}` so that
 *   scripts parsing stdout/stderr as JSON never get prose. (oclif's `--json` does the same with `{error}`.)
 */
export function formatError(err: unknown, options: { json: boolean; color?: (s: string) => string }): string {
  const e = toCliError(err);
  if (options.json) {
    const payload: ErrorPayload = {
      error: {
        message: e.message,
        reason: e.reason,
        code: e.exitCode,
        ...(e.status === undefined ? {} : { status: e.status }),
      },
    };
    return `${JSON.stringify(payload)}\n`;
  }
  // Messages quote input (names, YAML, server errors): one line, control bytes escaped. Usage errors are
  // ours (suggestions on their own lines) about what the user typed on this command line.
  const message = escapeControl(e.message, { keepLayout: e instanceof UsageError });
  if (e.bare) return `${message}\n`;
  const prefix = options.color ? options.color('error:') : 'error:';
  let text = `${prefix} ${message}\n`;
  if (e instanceof UsageError) {
    text += `Run '${e.commandPath ?? 'choreoctl'} --help' for usage.\n`;
  }
  return text;
}

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof OperationError) {
    return new CliError(err.message, {
      reason: err.reason,
      bare: err.bare,
      cause: err,
      ...(err.status === undefined ? {} : { status: err.status }),
    });
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return new CliError(err.message, { reason: code ?? 'InternalError', cause: err });
  }
  return new CliError(String(err), { reason: 'InternalError' });
}

/** The same error with another message (e.g. credentials scrubbed from it). */
export function withMessage(err: CliError, message: string): CliError {
  return new CliError(message, {
    reason: err.reason,
    exitCode: err.exitCode,
    bare: err.bare,
    cause: err,
    ...(err.status === undefined ? {} : { status: err.status }),
  });
}
