// KubeClient: typed CRUD, server-side apply, watch and logs over one keep-alive connection.

import type { KubeConnection } from './connection.js';
import {
  Discovery,
  type DiscoveryCacheOptions,
  type GVR,
  isGVK,
  type ResourceInfo,
  type ResourceRef,
} from './discovery.js';
import { isNotFound, KubeError, type KubeStatus, ResponseTooLargeError } from './errors.js';
import {
  type HttpResponse,
  HttpTransport,
  type Query,
  type RequestOptions,
  type TransportOptions,
} from './http.js';
import { type LoadConnectionOptions, loadConnection } from './kubeconfig.js';
import { guardStream, parseWatchStream, splitLines, type WatchEvent } from './watch.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** One entry of `metadata.managedFields` (meta/v1 ManagedFieldsEntry): which writer owns which fields. */
export interface ManagedFieldsEntry {
  manager?: string;
  /** `Apply` (server-side apply) or `Update`. */
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
  subresource?: string;
}

/** The field set of a managedFields entry: `f:<field>`, `k:<key>`, `v:<value>`, `i:<index>` and `.` keys. */
export interface FieldsV1 {
  [key: string]: FieldsV1;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

interface Common {
  signal?: AbortSignal;
}
interface Namespaced extends Common {
  /** Namespace for namespaced resources; defaults to the object's, then the connection's. Ignored for cluster-scoped. */
  namespace?: string;
}
interface Writes extends Namespaced {
  dryRun?: 'All';
  fieldManager?: string;
  /** `Strict` (default on the server since 1.27 for kubectl), `Warn` or `Ignore`. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export type GetOptions = Namespaced;

export interface ListOptions extends Common {
  /** Namespace; undefined lists across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Items as PartialObjectMetadata (metadata only: labels, owners, versions), which the apiserver sends. */
  metadataOnly?: boolean;
}

/** Accept headers asking the apiserver for PartialObjectMetadata(List) instead of whole objects. */
export const METADATA_ONLY_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const METADATA_ONLY_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export type CreateOptions = Writes;
export type ReplaceOptions = Writes;

export interface ApplyOptions extends Writes {
  fieldManager: string;
  /** Take ownership of fields managed by others instead of failing with a conflict. */
  force?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface PatchOptions extends Writes {
  /** Default `merge` (application/merge-patch+json). */
  type?: PatchType;
  subresource?: string;
}

export interface DeleteOptions extends Namespaced {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  dryRun?: 'All';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteCollectionOptions extends Omit<DeleteOptions, 'namespace' | 'preconditions'> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends Common {
  /** Namespace; undefined watches across all namespaces. */
  namespace?: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Streaming list: initial ADDED events then a bookmark annotated `k8s.io/initial-events-end`. */
  sendInitialEvents?: boolean;
  /** Only watch one object. */
  name?: string;
  /** Events carry PartialObjectMetadata (metadata only). */
  metadataOnly?: boolean;
}

export interface LogOptions extends Common {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339; not together with sinceSeconds (the API refuses both). */
  sinceTime?: string;
  timestamps?: boolean;
  previous?: boolean;
  limitBytes?: number;
}

export interface ClientOptions extends TransportOptions {
  /** Resources to know without discovery (e.g. our CRDs). */
  resources?: readonly ResourceInfo[];
  /** Keep discovery on disk between processes (the CLI; kubectl's ~/.kube/cache/discovery). */
  discoveryCache?: DiscoveryCacheOptions;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  gitTreeState?: string;
  buildDate?: string;
  goVersion?: string;
  compiler?: string;
  platform?: string;
  [key: string]: unknown;
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

const enc = encodeURIComponent;

export class KubeClient {
  readonly connection: KubeConnection;
  readonly discovery: Discovery;
  readonly #http: HttpTransport;

  constructor(connection: KubeConnection, options: ClientOptions = {}) {
    this.connection = connection;
    this.#http = new HttpTransport(connection, options);
    this.discovery = new Discovery(this.#http, options.discoveryCache);
    if (options.resources) this.discovery.register(options.resources);
  }

  /** Client for the connection kubectl would use (explicit file > KUBECONFIG > ~/.kube/config > in-cluster). */
  static fromKubeconfig(options: LoadConnectionOptions & ClientOptions = {}): KubeClient {
    return new KubeClient(loadConnection(options), options);
  }

  /** Default namespace of the connection (context namespace or `default`). */
  get namespace(): string {
    return this.connection.namespace;
  }

  /** Request counts (total and by verb) since creation or `resetStats()`. */
  get stats(): { total: number; byVerb: Record<string, number> } {
    return this.#http.stats;
  }

  resetStats(): void {
    this.#http.resetStats();
  }

  registerResources(infos: readonly ResourceInfo[]): void {
    this.discovery.register(infos);
  }

  invalidateDiscovery(): void {
    this.discovery.invalidate();
  }

  /** Close idle keep-alive sockets so the process can exit. */
  close(): void {
    this.#http.close();
  }

  /**
   * Abort every request in flight (watches included) and refuse new ones with ClientClosedError: for shutdown,
   * when nothing this client waits for may hold the process any longer.
   */
  destroy(reason?: string): void {
    this.#http.destroy(reason);
  }

  get destroyed(): boolean {
    return this.#http.destroyed;
  }

  // --- low level -------------------------------------------------------------------------------

  /** Send a request; JSON in/out. Throws typed errors for >= 400. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.#http.request<T>(method, path, opts)).body;
  }

  /** Like `request` but returns status code and headers too. */
  async rawRequest<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<HttpResponse<T>> {
    return this.#http.request<T>(method, path, opts);
  }

  // --- addressing ------------------------------------------------------------------------------

  /** Resolve a ref to its resource (discovery, cached; registered resources first). */
  async resolve(ref: ResourceRef | ResourceInfo, signal?: AbortSignal): Promise<ResourceInfo> {
    if ('namespaced' in ref && typeof ref.namespaced === 'boolean' && 'kind' in ref && 'resource' in ref) {
      return ref as ResourceInfo;
    }
    return this.discovery.resolve(ref, signal);
  }

  async #target(
    ref: ResourceRef,
    signal?: AbortSignal,
  ): Promise<{ gvr: GVR; namespaced: boolean; kind?: string }> {
    if (!isGVK(ref) && typeof ref.namespaced === 'boolean') return { gvr: ref, namespaced: ref.namespaced };
    const info = await this.resolve(ref, signal);
    return { gvr: info, namespaced: info.namespaced, kind: info.kind };
  }

  /** Path of a collection or object. `namespace` undefined on a namespaced resource = all namespaces. */
  static path(
    gvr: GVR,
    namespaced: boolean,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
  ): string {
    let p = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
    if (namespaced && namespace) p += `/namespaces/${enc(namespace)}`;
    p += `/${gvr.resource}`;
    if (name !== undefined) {
      if (!name) throw new KubeError(`a name is required to address a single ${gvr.resource} object`);
      p += `/${enc(name)}`;
    }
    if (subresource) p += `/${subresource}`;
    return p;
  }

  async #objectPath(
    ref: ResourceRef,
    name: string,
    namespace: string | undefined,
    subresource: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const t = await this.#target(ref, signal);
    return KubeClient.path(t.gvr, t.namespaced, namespace ?? this.namespace, name, subresource);
  }

  #refOf(obj: KubeObject, what: string): ResourceRef {
    if (!obj.apiVersion || !obj.kind) {
      throw new KubeError(
        `${what}: the object needs apiVersion and kind (got ${JSON.stringify(obj.apiVersion)}/${JSON.stringify(obj.kind)})`,
      );
    }
    return { apiVersion: obj.apiVersion, kind: obj.kind };
  }

  #nameOf(obj: KubeObject, what: string): string {
    const name = obj.metadata?.name;
    if (!name) throw new KubeError(`${what}: ${obj.kind ?? 'object'} has no metadata.name`);
    return name;
  }

  // --- CRUD ------------------------------------------------------------------------------------

  async get<T = KubeObject>(ref: ResourceRef, name: string, opts: GetOptions = {}): Promise<T> {
    const path = await this.#objectPath(ref, name, opts.namespace, undefined, opts.signal);
    return this.request<T>('GET', path, { verb: 'get', ...sig(opts) });
  }

  /** Get, returning undefined when the object does not exist. */
  async getOrUndefined<T = KubeObject>(
    ref: ResourceRef,
    name: string,
    opts: GetOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, name, opts);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** One page (or everything when `limit` is not set). */
  async list<T = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const t = await this.#target(ref, opts.signal);
    const path = KubeClient.path(t.gvr, t.namespaced, opts.namespace, undefined);
    const query: Query = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
    };
    const list = await this.request<KubeList<T>>('GET', path, {
      verb: 'list',
      query,
      ...(opts.metadataOnly ? { accept: METADATA_ONLY_LIST } : {}),
      ...sig(opts),
    });
    list.metadata ??= {};
    list.items ??= [];
    return list;
  }

  /** Iterate pages of `limit` items (default 500), following continue tokens. */
  async *listPages<T = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): AsyncGenerator<KubeList<T>> {
    let cont = opts.continue;
    let limit = opts.limit ?? 500;
    for (;;) {
      let page: KubeList<T>;
      try {
        page = await this.list<T>(ref, { ...opts, limit, ...(cont ? { continue: cont } : {}) });
      } catch (e) {
        // A page over the body limit: ask again for smaller pages (the continue token does not depend on it).
        if (e instanceof ResponseTooLargeError && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        throw e;
      }
      yield page;
      cont = page.metadata.continue;
      if (!cont) return;
    }
  }

  /**
   * Every item, paging through `limit`-sized chunks. `resourceVersion` is the list's (the first page's, which
   * is the consistent snapshot all pages come from): start a watch from it.
   */
  async listAll<T = KubeObject>(
    ref: ResourceRef,
    opts: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let resourceVersion = '';
    for await (const page of this.listPages<T>(ref, opts)) {
      if (!resourceVersion) resourceVersion = page.metadata.resourceVersion ?? '';
      items.push(...page.items);
    }
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(obj: T, opts: CreateOptions = {}): Promise<T> {
    const ref = this.#refOf(obj, 'create');
    const t = await this.#target(ref, opts.signal);
    const ns = opts.namespace ?? obj.metadata?.namespace ?? this.namespace;
    const path = KubeClient.path(t.gvr, t.namespaced, ns, undefined);
    return this.request<T>('POST', path, {
      verb: 'create',
      body: obj,
      query: writeQuery(opts),
      ...sig(opts),
    });
  }

  /** PUT the object (update). metadata.resourceVersion, when set, is an optimistic-concurrency precondition. */
  async replace<T extends KubeObject>(
    obj: T,
    opts: ReplaceOptions & { subresource?: string } = {},
  ): Promise<T> {
    const ref = this.#refOf(obj, 'replace');
    const name = this.#nameOf(obj, 'replace');
    const path = await this.#objectPath(
      ref,
      name,
      opts.namespace ?? obj.metadata?.namespace,
      opts.subresource,
      opts.signal,
    );
    return this.request<T>('PUT', path, { verb: 'update', body: obj, query: writeQuery(opts), ...sig(opts) });
  }

  /** PUT to the status subresource. */
  async replaceStatus<T extends KubeObject>(obj: T, opts: ReplaceOptions = {}): Promise<T> {
    return this.replace(obj, { ...opts, subresource: 'status' });
  }

  /** Server-side apply (creates or updates). */
  async apply<T extends KubeObject>(obj: T, opts: ApplyOptions & { subresource?: string }): Promise<T> {
    if (!opts?.fieldManager) throw new KubeError('apply: a fieldManager is required for server-side apply');
    const ref = this.#refOf(obj, 'apply');
    const name = this.#nameOf(obj, 'apply');
    const path = await this.#objectPath(
      ref,
      name,
      opts.namespace ?? obj.metadata?.namespace,
      opts.subresource,
      opts.signal,
    );
    return this.request<T>('PATCH', path, {
      verb: 'apply',
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { ...writeQuery(opts), force: opts.force ? 'true' : undefined },
      ...sig(opts),
    });
  }

  /** Server-side apply to the status subresource. */
  async applyStatus<T extends KubeObject>(obj: T, opts: ApplyOptions): Promise<T> {
    return this.apply(obj, { ...opts, subresource: 'status' });
  }

  /** Merge patch (default), JSON patch (`type: 'json'`, an array of operations) or strategic merge patch. */
  async patch<T = KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    if (type === 'json' && !Array.isArray(patch)) {
      throw new KubeError('patch: a JSON patch (type "json") must be an array of operations');
    }
    const path = await this.#objectPath(ref, name, opts.namespace, opts.subresource, opts.signal);
    return this.request<T>('PATCH', path, {
      verb: 'patch',
      body: patch,
      contentType: PATCH_TYPES[type],
      query: writeQuery(opts),
      ...sig(opts),
    });
  }

  async patchStatus<T = KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    opts: Omit<PatchOptions, 'subresource'> = {},
  ): Promise<T> {
    return this.patch<T>(ref, name, patch, { ...opts, subresource: 'status' });
  }

  /** Delete one object. Resolves true when it existed (deletion accepted), false when it was already gone. */
  async delete(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<boolean> {
    const path = await this.#objectPath(ref, name, opts.namespace, undefined, opts.signal);
    try {
      await this.request('DELETE', path, { verb: 'delete', body: deleteBody(opts), ...sig(opts) });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Delete every object matching the selectors in a namespace (or cluster-wide for cluster-scoped resources). */
  async deleteCollection(
    ref: ResourceRef,
    opts: DeleteCollectionOptions = {},
  ): Promise<KubeStatus | KubeList> {
    const t = await this.#target(ref, opts.signal);
    const ns = t.namespaced ? (opts.namespace ?? this.namespace) : undefined;
    const path = KubeClient.path(t.gvr, t.namespaced, ns, undefined);
    return this.request('DELETE', path, {
      verb: 'deletecollection',
      body: deleteBody(opts),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      ...sig(opts),
    });
  }

  // --- streams ---------------------------------------------------------------------------------

  /**
   * Watch a collection. Events arrive as an async iterable; a too-old resourceVersion throws `GoneError`
   * (re-list and watch again). Breaking out of the loop or aborting `signal` closes the stream; an abort ends
   * the iteration without an error.
   */
  async *watch<T = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const t = await this.#target(ref, opts.signal);
    const path = KubeClient.path(t.gvr, t.namespaced, opts.namespace, undefined);
    const query: Query = {
      watch: 'true',
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.name
        ? joinSelector(`metadata.name=${opts.name}`, opts.fieldSelector)
        : opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
      sendInitialEvents: opts.sendInitialEvents === undefined ? undefined : String(opts.sendInitialEvents),
      resourceVersionMatch: opts.sendInitialEvents ? 'NotOlderThan' : undefined,
    };
    let res: Awaited<ReturnType<HttpTransport['stream']>>;
    try {
      res = await this.#http.stream('GET', path, {
        verb: 'watch',
        query,
        ...(opts.metadataOnly ? { accept: METADATA_ONLY_OBJECT } : {}),
        ...sig(opts),
      });
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw e;
    }
    const ctx = this.#http.context('GET', path);
    yield* guardStream(
      res,
      parseWatchStream<T>(res, ctx, this.#http.maxBodyBytes('watch')),
      opts.signal,
      ctx,
    );
  }

  /** Container logs, line by line (without the trailing newline). */
  async *logs(namespace: string, pod: string, opts: LogOptions = {}): AsyncGenerator<string> {
    const path = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/log`;
    const query: Query = {
      container: opts.container,
      follow: opts.follow ? 'true' : undefined,
      tailLines: opts.tailLines,
      sinceSeconds: opts.sinceSeconds,
      sinceTime: opts.sinceTime,
      timestamps: opts.timestamps ? 'true' : undefined,
      previous: opts.previous ? 'true' : undefined,
      limitBytes: opts.limitBytes,
    };
    let res: Awaited<ReturnType<HttpTransport['stream']>>;
    try {
      res = await this.#http.stream('GET', path, { verb: 'logs', query, accept: '*/*', ...sig(opts) });
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw e;
    }
    const ctx = this.#http.context('GET', path);
    const limit = { max: this.#http.maxBodyBytes('logs'), request: ctx, what: 'a log line' };
    yield* guardStream(res, splitLines(res, limit), opts.signal, ctx);
  }

  /** `/version` of the server. */
  async version(signal?: AbortSignal): Promise<VersionInfo> {
    return this.request<VersionInfo>('GET', '/version', { verb: 'version', ...(signal ? { signal } : {}) });
  }
}

function sig(opts: Common): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}

function writeQuery(opts: Writes): Query {
  return { dryRun: opts.dryRun, fieldManager: opts.fieldManager, fieldValidation: opts.fieldValidation };
}

function deleteBody(opts: Omit<DeleteOptions, 'namespace'>): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.dryRun) body.dryRun = [opts.dryRun];
  if (opts.preconditions) body.preconditions = opts.preconditions;
  return body;
}

function joinSelector(a: string, b: string | undefined): string {
  return b ? `${a},${b}` : a;
}
