/**
 * Authentication delegated to Kubernetes: a bearer token is checked with a TokenReview made with the
 * server's own identity, and every call for the caller then goes out as the caller (impersonation of user,
 * uid, groups and extra), so Kubernetes RBAC decides what each caller sees and does.
 *
 * Results are cached briefly, keyed by a SHA-256 of the token (never the token itself), so a burst of
 * requests costs one TokenReview; impersonating clients are kept per identity, a bounded number of them.
 */
import { createHash } from 'node:crypto';
import { KubeClient } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { ApiError } from './errors.js';

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

export interface AuthOptions {
  /** How long a TokenReview answer (yes or no) is reused, ms. Default 10 s. */
  readonly ttlMs?: number;
  /** Impersonating clients kept open at once. Default 64. */
  readonly maxClients?: number;
  readonly now?: () => number;
  /** Our kinds, registered on each impersonating client (no discovery round trip). */
  readonly resources?: readonly ResourceInfo[];
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m?.[1];
}

export class Authenticator {
  readonly #kube: KubeClient;
  readonly #ttlMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #resources: readonly ResourceInfo[];
  readonly #reviews = new Map<string, { at: number; user: UserInfo | undefined }>();
  readonly #clients = new Map<string, KubeClient>();
  /** TokenReviews sent (for tests and metrics). */
  reviews = 0;

  constructor(kube: KubeClient, options: AuthOptions = {}) {
    this.#kube = kube;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#maxClients = options.maxClients ?? 64;
    this.#now = options.now ?? Date.now;
    this.#resources = options.resources ?? [];
  }

  /** The caller of a token; throws 401 when Kubernetes does not accept it. */
  async authenticate(token: string | undefined, signal?: AbortSignal): Promise<UserInfo> {
    if (!token) {
      throw new ApiError(401, 'Unauthorized', 'no bearer token: send "Authorization: Bearer <token>"');
    }
    const key = tokenHash(token);
    const now = this.#now();
    let hit = this.#reviews.get(key);
    if (!hit || now - hit.at > this.#ttlMs) {
      hit = { at: now, user: await this.#review(token, signal) };
      this.#evictReviews(now);
      this.#reviews.set(key, hit);
    }
    if (!hit.user) {
      throw new ApiError(401, 'Unauthorized', 'the bearer token was not accepted by Kubernetes');
    }
    return hit.user;
  }

  async #review(token: string, signal?: AbortSignal): Promise<UserInfo | undefined> {
    this.reviews++;
    const res = await this.#kube.request<TokenReview>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      verb: 'create',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      ...(signal ? { signal } : {}),
    });
    const u = res.status?.user;
    if (!res.status?.authenticated || !u?.username) return undefined;
    return {
      username: u.username,
      ...(u.uid ? { uid: u.uid } : {}),
      groups: u.groups ?? [],
      extra: u.extra ?? {},
    };
  }

  #evictReviews(now: number): void {
    for (const [k, v] of this.#reviews) if (now - v.at > this.#ttlMs) this.#reviews.delete(k);
  }

  /** A client that acts as `user` (least recently used ones are closed beyond the bound). */
  clientFor(user: UserInfo): KubeClient {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra]);
    const known = this.#clients.get(key);
    if (known) {
      this.#clients.delete(key);
      this.#clients.set(key, known);
      return known;
    }
    const base = this.#kube.connection;
    const client = new KubeClient(
      {
        ...base,
        impersonate: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: [...user.groups],
          extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])),
        },
      },
      { resources: this.#resources, userAgent: 'choreoctl-server' },
    );
    this.#clients.set(key, client);
    while (this.#clients.size > this.#maxClients) {
      const [oldest, c] = this.#clients.entries().next().value as [string, KubeClient];
      this.#clients.delete(oldest);
      c.close();
    }
    return client;
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
