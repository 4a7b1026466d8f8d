/**
 * One error shape for every route: `{status, code, message, details[]}`, with the words the CLI prints
 * (the apiserver's own message for its errors, `file:line:col`-located field errors for bad manifests).
 * Nothing here quotes a token or a credential: messages from Kubernetes are passed through `scrubText`
 * by the routes that know which secrets an object carries.
 */
import {
  ConnectionError,
  ForbiddenError,
  isKubeApiError,
  KubeError,
  TimeoutError,
  UnauthorizedError,
} from '../kube/errors.js';
import { type ErrorBody, type ErrorDetail, OperationError } from '../services/errors.js';

export type { ErrorBody, ErrorDetail };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  readonly extra: { verb?: string; resource?: string; origin?: 'kubernetes' };

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[] = [],
    extra: { verb?: string; resource?: string; origin?: 'kubernetes' } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.extra = extra;
  }

  body(): ErrorBody {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      details: this.details,
      ...(this.extra.verb ? { verb: this.extra.verb } : {}),
      ...(this.extra.resource ? { resource: this.extra.resource } : {}),
      ...(this.extra.origin ? { origin: this.extra.origin } : {}),
    };
  }
}

const REASON_STATUS: Record<string, number> = {
  NotFound: 404,
  NoKindMatch: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Forbidden: 403,
  Unauthorized: 401,
  Timeout: 504,
  NoObjects: 400,
  ReadError: 400,
};

/** Any failure → ApiError. Unknown failures become a 500 with a generic message (the cause is logged). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ForbiddenError) {
    return new ApiError(403, 'Forbidden', e.status.message ?? e.message, [], {
      origin: 'kubernetes',
      ...(e.verb ? { verb: e.verb } : {}),
      ...(e.resource ? { resource: e.group ? `${e.resource}.${e.group}` : e.resource } : {}),
    });
  }
  if (e instanceof UnauthorizedError) {
    // The server's own identity was refused: not the caller's fault.
    return new ApiError(503, 'ServiceUnavailable', 'the server could not authenticate to Kubernetes');
  }
  if (e instanceof TimeoutError) {
    return new ApiError(504, 'Timeout', 'the request timed out waiting for the Kubernetes API server');
  }
  if (isKubeApiError(e)) {
    const causes = (e.details?.causes ?? []).map((c) => ({
      ...(c.field ? { field: c.field } : {}),
      message: c.message ?? c.reason ?? '',
    }));
    const status = e.code >= 400 && e.code < 600 ? e.code : 500;
    return new ApiError(status, e.reason || 'Unknown', e.status.message ?? e.message, causes, {
      origin: 'kubernetes',
    });
  }
  if (e instanceof ConnectionError) {
    return new ApiError(503, 'ServiceUnavailable', 'the Kubernetes API server is not reachable');
  }
  if (e instanceof OperationError) {
    const status = e.status ?? REASON_STATUS[e.reason] ?? 400;
    return new ApiError(status, e.reason, e.message);
  }
  if (e instanceof KubeError) return new ApiError(400, 'BadRequest', e.message);
  if (e instanceof Error && e.name === 'AbortError') {
    return new ApiError(504, 'Timeout', 'the request took longer than the server allows');
  }
  return new ApiError(500, 'InternalError', 'internal error: see the server log');
}

/** Upstream's error codes (reference api.md §1.1) for the `/api/v1` envelope. */
export function upstreamCode(e: ApiError, what: string): string {
  if (e.status === 404) return `${what}_NOT_FOUND`;
  if (e.status === 409) return `${what}_EXISTS`;
  if (e.status === 400 || e.status === 422) return 'INVALID_INPUT';
  if (e.status === 401) return 'UNAUTHORIZED';
  if (e.status === 403) return 'FORBIDDEN';
  return 'INTERNAL_ERROR';
}
