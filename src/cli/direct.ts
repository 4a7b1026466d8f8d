/**
 * Direct mode: the CLI talks to the Kubernetes API server with a kubeconfig, like kubectl.
 * Imported only by `client.ts` (dynamically) and by handlers that need the cluster.
 *
 * Our kinds are registered statically (no discovery round trip for `get components`); other kinds
 * (`configmaps`, `deployments.apps`) resolve through discovery.
 */
import pkg from '../../package.json' with { type: 'json' };
import {
  isKubeApiError,
  KubeClient,
  KubeError,
  loadConnection,
  type ResourceInfo,
  UnknownResourceError,
} from '../kube/index.js';
import type { ApplyOptions, ApplyResult, Prepared } from '../services/apply.js';
import type { LoadCatalogOptions } from '../services/catalog.js';
import type { ChoreoClient as Operations } from '../services/client.js';
import { OperationError } from '../services/errors.js';
import type { InstallOptions, UninstallOptions } from '../services/install.js';
import type { Manifest } from '../services/manifests.js';
import type { ChoreoClient, ClientEnvironment, ServerVersionInfo } from './client.js';
import type { ResolvedContext } from './config/types.js';
import { toCliError as baseToCliError, CliError } from './errors.js';
import { API_GROUP, API_VERSION_V1ALPHA1, KINDS, type KindInfo, kindByKind, lookupKind } from './kinds.js';

export { FIELD_MANAGER } from '../services/apply.js';

/** A kind the CLI can address: one of ours (with printer columns) or any served resource. */
export interface Resolved {
  readonly info: ResourceInfo;
  /** Set for openchoreo.dev kinds. */
  readonly choreo: KindInfo | undefined;
}

export function resourceInfoOf(k: KindInfo): ResourceInfo {
  return {
    group: API_GROUP,
    version: API_VERSION_V1ALPHA1,
    resource: k.plural,
    kind: k.kind,
    namespaced: k.namespaced,
    singular: k.singular,
    shortNames: [...k.shortNames],
    categories: ['openchoreo', 'all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
  };
}

/** `components.openchoreo.dev`, `configmaps` (kubectl's resource.group form in messages). */
export function qualifiedResource(info: Pick<ResourceInfo, 'resource' | 'group'>): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** `component.openchoreo.dev` (the kind part of `-o name` and apply lines). */
export function qualifiedKind(info: Pick<ResourceInfo, 'kind' | 'group'>): string {
  const k = info.kind.toLowerCase();
  return info.group ? `${k}.${info.group}` : k;
}

type KubeObjectLike = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
};
type Ns = { namespace?: string | undefined; signal?: AbortSignal };

/**
 * Direct mode: every operation of the services' ChoreoClient through the Kubernetes API. Errors come
 * out as CliErrors (kubectl's wording); the operations' modules load on first use.
 */
export class DirectClient implements ChoreoClient, Operations<Resolved> {
  readonly context: ResolvedContext;
  readonly kube: KubeClient;
  /** The organization (= namespace) of this invocation. */
  readonly namespace: string;

  constructor(context: ResolvedContext, kube: KubeClient) {
    this.context = context;
    this.kube = kube;
    this.namespace = context.organization ?? kube.namespace ?? 'default';
  }

  get direct(): DirectClient {
    return this;
  }

  async serverVersion(options: { signal?: AbortSignal } = {}): Promise<ServerVersionInfo> {
    try {
      return await this.kube.version(options.signal);
    } catch (e) {
      throw toCliError(e);
    }
  }

  /** Resolves what the user typed (`comp`, `components.openchoreo.dev`, `cm`, `deployments.apps`). */
  async resolveName(name: string, signal?: AbortSignal): Promise<Resolved> {
    const choreo = lookupKind(name);
    if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    try {
      const info = await this.kube.discovery.resolveName(name, signal);
      return { info, choreo: info.group === API_GROUP ? kindByKind(info.kind) : undefined };
    } catch (e) {
      if (e instanceof UnknownResourceError) {
        throw new CliError(`the server doesn't have a resource type "${name}"`, { reason: 'NotFound' });
      }
      throw toCliError(e);
    }
  }

  /** Resolves a manifest's apiVersion/kind. */
  async resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<Resolved> {
    if (apiVersion === `${API_GROUP}/${API_VERSION_V1ALPHA1}`) {
      const choreo = kindByKind(kind);
      if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    }
    try {
      const info = await this.kube.resolve({ apiVersion, kind }, signal);
      return { info, choreo: undefined };
    } catch (e) {
      if (e instanceof UnknownResourceError) {
        throw new CliError(
          `resource mapping not found for kind "${kind}" in version "${apiVersion}": ensure CRDs are installed first`,
          { reason: 'NoKindMatch' },
        );
      }
      throw toCliError(e);
    }
  }

  #ns(r: Resolved, options: Ns): string | undefined {
    return r.info.namespaced ? (options.namespace ?? this.namespace) : undefined;
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toCliError(e);
    }
  }

  async get(r: Resolved, name: string, options: Ns = {}) {
    const { getObject } = await import('../services/resources.js');
    return this.#call(() =>
      getObject(this.kube, r.info, name, { ...options, namespace: this.#ns(r, options) }),
    );
  }

  async list(r: Resolved, options: Ns & { all?: boolean; selector?: string | undefined } = {}) {
    const { listObjects } = await import('../services/resources.js');
    const namespace = options.all ? undefined : this.#ns(r, options);
    return this.#call(() => listObjects(this.kube, r.info, { ...options, namespace }));
  }

  async *watch(
    r: Resolved,
    options: Ns & {
      all?: boolean;
      selector?: string | undefined;
      name?: string | undefined;
      resourceVersion?: string | undefined;
    },
  ) {
    const { watchObjects } = await import('../services/resources.js');
    const namespace = options.all ? undefined : this.#ns(r, options);
    yield* watchObjects(this.kube, r.info, { ...options, namespace });
  }

  async describe(r: Resolved, name: string, options: Ns = {}) {
    const { describeObject } = await import('../services/resources.js');
    return this.#call(() => describeObject(this.kube, r.info, name, { namespace: this.#ns(r, options) }));
  }

  async delete(r: Resolved, name: string, options: Ns = {}) {
    const { deleteObject } = await import('../services/resources.js');
    return this.#call(() => deleteObject(this.kube, r.info, name, { namespace: this.#ns(r, options) }));
  }

  async waitDeleted(
    r: Resolved,
    name: string,
    options: Ns & { uid?: string | undefined; signal: AbortSignal },
  ) {
    const { waitDeleted } = await import('../services/resources.js');
    return waitDeleted(this.kube, r.info, name, { ...options, namespace: this.#ns(r, options) });
  }

  async prepare(manifests: readonly Manifest[]) {
    const { prepareManifests } = await import('../services/apply.js');
    return this.#call(() => prepareManifests(this, manifests));
  }

  async apply(
    prepared: readonly Prepared<Resolved>[],
    options: ApplyOptions<Resolved> = {},
  ): Promise<ApplyResult<Resolved>> {
    const { applyPrepared } = await import('../services/apply.js');
    return this.#call(() => applyPrepared(this, prepared, options));
  }

  async diff(prepared: readonly Prepared<Resolved>[], options: { force?: boolean } = {}) {
    const { diffPrepared } = await import('../services/apply.js');
    return this.#call(() => diffPrepared(this, prepared, options));
  }

  async create(obj: KubeObjectLike, options: Ns & { dryRun?: 'server' } = {}) {
    const { maskObject } = await import('../services/mask.js');
    return this.#call(async () =>
      maskObject(
        await this.kube.create(obj as never, {
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.dryRun === 'server' ? { dryRun: 'All' as const } : {}),
        }),
      ),
    );
  }

  async catalog(options: LoadCatalogOptions = {}) {
    const { loadCatalog } = await import('../services/catalog.js');
    return this.#call(() => loadCatalog(this.kube, options));
  }

  async install(options: InstallOptions = {}) {
    const { install } = await import('../services/install.js');
    return this.#call(() => install(this.kube, options));
  }

  async uninstall(options: UninstallOptions = {}) {
    const { uninstall } = await import('../services/install.js');
    return uninstall(this.kube, options);
  }

  async listNames(kind: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const r = await this.resolveName(kind, options.signal);
    const list = await this.kube.list(r.info, {
      ...(r.info.namespaced ? { namespace: this.namespace } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return list.items.map((o) => o.metadata?.name ?? '').filter((n) => n !== '');
  }

  close(): void {
    this.kube.close();
  }
}

export async function createDirectClient(
  context: ResolvedContext,
  environment: ClientEnvironment = {},
): Promise<DirectClient> {
  try {
    const connection = loadConnection({
      ...(context.kubeconfig === undefined ? {} : { kubeconfig: context.kubeconfig }),
      ...(context.kubeContext === undefined ? {} : { context: context.kubeContext }),
      ...(environment.env === undefined ? {} : { env: environment.env as NodeJS.ProcessEnv }),
      ...(environment.home === undefined ? {} : { homeDir: environment.home }),
    });
    const kube = new KubeClient(connection, {
      resources: KINDS.map(resourceInfoOf),
      userAgent: `choreoctl/${pkg.version}`,
    });
    return new DirectClient(context, kube);
  } catch (e) {
    throw toCliError(e);
  }
}

/**
 * kube errors → CliError. API errors read like kubectl's:
 * `Error from server (NotFound): components.openchoreo.dev "x" not found`.
 */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof OperationError) return baseToCliError(e);
  if (isKubeApiError(e)) {
    const reason = e.reason || 'Unknown';
    return new CliError(`Error from server (${reason}): ${e.status.message ?? e.message}`, {
      reason,
      ...(e.code ? { status: e.code } : {}),
      cause: e,
      bare: true,
    });
  }
  if (e instanceof KubeError) {
    return new CliError(e.message, { reason: e.name.replace(/Error$/, '') || 'Error', cause: e });
  }
  if (e instanceof Error) return new CliError(e.message, { reason: 'InternalError', cause: e });
  return new CliError(String(e), { reason: 'InternalError' });
}
