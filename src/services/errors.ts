import { isForbidden, isInvalid, isKubeApiError, isUnauthorized } from '../kube/errors.js';

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

/** One field or object problem of an error (the REST API's `details`). */
export interface ErrorDetail {
  /** Field path (`spec.type`, `metadata.name`) when the error is about a field. */
  readonly field?: string;
  /** Where in the request body (multi-document apply): `request:12:3`, `objects[2]`, and the object. */
  readonly location?: string;
  readonly object?: string;
  readonly message: string;
}

/** The one error shape of the REST API (src/server/errors.ts writes it, src/services/rest-client.ts reads it). */
export interface ErrorBody {
  readonly status: number;
  /** CamelCase reason, as Kubernetes names it: NotFound, Forbidden, Invalid, Unauthorized… */
  readonly code: string;
  readonly message: string;
  readonly details: ErrorDetail[];
  /** For Forbidden: what was refused. */
  readonly verb?: string;
  readonly resource?: string;
  /**
   * `kubernetes`: the Kubernetes API server gave this answer (code and message are its Status reason and
   * message), so a client can report it as kubectl does (`Error from server (NotFound): …`).
   */
  readonly origin?: 'kubernetes';
}

/**
 * An answer of the apiserver that asking again cannot change: the caller may not (403, 401) or the request is
 * wrong (400, 422). A wait that retries dropped streams must stop on these, not ask again and again.
 */
export function isFinalRefusal(e: unknown): boolean {
  return isForbidden(e) || isUnauthorized(e) || isInvalid(e) || (isKubeApiError(e) && e.code === 400);
}
