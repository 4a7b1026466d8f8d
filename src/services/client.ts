/**
 * The one interface over every operation a front end needs. The CLI's direct mode implements it with a
 * kubeconfig and the Kubernetes API (src/cli/direct.ts); api mode (the REST server, a later issue)
 * implements it a second time over HTTP, so every command behaves the same in both modes.
 */
import type { KubeObject } from '../kube/client.js';
import type { WatchEvent } from '../kube/watch.js';
import type { ApplyOptions, ApplyResult, DiffPair, Prepared, ResolvedKind } from './apply.js';
import type { BuildOutcome, BuildProgress, TriggerBuildOptions } from './builds.js';
import type { CatalogResult, LoadCatalogOptions } from './catalog.js';
import type { InstallOptions, InstallResult, UninstallOptions, UninstallResult } from './install.js';
import type { LogEvent, LogQuery, LogSubject } from './logs.js';
import type { Manifest, ManifestError } from './manifests.js';
import type { RequestResult, WaitOutcome } from './promote.js';
import type { DeleteOutcome, DescribeData, ListResult } from './resources.js';

export interface ServerVersionInfo {
  /** e.g. `v1.33.1` (Kubernetes gitVersion) or the OpenChoreo API version. */
  readonly gitVersion: string;
  readonly [key: string]: unknown;
}

interface Signal {
  readonly signal?: AbortSignal;
}

interface InNamespace extends Signal {
  /** For namespaced kinds; absent: the client's organization. */
  readonly namespace?: string | undefined;
}

export interface ChoreoClient<R extends ResolvedKind = ResolvedKind> {
  /** The organization (namespace) of this client. */
  readonly namespace: string;
  /** `GET /version` of the API server (direct mode) or of the OpenChoreo API (api mode). */
  serverVersion(options?: Signal): Promise<ServerVersionInfo>;
  /** What the user typed (`comp`, `components.openchoreo.dev`, `cm`, `deployments.apps`). */
  resolveName(name: string, signal?: AbortSignal): Promise<R>;
  /** A manifest's apiVersion and kind. */
  resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<R>;
  /** Names of resources of `kind` in the organization, for completion. */
  listNames(kind: string, options?: Signal): Promise<string[]>;

  get(r: R, name: string, options?: InNamespace): Promise<KubeObject>;
  /** `namespace: undefined` with `all: true` lists every organization. */
  list(
    r: R,
    options?: InNamespace & {
      readonly all?: boolean;
      /** A label selector. */
      readonly selector?: string | undefined;
      /** A field selector (e.g. `spec.owner.componentName=web`, which our CRDs make selectable). */
      readonly fieldSelector?: string | undefined;
    },
  ): Promise<ListResult>;
  watch(
    r: R,
    options: InNamespace & {
      readonly all?: boolean;
      readonly selector?: string | undefined;
      readonly name?: string | undefined;
      readonly resourceVersion?: string | undefined;
    },
  ): AsyncIterable<WatchEvent<KubeObject>>;
  describe(r: R, name: string, options?: InNamespace): Promise<DescribeData>;
  delete(r: R, name: string, options?: InNamespace): Promise<DeleteOutcome>;
  waitDeleted(
    r: R,
    name: string,
    options: InNamespace & { readonly uid?: string | undefined; readonly signal: AbortSignal },
  ): Promise<boolean>;

  /** Resolves the kinds of parsed manifests (apply, diff, delete -f). */
  prepare(manifests: readonly Manifest[]): Promise<{ prepared: Prepared<R>[]; errors: ManifestError[] }>;
  /** Validates every object on the server, then applies them in order (see services/apply.ts). */
  apply(prepared: readonly Prepared<R>[], options?: ApplyOptions<R>): Promise<ApplyResult<R>>;
  /** The live and the would-be (server-side dry-run) object of each, masked: what diff shows. */
  diff(prepared: readonly Prepared<R>[], options?: { readonly force?: boolean }): Promise<DiffPair<R>[]>;
  /** Creates one object (`dryRun: 'server'`: without persisting). */
  create(obj: KubeObject, options?: InNamespace & { readonly dryRun?: 'server' }): Promise<KubeObject>;

  catalog(options?: LoadCatalogOptions): Promise<CatalogResult>;
  install(options?: InstallOptions): Promise<InstallResult>;
  uninstall(options?: UninstallOptions): Promise<UninstallResult>;

  /** Requests a promotion of one component (defaults: from its furthest environment to the next). */
  promote(options: {
    readonly component: string;
    readonly project?: string | undefined;
    readonly from?: string | undefined;
    readonly to?: string | undefined;
  }): Promise<RequestResult>;
  /** Requests a promotion of every component of a project that runs in the source environment. */
  promoteProject(options: {
    readonly project: string;
    readonly from?: string | undefined;
    readonly to?: string | undefined;
  }): Promise<RequestResult[]>;
  /** Requests a rollback of one environment to an older revision (default: the previous one). */
  rollback(options: {
    readonly component: string;
    readonly environment: string;
    readonly toRevision?: number | undefined;
  }): Promise<RequestResult & { revision: number }>;
  /** Approves or rejects a PromotionRequest (as the authenticated user). */
  decidePromotion(
    name: string,
    decision: 'Approve' | 'Reject',
    reason?: string,
  ): Promise<{ approver: string }>;
  /** Waits until a request is done and its target Ready, or the signal fires. */
  waitPromotion(name: string, signal: AbortSignal): Promise<WaitOutcome>;

  /** Creates a Build of a component from its spec.build (a branch, commit or template may override it). */
  build(options: TriggerBuildOptions): Promise<KubeObject>;
  /** Waits until a Build finished or the signal fires, reporting each change of phase or step. */
  waitBuild(
    name: string,
    signal: AbortSignal,
    onProgress?: (p: BuildProgress) => void,
  ): Promise<BuildOutcome>;

  /**
   * The logs of a component's pods in one environment, or of a build's step pods, read as the caller. Resolves
   * once it is known what to read (a component, environment or build that is not there, or no right to read it,
   * is thrown here); then yields events until every stream ended or, with `follow`, `signal` aborts. Iterate it
   * to the end (or break out of the loop) so what it opened is closed.
   */
  openLogs(subject: LogSubject, query: LogQuery, signal: AbortSignal): Promise<AsyncIterable<LogEvent>>;

  /** Release sockets so the process can exit. */
  close(): void;
}
