/**
 * The ChoreoClient over the Kubernetes API: every operation of src/services with a KubeClient. The
 * CLI's direct mode extends it with the kinds it knows, its context and its error wording
 * (src/cli/direct.ts); the REST server can serve these operations from the same class.
 * The operation modules load on first use.
 */
import type { KubeClient } from '../kube/client.js';
import type { ApplyOptions, ApplyResult, Prepared, ResolvedKind } from './apply.js';
import type { BuildProgress, TriggerBuildOptions } from './builds.js';
import type { LoadCatalogOptions } from './catalog.js';
import type { ChoreoClient, ServerVersionInfo } from './client.js';
import type { InstallOptions, UninstallOptions } from './install.js';
import type { LogEvent, LogQuery, LogSubject } from './logs.js';
import type { Manifest } from './manifests.js';

type KubeObjectLike = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
};
type Ns = { namespace?: string | undefined; signal?: AbortSignal };

export abstract class KubeChoreoClient<R extends ResolvedKind> implements ChoreoClient<R> {
  readonly kube: KubeClient;
  /** The organization (= namespace) objects go to when they name none. */
  readonly namespace: string;

  constructor(kube: KubeClient, namespace: string) {
    this.kube = kube;
    this.namespace = namespace;
  }

  abstract resolveName(name: string, signal?: AbortSignal): Promise<R>;
  abstract resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<R>;

  /** The error a caller sees for a failed operation (default: as thrown). */
  protected mapError(e: unknown): unknown {
    return e;
  }

  async serverVersion(options: { signal?: AbortSignal } = {}): Promise<ServerVersionInfo> {
    return this.call(() => this.kube.version(options.signal));
  }

  async listNames(kind: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const r = await this.resolveName(kind, options.signal);
    const list = await this.call(() =>
      this.kube.list(r.info, {
        ...(r.info.namespaced ? { namespace: this.namespace } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
    return list.items.map((o) => o.metadata?.name ?? '').filter((n) => n !== '');
  }

  close(): void {
    this.kube.close();
  }

  protected ns(r: R, options: Ns): string | undefined {
    return r.info.namespaced ? (options.namespace ?? this.namespace) : undefined;
  }

  /** Runs one operation, turning its failures into the front end's errors (`mapError`). */
  protected async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.mapError(e);
    }
  }

  async get(r: R, name: string, options: Ns = {}) {
    const { getObject } = await import('./resources.js');
    return this.call(() =>
      getObject(this.kube, r.info, name, { ...options, namespace: this.ns(r, options) }),
    );
  }

  async list(
    r: R,
    options: Ns & { all?: boolean; selector?: string | undefined; fieldSelector?: string | undefined } = {},
  ) {
    const { listObjects } = await import('./resources.js');
    const namespace = options.all ? undefined : this.ns(r, options);
    return this.call(() => listObjects(this.kube, r.info, { ...options, namespace }));
  }

  async *watch(
    r: R,
    options: Ns & {
      all?: boolean;
      selector?: string | undefined;
      name?: string | undefined;
      resourceVersion?: string | undefined;
    },
  ) {
    const { watchObjects } = await import('./resources.js');
    const namespace = options.all ? undefined : this.ns(r, options);
    yield* watchObjects(this.kube, r.info, { ...options, namespace });
  }

  async describe(r: R, name: string, options: Ns = {}) {
    const { describeObject } = await import('./resources.js');
    return this.call(() => describeObject(this.kube, r.info, name, { namespace: this.ns(r, options) }));
  }

  async delete(r: R, name: string, options: Ns = {}) {
    const { deleteObject } = await import('./resources.js');
    return this.call(() => deleteObject(this.kube, r.info, name, { namespace: this.ns(r, options) }));
  }

  async waitDeleted(r: R, name: string, options: Ns & { uid?: string | undefined; signal: AbortSignal }) {
    const { waitDeleted } = await import('./resources.js');
    return waitDeleted(this.kube, r.info, name, { ...options, namespace: this.ns(r, options) });
  }

  async prepare(manifests: readonly Manifest[]) {
    const { prepareManifests } = await import('./apply.js');
    return this.call(() => prepareManifests(this, manifests));
  }

  async apply(prepared: readonly Prepared<R>[], options: ApplyOptions<R> = {}): Promise<ApplyResult<R>> {
    const { applyPrepared } = await import('./apply.js');
    return this.call(() => applyPrepared(this, prepared, options));
  }

  async diff(prepared: readonly Prepared<R>[], options: { force?: boolean } = {}) {
    const { diffPrepared } = await import('./apply.js');
    return this.call(() => diffPrepared(this, prepared, options));
  }

  async create(obj: KubeObjectLike, options: Ns & { dryRun?: 'server' } = {}) {
    const { maskObject } = await import('./mask.js');
    return this.call(async () =>
      maskObject(
        await this.kube.create(obj as never, {
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.dryRun === 'server' ? { dryRun: 'All' as const } : {}),
        }),
      ),
    );
  }

  async catalog(options: LoadCatalogOptions = {}) {
    const { loadCatalog } = await import('./catalog.js');
    return this.call(() => loadCatalog(this.kube, options));
  }

  async install(options: InstallOptions = {}) {
    const { install } = await import('./install.js');
    return this.call(() => install(this.kube, options));
  }

  async promote(options: {
    component: string;
    project?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  }) {
    const { requestPromotion } = await import('./promote.js');
    return this.call(() => requestPromotion(this.kube, this.namespace, options));
  }

  async promoteProject(options: { project: string; from?: string | undefined; to?: string | undefined }) {
    const { requestProjectPromotion } = await import('./promote.js');
    return this.call(() => requestProjectPromotion(this.kube, this.namespace, options));
  }

  async rollback(options: { component: string; environment: string; toRevision?: number | undefined }) {
    const { requestRollback } = await import('./promote.js');
    return this.call(() => requestRollback(this.kube, this.namespace, options));
  }

  async decidePromotion(name: string, decision: 'Approve' | 'Reject', reason?: string) {
    const { decidePromotion } = await import('./promote.js');
    return this.call(() => decidePromotion(this.kube, this.namespace, name, decision, reason));
  }

  async waitPromotion(name: string, signal: AbortSignal) {
    const { waitPromotion } = await import('./promote.js');
    return this.call(() => waitPromotion(this.kube, this.namespace, name, signal));
  }

  async build(options: TriggerBuildOptions) {
    const { triggerBuild } = await import('./builds.js');
    return this.call(() => triggerBuild(this.kube, this.namespace, options));
  }

  async waitBuild(name: string, signal: AbortSignal, onProgress?: (p: BuildProgress) => void) {
    const { waitBuild } = await import('./builds.js');
    return this.call(() => waitBuild(this.kube, this.namespace, name, signal, onProgress));
  }

  async openLogs(
    subject: LogSubject,
    query: LogQuery,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEvent>> {
    const { openLogs } = await import('./logs.js');
    const opened = await this.call(() => openLogs(this.kube, this.namespace, subject));
    const mapError = (e: unknown) => this.mapError(e);
    return (async function* events() {
      try {
        yield* opened.source.stream(query, signal);
      } catch (e) {
        throw mapError(e);
      } finally {
        opened.close();
      }
    })();
  }

  async uninstall(options: UninstallOptions = {}) {
    const { uninstall } = await import('./install.js');
    return uninstall(this.kube, options);
  }
}
