// Typed errors for the Kubernetes client layer.
//
// Every failure that reaches a caller is one of these classes. Errors built from an apiserver
// `Status` response extend `KubeApiError` and keep the Status object; transport failures are
// `ConnectionError`; client-side or server-side timeouts are `TimeoutError`. Messages are written
// for the person reading them and never contain credentials.

/** `metav1.StatusCause`. */
export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

/** `metav1.StatusDetails`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** `metav1.Status` as returned by the apiserver on failures (and in watch ERROR events). */
export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  status?: 'Success' | 'Failure' | string;
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** Where a failing request went: used to write helpful messages. */
export interface RequestContext {
  method?: string;
  /** Path with query, e.g. `/api/v1/namespaces/default/pods?limit=2`. */
  path?: string;
  /** Server base URL, e.g. `https://127.0.0.1:6443`. */
  server?: string;
  /** Human description of the identity/context, e.g. `context "kind-dev"`. Never a secret. */
  identity?: string;
}

/** Base class of every error thrown by `src/kube`. */
export class KubeError extends Error {
  override name = 'KubeError';
}

/** An error the apiserver reported with a `Status` body (or an HTTP error we turned into one). */
export class KubeApiError extends KubeError {
  override name = 'KubeApiError';
  /** The Status object as sent by the server (or synthesized from the HTTP response). */
  readonly status: KubeStatus;
  /** Machine-readable reason, e.g. `NotFound`, `AlreadyExists`, `Forbidden`. */
  readonly reason: string;
  /** HTTP status code (0 when the error did not come from a response). */
  readonly code: number;
  readonly details: StatusDetails | undefined;
  readonly request: RequestContext;

  constructor(status: KubeStatus, request: RequestContext = {}, message?: string) {
    super(message ?? describeStatus(status, request));
    this.status = status;
    this.reason = status.reason ?? '';
    this.code = status.code ?? 0;
    this.details = status.details;
    this.request = request;
  }
}

export class NotFoundError extends KubeApiError {
  override name = 'NotFoundError';
}

/** 409: `AlreadyExists` (create) or `Conflict` (stale resourceVersion, server-side apply field conflicts). */
export class ConflictError extends KubeApiError {
  override name = 'ConflictError';
  get alreadyExists(): boolean {
    return this.reason === 'AlreadyExists';
  }
  /** For server-side apply conflicts: one cause per conflicting field (`field`, `message` names the manager). */
  get causes(): StatusCause[] {
    return this.details?.causes ?? [];
  }
}

export class ForbiddenError extends KubeApiError {
  override name = 'ForbiddenError';
  /** Verb that was denied, e.g. `list`. */
  readonly verb: string | undefined;
  /** Resource (with subresource, e.g. `pods/log`), or the non-resource path. */
  readonly resource: string | undefined;
  /** API group ('' for core) when the message names it. */
  readonly group: string | undefined;
  readonly user: string | undefined;
  readonly namespace: string | undefined;

  constructor(status: KubeStatus, request: RequestContext = {}) {
    const parsed = parseForbiddenMessage(status.message ?? '');
    const resource = parsed.resource ?? status.details?.kind;
    const group = parsed.group ?? status.details?.group;
    let message = status.message || `forbidden (403) on ${request.method ?? ''} ${request.path ?? ''}`.trim();
    if (!status.message && resource) message = `${resource} is forbidden`;
    if (isNamespaceTerminating(status)) {
      message +=
        '. The namespace is being deleted: nothing new can be created in it until it is gone. Wait for the' +
        ' deletion to finish, or use another namespace';
    } else if (parsed.user !== undefined || !status.message) {
      // An authorizer's denial ("User … cannot …"), or a 403 that does not say: the identity's rights.
      message +=
        '. The identity in use lacks RBAC permission for this request: ask a cluster admin for a Role/ClusterRole' +
        ' binding granting it, or switch to a context with more rights';
      if (request.identity) message += ` (current: ${request.identity})`;
    }
    // Any other 403 is an admission check's refusal (a quota, Pod Security, a webhook): its message says why.
    super(status, request, message);
    this.verb = parsed.verb;
    this.resource = resource;
    this.group = group;
    this.user = parsed.user;
    this.namespace = parsed.namespace;
  }
}

/** A create refused because its namespace is being deleted (the NamespaceLifecycle admission plugin). */
function isNamespaceTerminating(status: KubeStatus): boolean {
  return (status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

export class InvalidError extends KubeApiError {
  override name = 'InvalidError';
  get causes(): { field: string; message: string; reason: string }[] {
    return (this.details?.causes ?? []).map((c) => ({
      field: c.field ?? '',
      message: c.message ?? '',
      reason: c.reason ?? '',
    }));
  }
}

export class UnauthorizedError extends KubeApiError {
  override name = 'UnauthorizedError';
  constructor(status: KubeStatus, request: RequestContext = {}) {
    const where = request.server ? `the server ${request.server}` : 'the server';
    const who = request.identity ? ` for ${request.identity}` : '';
    super(
      status,
      request,
      `${where} rejected the credentials${who} (401 Unauthorized): the token or client certificate is ` +
        'missing, invalid or expired. Refresh your credentials (log in again) or pick another context.',
    );
  }
}

/** 410: the resourceVersion is too old (watch) or a continue token expired (list). Restart with a fresh list. */
export class GoneError extends KubeApiError {
  override name = 'GoneError';
}

/** The server (504 / `Timeout` / `ServerTimeout`) or the client-side deadline expired. */
export class TimeoutError extends KubeApiError {
  override name = 'TimeoutError';
  /** True when our own deadline expired rather than the server reporting a timeout. */
  readonly clientSide: boolean;
  constructor(status: KubeStatus, request: RequestContext = {}, clientSide = false, message?: string) {
    super(status, request, message);
    this.clientSide = clientSide;
  }
}

/** Could not reach the server at all (connection refused, DNS failure, TLS failure, reset...). */
export class ConnectionError extends KubeError {
  override name = 'ConnectionError';
  readonly server: string;
  /** Node's error code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  readonly errno: string | undefined;

  constructor(server: string, cause: unknown, identity?: string) {
    const errno = errorCode(cause);
    super(describeConnectionFailure(server, errno, cause, identity), { cause });
    this.server = server;
    this.errno = errno;
  }
}

/** A kubeconfig / in-cluster configuration problem. `file` names the offending file when there is one. */
export class KubeconfigError extends KubeError {
  override name = 'KubeconfigError';
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
  }
}

/**
 * A kubeconfig that must carry only inline data (one read from a Secret) names something that would run a
 * program or read a local file: `field` is the offending key, e.g. `users["dp"].user.exec`.
 */
export class CredentialsNotAllowedError extends KubeconfigError {
  override name = 'CredentialsNotAllowedError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A response body (or one watch event / log line) was larger than the client accepts for that request. */
export class ResponseTooLargeError extends KubeError {
  override name = 'ResponseTooLargeError';
  constructor(
    message: string,
    readonly server: string,
    /** The limit in bytes, and how many bytes had arrived (or the announced Content-Length) when it was cut. */
    readonly limit: number,
    readonly received: number,
  ) {
    super(message);
  }
}

/** The client was destroyed (the process is shutting down): requests in flight were aborted, new ones refused. */
export class ClientClosedError extends KubeError {
  override name = 'ClientClosedError';
}

export function isClientClosed(e: unknown): e is ClientClosedError {
  return e instanceof ClientClosedError;
}

/** Credentials could not be obtained (exec plugin failed, token file unreadable...). */
export class CredentialError extends KubeError {
  override name = 'CredentialError';
}

/** A kind / resource name that discovery does not know. */
export class UnknownResourceError extends KubeError {
  override name = 'UnknownResourceError';
}

// ---------------------------------------------------------------------------------------------
// Mapping

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function errorCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

function describeConnectionFailure(
  server: string,
  errno: string | undefined,
  cause: unknown,
  identity: string | undefined,
): string {
  const ctx = identity ? ` (${identity})` : '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (errno && (TLS_CODES.has(errno) || errno.startsWith('ERR_OSSL') || errno.startsWith('ERR_TLS'))) {
    return (
      `TLS handshake with the Kubernetes API server at ${server}${ctx} failed: ${detail}. ` +
      'Check that the kubeconfig has the right certificate-authority for this cluster (and tls-server-name if the ' +
      'server certificate is issued for another name).'
    );
  }
  let why = detail;
  if (errno === 'ECONNREFUSED') why = 'connection refused';
  else if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') why = 'host name could not be resolved';
  else if (errno === 'ECONNRESET') why = 'connection reset by the server';
  else if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') why = 'host unreachable';
  else if (errno === 'ETIMEDOUT') why = 'connection timed out';
  return (
    `cannot connect to the Kubernetes API server at ${server}${ctx}: ${why}. ` +
    'Check that the cluster is running and that the current context points at it ' +
    '(--context / --kubeconfig / KUBECONFIG).'
  );
}

function describeStatus(status: KubeStatus, request: RequestContext): string {
  if (status.message) return status.message;
  const what = [request.method, request.path].filter(Boolean).join(' ');
  return `${what || 'request'} failed: ${status.code ?? ''} ${status.reason ?? 'unknown error'}`.trim();
}

/**
 * Parse the apiserver's RBAC denial message, e.g.
 * `pods is forbidden: User "restricted" cannot list resource "pods" in API group "" in the namespace "default"`
 * or `forbidden: User "x" cannot get path "/version"`.
 */
export function parseForbiddenMessage(message: string): {
  verb?: string;
  resource?: string;
  group?: string;
  user?: string;
  namespace?: string;
} {
  const out: { verb?: string; resource?: string; group?: string; user?: string; namespace?: string } = {};
  const user = /User "([^"]*)" cannot (\S+) /.exec(message);
  if (user) {
    out.user = user[1];
    out.verb = user[2];
  }
  const res = /cannot \S+ (?:resource|path) "([^"]*)"/.exec(message);
  if (res) out.resource = res[1];
  const group = /in API group "([^"]*)"/.exec(message);
  if (group) out.group = group[1];
  const ns = /in the namespace "([^"]*)"/.exec(message);
  if (ns) out.namespace = ns[1];
  return out;
}

/** Whether a parsed JSON body looks like a `metav1.Status`. */
export function isStatus(body: unknown): body is KubeStatus {
  return !!body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status';
}

/**
 * Build the typed error for a failed response. `body` is the parsed JSON (a Status, normally) or the raw
 * text when it was not JSON.
 */
export function errorFromResponse(
  httpCode: number,
  body: unknown,
  request: RequestContext = {},
): KubeApiError {
  let status: KubeStatus;
  if (isStatus(body)) {
    status = { ...body, code: body.code || httpCode };
  } else {
    const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
    status = {
      kind: 'Status',
      status: 'Failure',
      code: httpCode,
      reason: reasonForCode(httpCode),
      message: text
        ? `${request.method ?? 'request'} ${request.path ?? ''} failed with HTTP ${httpCode}: ${text}`
        : undefined,
    };
  }
  return errorFromStatus(status, request);
}

/** Build the typed error for a Status object (also used for watch ERROR events). */
export function errorFromStatus(status: KubeStatus, request: RequestContext = {}): KubeApiError {
  const code = status.code ?? 0;
  const reason = status.reason ?? '';
  if (reason === 'NotFound' || code === 404) return new NotFoundError(status, request);
  if (reason === 'AlreadyExists' || reason === 'Conflict' || code === 409)
    return new ConflictError(status, request);
  if (reason === 'Forbidden' || code === 403) return new ForbiddenError(status, request);
  if (reason === 'Invalid' || code === 422) return new InvalidError(status, request);
  if (reason === 'Unauthorized' || code === 401) return new UnauthorizedError(status, request);
  if (reason === 'Gone' || reason === 'Expired' || code === 410) return new GoneError(status, request);
  if (reason === 'Timeout' || reason === 'ServerTimeout' || code === 504)
    return new TimeoutError(status, request);
  return new KubeApiError(status, request);
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'Unknown';
  }
}

export const isNotFound = (e: unknown): e is NotFoundError => e instanceof NotFoundError;
export const isConflict = (e: unknown): e is ConflictError => e instanceof ConflictError;
export const isAlreadyExists = (e: unknown): e is ConflictError =>
  e instanceof ConflictError && e.alreadyExists;
export const isForbidden = (e: unknown): e is ForbiddenError => e instanceof ForbiddenError;
export const isInvalid = (e: unknown): e is InvalidError => e instanceof InvalidError;
export const isUnauthorized = (e: unknown): e is UnauthorizedError => e instanceof UnauthorizedError;
export const isGone = (e: unknown): e is GoneError => e instanceof GoneError;
export const isTimeout = (e: unknown): e is TimeoutError => e instanceof TimeoutError;
export const isConnectionError = (e: unknown): e is ConnectionError => e instanceof ConnectionError;
export const isKubeApiError = (e: unknown): e is KubeApiError => e instanceof KubeApiError;
