/**
 * Multi-cluster clients for DataPlanes and BuildPlanes.
 *
 * A plane names its cluster in `spec.kubernetesCluster`: a kubeconfig in a Secret (`kubeconfigSecretRef`), or a
 * server with a CA and a bearer token or client certificate, each given inline (`value`, as upstream) or read
 * from a Secret (`secretRef` + optional `secretKey`, which upstream declared but never read). No
 * `kubernetesCluster` means the control-plane cluster itself.
 *
 * Clients are cached per plane and keyed by a fingerprint of the resolved credentials: when a Secret is rotated
 * the next lookup builds a new client (upstream cached forever and needed a restart). Secrets are read from the
 * manager's shared Secret cache, so a controller that watches Secrets sees a rotation at once.
 */
import { createHash } from 'node:crypto';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { KubeClient as Client } from '../kube/client.js';
import { type ConnectionParts, connectionFromParts, type KubeConnection } from '../kube/connection.js';
import {
  ClientClosedError,
  CredentialsNotAllowedError,
  isClientClosed,
  isConnectionError,
  isForbidden,
  isNotFound,
  isUnauthorized,
  KubeError,
} from '../kube/errors.js';
import type { MaxBodyBytes } from '../kube/http.js';
import { connectionFromKubeconfigYaml } from '../kube/kubeconfig.js';

export interface ValueFrom {
  secretRef?: string;
  secretKey?: string;
  value?: string;
}

export interface ClusterSpec {
  kubeconfigSecretRef?: { name: string; key?: string };
  server?: string;
  tls?: { ca: ValueFrom };
  auth?: { mtls?: { clientCert: ValueFrom; clientKey: ValueFrom }; bearerToken?: ValueFrom };
}

export interface PlaneObject extends KubeObject {
  spec?: { kubernetesCluster?: ClusterSpec | undefined } & Record<string, unknown>;
}

export type SecretLookup = (namespace: string, name: string) => KubeObject | undefined;

/** Why a plane's credentials could not be resolved (message names the Secret and key). */
export class PlaneCredentialsError extends KubeError {
  override name = 'PlaneCredentialsError';
  constructor(
    readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidCredentials' | 'CredentialsNotAllowed',
    message: string,
  ) {
    super(message);
  }
}

export type ResolvedCluster =
  | { type: 'local' }
  | { type: 'kubeconfig'; yaml: string; source: string; secret: string }
  | { type: 'parts'; parts: ConnectionParts };

const DEFAULT_KEYS = { ca: 'ca.crt', clientCert: 'tls.crt', clientKey: 'tls.key', token: 'token' } as const;

/** Names of the Secrets a cluster spec reads (to map Secret events to planes). */
export function secretNames(spec: ClusterSpec | undefined): string[] {
  if (!spec) return [];
  const out = new Set<string>();
  if (spec.kubeconfigSecretRef) out.add(spec.kubeconfigSecretRef.name);
  for (const v of [
    spec.tls?.ca,
    spec.auth?.mtls?.clientCert,
    spec.auth?.mtls?.clientKey,
    spec.auth?.bearerToken,
  ]) {
    if (v?.secretRef) out.add(v.secretRef);
  }
  return [...out];
}

function secretValue(
  getSecret: SecretLookup,
  namespace: string,
  name: string,
  key: string,
  what: string,
  source: string,
): string {
  const secret = getSecret(namespace, name);
  if (!secret) {
    throw new PlaneCredentialsError(
      'SecretNotFound',
      `Secret "${name}" (${what} of ${source}) not found in namespace "${namespace}"`,
    );
  }
  const data = (secret.data ?? {}) as Record<string, string>;
  const stringData = (secret.stringData ?? {}) as Record<string, string>;
  const raw = data[key];
  if (raw !== undefined) return Buffer.from(raw, 'base64').toString('utf8');
  if (stringData[key] !== undefined) return stringData[key] as string;
  const keys = Object.keys(data).sort();
  throw new PlaneCredentialsError(
    'SecretKeyNotFound',
    `Secret "${name}" (${what} of ${source}) has no key "${key}"${keys.length ? ` (it has ${keys.join(', ')})` : ''}`,
  );
}

function resolveValue(
  v: ValueFrom,
  defaultKey: string,
  what: string,
  namespace: string,
  getSecret: SecretLookup,
  source: string,
): string {
  if (v.value !== undefined) return v.value;
  if (v.secretRef)
    return secretValue(getSecret, namespace, v.secretRef, v.secretKey ?? defaultKey, what, source);
  throw new PlaneCredentialsError(
    'InvalidCredentials',
    `${what} of ${source} has neither value nor secretRef`,
  );
}

/** Resolve a cluster spec into what a connection is built from (pure apart from the Secret lookups). */
export function resolveCluster(
  spec: ClusterSpec | undefined,
  namespace: string,
  getSecret: SecretLookup,
  source: string,
): ResolvedCluster {
  if (!spec || (!spec.kubeconfigSecretRef && !spec.server)) return { type: 'local' };
  if (spec.kubeconfigSecretRef) {
    const { name, key = 'kubeconfig' } = spec.kubeconfigSecretRef;
    return {
      type: 'kubeconfig',
      yaml: secretValue(getSecret, namespace, name, key, 'kubeconfig', source),
      source,
      secret: `Secret "${name}" key "${key}"`,
    };
  }
  const parts: ConnectionParts = { server: spec.server ?? '', source };
  if (spec.tls?.ca) parts.ca = resolveValue(spec.tls.ca, DEFAULT_KEYS.ca, 'CA', namespace, getSecret, source);
  const auth = spec.auth ?? {};
  if (auth.mtls) {
    parts.clientCert = resolveValue(
      auth.mtls.clientCert,
      DEFAULT_KEYS.clientCert,
      'client certificate',
      namespace,
      getSecret,
      source,
    );
    parts.clientKey = resolveValue(
      auth.mtls.clientKey,
      DEFAULT_KEYS.clientKey,
      'client key',
      namespace,
      getSecret,
      source,
    );
  } else if (auth.bearerToken) {
    parts.token = resolveValue(
      auth.bearerToken,
      DEFAULT_KEYS.token,
      'bearer token',
      namespace,
      getSecret,
      source,
    );
  } else {
    throw new PlaneCredentialsError(
      'InvalidCredentials',
      `${source}: no supported authentication method configured (set auth.mtls or auth.bearerToken)`,
    );
  }
  return { type: 'parts', parts };
}

/** A stable digest of resolved credentials (never logged; only compared). */
export function fingerprint(r: ResolvedCluster): string {
  return createHash('sha256').update(JSON.stringify(r)).digest('hex');
}

export function planeKey(plane: KubeObject): string {
  return `${plane.kind}/${plane.metadata?.namespace ?? ''}/${plane.metadata?.name ?? ''}`;
}

function describePlane(plane: KubeObject): string {
  return `${plane.kind} "${plane.metadata?.name}"`;
}

interface Entry {
  fingerprint: string;
  client: KubeClient;
  server: string;
}

/** What a controller keeps per plane (informers, mostly): made for one client, stopped with it. */
export interface PlaneEntry {
  readonly client: KubeClient;
  stop(): Promise<void>;
}

/**
 * Entries kept per plane (`planeKey`) for the plane's current client: when the client is rebuilt (credentials
 * rotated), the old entry is stopped at once, so no watch outlives the credentials it was opened with.
 */
export class PerPlane<E extends PlaneEntry> {
  readonly #entries = new Map<string, E>();

  /** The entry of a plane, whatever its client. */
  get(planeId: string): E | undefined {
    return this.#entries.get(planeId);
  }

  /** The plane's entry for `client`: the one kept, or one from `create` (the entry of an older client stopped). */
  async forClient(planeId: string, client: KubeClient, create: () => E): Promise<E> {
    let entry = this.#entries.get(planeId);
    if (entry && entry.client !== client) {
      await this.stop(planeId);
      entry = undefined;
    }
    if (!entry) {
      entry = create();
      this.#entries.set(planeId, entry);
    }
    return entry;
  }

  /** Stop and forget the entry of one plane, or of all. */
  async stop(planeId?: string): Promise<void> {
    const ids = planeId === undefined ? [...this.#entries.keys()] : [planeId];
    await Promise.all(
      ids.map(async (id) => {
        const entry = this.#entries.get(id);
        this.#entries.delete(id);
        await entry?.stop();
      }),
    );
  }
}

export interface PlaneClientsOptions {
  /** The control-plane client: used for planes without a kubernetesCluster. */
  local: KubeClient;
  getSecret: SecretLookup;
  /** Request timeout for plane clients (default 15 s: an unreachable plane must not stall a reconcile). */
  timeoutMs?: number;
  /**
   * Response size limits for plane clients (default: lists 16 MiB, anything else 8 MiB). Tighter than the
   * client's defaults: a manager may talk to many planes, none of them trusted, and its lists are paged anyway.
   */
  maxBodyBytes?: Partial<MaxBodyBytes>;
}

const PLANE_MAX_BODY_BYTES: MaxBodyBytes = { list: 16 * 1024 * 1024, other: 8 * 1024 * 1024 };

export class PlaneClients {
  private readonly cache = new Map<string, Entry>();
  private readonly dropListeners = new Set<(key: string) => void>();
  private closed: ClientClosedError | undefined;

  constructor(private readonly opts: PlaneClientsOptions) {}

  /**
   * The client of a plane, rebuilt when its resolved credentials changed. With `allowStale`, a plane whose
   * credentials can no longer be resolved (its Secret is gone, e.g. while its namespace is being deleted) keeps
   * the last client that worked, so cleanup can still reach the cluster.
   */
  client(plane: PlaneObject, options: { allowStale?: boolean } = {}): KubeClient {
    if (this.closed) throw this.closed;
    const key = planeKey(plane);
    let resolved: ResolvedCluster;
    try {
      resolved = resolveCluster(
        plane.spec?.kubernetesCluster,
        plane.metadata?.namespace ?? '',
        this.opts.getSecret,
        describePlane(plane),
      );
    } catch (e) {
      const cached = this.cache.get(key);
      if (options.allowStale && cached) return cached.client;
      throw e;
    }
    if (resolved.type === 'local') {
      this.drop(key);
      return this.opts.local;
    }
    const fp = fingerprint(resolved);
    const cached = this.cache.get(key);
    if (cached && cached.fingerprint === fp) return cached.client;
    let conn: KubeConnection;
    try {
      // A kubeconfig from a Secret is tenant input: inline data only, never a program to run or a file to read.
      conn =
        resolved.type === 'kubeconfig'
          ? connectionFromKubeconfigYaml(resolved.yaml, { name: resolved.secret, inlineOnly: true })
          : connectionFromParts(resolved.parts);
    } catch (e) {
      throw new PlaneCredentialsError(
        e instanceof CredentialsNotAllowedError ? 'CredentialsNotAllowed' : 'InvalidCredentials',
        `${describePlane(plane)}: ${(e as Error).message}`,
      );
    }
    const client = new Client(conn, {
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      maxRetries429: 1,
      maxBodyBytes: { ...PLANE_MAX_BODY_BYTES, ...this.opts.maxBodyBytes },
    });
    this.drop(key);
    this.cache.set(key, { fingerprint: fp, client, server: conn.server });
    return client;
  }

  /** Whether a plane is the control-plane cluster itself. */
  isLocal(plane: PlaneObject): boolean {
    const s = plane.spec?.kubernetesCluster;
    return !s || (!s.kubeconfigSecretRef && !s.server);
  }

  /** Forget a plane's client (plane deleted, or its credentials changed: the next one replaces it). */
  drop(key: string): void {
    const e = this.cache.get(key);
    if (e) {
      e.client.close();
      this.cache.delete(key);
      for (const fn of this.dropListeners) fn(key);
    }
  }

  /**
   * Be told (with the plane's key) when a plane's client is dropped, so that what was started on it — watches
   * with the old credentials — stops now rather than at the next use of the plane. Returns the unsubscribe.
   */
  onDrop(fn: (key: string) => void): () => void {
    this.dropListeners.add(fn);
    return () => this.dropListeners.delete(fn);
  }

  get size(): number {
    return this.cache.size;
  }

  close(): void {
    for (const key of [...this.cache.keys()]) this.drop(key);
  }

  /**
   * For shutdown: abort every request and watch in flight on every plane (ClientClosedError, so informers on
   * them stop for good) and refuse new clients. Whatever a data plane does, nothing waits for it any longer.
   */
  shutdown(reason = 'the controller manager is shutting down'): void {
    this.closed ??= new ClientClosedError(reason);
    for (const e of this.cache.values()) e.client.destroy(reason);
    this.cache.clear();
  }
}

// ---- What a plane must offer -------------------------------------------------------------------------------

export interface RequiredResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
}

const req = (group: string, version: string, kind: string, resource: string): RequiredResource => ({
  group,
  version,
  resource,
  kind,
});

export const DATA_PLANE_REQUIREMENTS: readonly RequiredResource[] = [
  req('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes'),
  req('gateway.networking.k8s.io', 'v1', 'Gateway', 'gateways'),
  req('gateway.envoyproxy.io', 'v1alpha1', 'SecurityPolicy', 'securitypolicies'),
  req('gateway.envoyproxy.io', 'v1alpha1', 'BackendTrafficPolicy', 'backendtrafficpolicies'),
  req('gateway.envoyproxy.io', 'v1alpha1', 'HTTPRouteFilter', 'httproutefilters'),
  req('cilium.io', 'v2', 'CiliumNetworkPolicy', 'ciliumnetworkpolicies'),
];

export const BUILD_PLANE_REQUIREMENTS: readonly RequiredResource[] = [
  req('argoproj.io', 'v1alpha1', 'Workflow', 'workflows'),
  req('argoproj.io', 'v1alpha1', 'ClusterWorkflowTemplate', 'clusterworkflowtemplates'),
];

export interface ClusterCheck {
  ok: boolean;
  reason: string;
  message: string;
}

/** `HTTPRoute and Gateway (gateway.networking.k8s.io/v1); CiliumNetworkPolicy (cilium.io/v2)`. */
export function describeMissing(missing: readonly RequiredResource[]): string {
  const byGv = new Map<string, string[]>();
  for (const m of missing) {
    const gv = `${m.group}/${m.version}`;
    byGv.set(gv, [...(byGv.get(gv) ?? []), m.kind]);
  }
  return [...byGv]
    .map(([gv, kinds]) => {
      const k =
        kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}` : kinds[0];
      return `${k} (${gv})`;
    })
    .join('; ');
}

/**
 * Does the cluster answer, accept our credentials with the rights we need (listing namespaces, which cells
 * need anyway), and serve every required resource? The message says exactly what is wrong.
 */
export async function checkCluster(
  client: KubeClient,
  required: readonly RequiredResource[],
  what: string,
): Promise<ClusterCheck> {
  try {
    await client.request('GET', '/api/v1/namespaces', { verb: 'list', query: { limit: 1 } });
  } catch (e) {
    // Shutting down: not a finding about the plane, so no condition is written from it.
    if (isClientClosed(e)) throw e;
    const msg = (e as Error).message;
    if (isUnauthorized(e))
      return { ok: false, reason: 'Unauthorized', message: `${what}: Unauthorized: ${msg}` };
    if (isForbidden(e)) return { ok: false, reason: 'Forbidden', message: `${what}: Forbidden: ${msg}` };
    if (isConnectionError(e)) return { ok: false, reason: 'ClusterUnreachable', message: `${what}: ${msg}` };
    return { ok: false, reason: 'ClusterError', message: `${what}: ${msg}` };
  }
  const missing: RequiredResource[] = [];
  const groups = new Map<string, RequiredResource[]>();
  for (const r of required) {
    const gv = `${r.group}/${r.version}`;
    groups.set(gv, [...(groups.get(gv) ?? []), r]);
  }
  for (const [gv, wanted] of groups) {
    let served: Set<string>;
    try {
      const list = await client.request<{ resources?: { name: string }[] }>('GET', `/apis/${gv}`, {
        verb: 'discovery',
      });
      served = new Set((list.resources ?? []).map((r) => r.name));
    } catch (e) {
      if (isClientClosed(e)) throw e;
      if (!isNotFound(e))
        return { ok: false, reason: 'ClusterError', message: `${what}: ${(e as Error).message}` };
      served = new Set();
    }
    for (const w of wanted) if (!served.has(w.resource)) missing.push(w);
  }
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'MissingCRDs',
      message: `${what} lacks the custom resources ${describeMissing(missing)}: install their CRDs in that cluster (\`choreoctl install --with-dependencies\` installs the pinned versions)`,
    };
  }
  return {
    ok: true,
    reason: 'ClusterReady',
    message: `${what} is reachable and serves every required resource`,
  };
}
