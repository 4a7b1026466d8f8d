// A resolved connection to one Kubernetes API server: where it is, how to trust it, and how to
// authenticate. Built from a kubeconfig (kubeconfig.ts), from the in-cluster service account
// (incluster.ts) or from parts (`connectionFromParts`, for DataPlane credentials kept in Secrets).

import { readFileSync } from 'node:fs';
import { CredentialError } from './errors.js';

/** What a request authenticates with. Any combination may be empty (anonymous). */
export interface Credentials {
  token?: string;
  username?: string;
  password?: string;
  /** PEM client certificate / key (for exec plugins that return a certificate). */
  clientCert?: string;
  clientKey?: string;
}

/** A source of credentials that may change over time (token files, exec plugins). */
export interface CredentialSource {
  /** Current credentials; cached by the source as it sees fit. */
  get(): Promise<Credentials>;
  /**
   * Called after a 401. Returns true when fresh credentials may now be obtained (the request is retried once),
   * false when retrying is pointless.
   */
  invalidate(): boolean;
}

export interface KubeConnection {
  /** Base URL without trailing slash, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** PEM CA bundle to trust (in addition to nothing else: when set, system roots are not used). */
  ca?: string | Buffer;
  insecureSkipTlsVerify?: boolean;
  /** SNI / certificate name to verify instead of the URL host. */
  tlsServerName?: string;
  /** PEM client certificate and key from the kubeconfig (static). */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** Dynamic credentials (token, basic auth, exec plugin). */
  credentials?: CredentialSource;
  /** Impersonation (`as`, `as-groups` in kubeconfig). */
  impersonate?: { user?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  /** Default namespace for namespaced requests without one. */
  namespace: string;
  /** Context name when loaded from a kubeconfig. */
  context?: string;
  /** User entry name when loaded from a kubeconfig (for messages; never a secret). */
  user?: string;
  /** Human-readable origin, e.g. `kubeconfig /root/.kube/config, context "dev"` or `in-cluster`. */
  source: string;
  /** Non-fatal remarks made while resolving (e.g. proxy-url ignored). */
  notes: string[];
}

/** Credentials that never change. */
export class StaticCredentials implements CredentialSource {
  readonly #creds: Credentials;
  constructor(creds: Credentials) {
    this.#creds = { ...creds };
  }
  async get(): Promise<Credentials> {
    return this.#creds;
  }
  invalidate(): boolean {
    return false;
  }
}

/**
 * A bearer token read from a file and re-read periodically (default every minute) and after a 401, as
 * client-go does for `tokenFile` and projected service-account tokens which the kubelet rotates.
 */
export class TokenFileCredentials implements CredentialSource {
  readonly path: string;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #token: string | undefined;
  #readAt = 0;

  constructor(path: string, options: { refreshMs?: number; now?: () => number } = {}) {
    this.path = path;
    this.#refreshMs = options.refreshMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async get(): Promise<Credentials> {
    const now = this.#now();
    if (this.#token === undefined || now - this.#readAt >= this.#refreshMs) {
      try {
        this.#token = readFileSync(this.path, 'utf8').trim();
      } catch (e) {
        if (this.#token === undefined) {
          throw new CredentialError(
            `cannot read the bearer token file ${this.path}: ${(e as Error).message}. ` +
              'Check the tokenFile setting in your kubeconfig (or the mounted service account token).',
            { cause: e },
          );
        }
        // Keep using the previous token: the file may be mid-rotation.
      }
      this.#readAt = now;
    }
    return { token: this.#token };
  }

  invalidate(): boolean {
    this.#readAt = 0;
    return true;
  }
}

export interface ConnectionParts {
  server: string;
  /** PEM CA (string or bytes). Base64 of a PEM is also accepted (as found in kubeconfig `*-data`). */
  ca?: string | Buffer;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  username?: string;
  password?: string;
  namespace?: string;
  /** For messages, e.g. `DataPlane "prod"`. */
  source?: string;
}

/** Accept PEM as text/bytes, or base64 of a PEM, and return PEM text. */
export function normalizePem(value: string | Buffer): string {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.includes('-----BEGIN')) return text;
  const decoded = Buffer.from(text.trim(), 'base64').toString('utf8');
  if (decoded.includes('-----BEGIN')) return decoded;
  return text;
}

/** Build a connection from its parts: server + CA + token or client certificate. */
export function connectionFromParts(parts: ConnectionParts): KubeConnection {
  let server: URL;
  try {
    server = new URL(parts.server);
  } catch {
    throw new CredentialError(
      `invalid API server URL ${JSON.stringify(parts.server)}${parts.source ? ` for ${parts.source}` : ''}: ` +
        'expected something like https://host:6443',
    );
  }
  if ((parts.clientCert && !parts.clientKey) || (!parts.clientCert && parts.clientKey)) {
    throw new CredentialError(
      `${parts.source ?? 'connection'}: a client certificate needs both the certificate and its key; only one was given`,
    );
  }
  const creds: Credentials = {};
  if (parts.token) creds.token = parts.token.trim();
  if (parts.username !== undefined) creds.username = parts.username;
  if (parts.password !== undefined) creds.password = parts.password;
  const conn: KubeConnection = {
    server: trimServer(server.toString()),
    namespace: parts.namespace || 'default',
    source: parts.source ?? `server ${trimServer(server.toString())}`,
    notes: [],
    credentials: new StaticCredentials(creds),
  };
  if (parts.ca) conn.ca = normalizePem(parts.ca);
  if (parts.insecureSkipTlsVerify) conn.insecureSkipTlsVerify = true;
  if (parts.tlsServerName) conn.tlsServerName = parts.tlsServerName;
  if (parts.clientCert && parts.clientKey) {
    conn.clientCert = normalizePem(parts.clientCert);
    conn.clientKey = normalizePem(parts.clientKey);
  }
  return conn;
}

export function trimServer(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A description of who we are for error messages: context and user names, never secrets. */
export function describeIdentity(conn: KubeConnection): string | undefined {
  if (conn.context) return `context "${conn.context}"${conn.user ? `, user "${conn.user}"` : ''}`;
  // The default description of a connection built from parts only repeats the server URL.
  if (conn.source === `server ${conn.server}`) return undefined;
  return conn.source;
}
