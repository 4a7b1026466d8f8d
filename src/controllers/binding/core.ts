/**
 * What the four binding controllers share. One pass of a binding:
 *
 * 1. `releaseState: Undeploy` → delete the Release; Ready=False `ResourcesUndeployed`.
 * 2. The kind's own lookups (class, APIClasses, the API) → Ready=False `<Kind>ClassNotFound`, `APIClassNotFound`, ….
 * 3. Its project exists, the environment is on the project's pipeline and the component is the project's →
 *    `ProjectNotFound` / `DeploymentPipelineNotFound` / `EnvironmentNotOnPipeline` / `ComponentNotFound`
 *    (release/legitimacy.ts): then no Release is written and nothing reaches a data plane.
 *    Environment and its DataPlane in the binding's namespace → `EnvironmentNotFound` / `DataPlaneNotFound`.
 * 4. Connections from the providers' ServiceBinding status (§6.3) → `ConnectionNotResolved`; configuration groups
 *    referenced by env valueFrom → `ConfigurationGroupNotFound`.
 * 5. Render (pure) → `RenderFailed` on a RenderError.
 * 6. Server-side apply of the Release named like the binding (controller ownerReference), only when its labels,
 *    owner reference or spec differ from the cached one.
 * 7. Ready from the Release's `status.resources[].healthStatus`; `status.endpoints` from the render.
 *
 * On a problem the Release in place is left alone (the workload keeps running) and the last endpoints are kept
 * (so consumers stay resolved).
 */
import type { WorkloadTemplate } from '../../api/common.js';
import type { Release } from '../../api/kinds/build.js';
import { API_VERSION } from '../../api/kinds-meta.js';
import { Finalizers, hierarchyLabels } from '../../api/labels.js';
import { dataPlaneNamespaceName } from '../../api/naming.js';
import { type KindObject, type KindRef, REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type { GVR } from '../../kube/discovery.js';
import { externalServicesOf } from '../../render/network.js';
import type { EndpointStatus, RenderContext, RenderResult, ResolvedConnection } from '../../render/types.js';
import { RenderError } from '../../render/types.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { ownerProblem } from '../release/legitimacy.js';
import type { StoredRelease } from '../release/plan.js';
import type { Request, Result, WatchSpec } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  BY_COMPONENT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  controlledBy,
  controllerRef,
  firstStatusWait,
  hasLabels,
  inNamespace,
  isDeleting,
  keysIn,
  RELEASE_REPORT_GRACE_MS,
  type ReadyInput,
  readyOf,
  releaseReportWait,
  type Stored,
  writeStatus,
} from '../shared.js';
import {
  bindingReadiness,
  connectedComponents,
  nextScheduledRun,
  type ReleaseState,
  referencedConfigurationGroups,
  releaseHealths,
  resolveConnections,
  sameJson,
} from './logic.js';

export interface Owner {
  projectName: string;
  componentName: string;
}

export type BindingKindName =
  | 'ServiceBinding'
  | 'WebApplicationBinding'
  | 'ScheduledTaskBinding'
  | 'APIBinding';
/** A binding of one of the four kinds as the caches hold it. */
export type StoredBinding<K extends BindingKindName = BindingKindName> = Stored<KindObject<K>>;
/** The three kinds that carry a workload (all but APIBinding). */
export type WorkloadBindingKindName = Exclude<BindingKindName, 'APIBinding'>;

/** What a kind's own lookups yield: a problem, or what rendering needs. */
export type Prepared =
  | { problem: ReadyInput }
  | {
      owner: Owner;
      workloadSpec?: WorkloadTemplate;
      render: (ctx: RenderContext) => RenderResult;
    };

export interface BindingKind<K extends BindingKindName> {
  /** Controller name, e.g. `servicebinding`. */
  name: string;
  kind: K;
  ref: KindRef<K>;
  environmentOf(b: StoredBinding<K>): string;
  /** Kind-specific lookups (from the caches) and the render closure. */
  prepare(ctx: ControllerContext, b: StoredBinding<K>): Prepared;
  /** Extra watches mapped to binding keys (the kind's class, the API, …). */
  watches(ctx: ControllerContext): WatchSpec[];
  /** Resources read from the caches that are not watched. */
  reads?: GVR[];
}

export function releaseStateOf(b: StoredBinding): ReleaseState {
  return b.spec.releaseState ?? 'Active';
}

/** The owner of anything with `spec.owner` (a binding, an API, an instance), blanks for what is missing. */
export function ownerOf(o: { spec?: { owner?: Partial<Owner> } | undefined }): Owner {
  const owner = o.spec?.owner ?? {};
  return { projectName: owner.projectName ?? '', componentName: owner.componentName ?? '' };
}

/** Binding keys of the Service and WebApplication bindings in `ns` that connect to the provider's component. */
export function consumersOf<K extends WorkloadBindingKindName>(
  ctx: ControllerContext,
  ref: KindRef<K>,
  provider: StoredBinding<'ServiceBinding'>,
): string[] {
  const ns = provider.metadata.namespace;
  if (!ns) return [];
  const component = ownerOf(provider).componentName;
  return cache(ctx.manager, ref)
    .indexed(BY_CONNECTION, inNamespace(ns, `${provider.spec.environment}/${component}`))
    .map((b) => `${ns}/${b.metadata.name}`);
}

/**
 * Workload bindings by `namespace/environment/component` for each component their connections name: a
 * provider's change reaches its consumers without reading every binding's connections.
 */
const BY_CONNECTION: CacheIndex<StoredBinding<WorkloadBindingKindName>> = {
  name: 'connections.environment/component',
  values: (b) => {
    const ns = b.metadata.namespace;
    if (!ns) return [];
    return connectedComponents(b.spec.workloadSpec).map((c) => inNamespace(ns, `${b.spec.environment}/${c}`));
  },
};

const WORKLOAD_BINDING_REFS = [REF.ServiceBinding, REF.WebApplicationBinding, REF.ScheduledTaskBinding];

function isServiceBinding(b: StoredBinding): b is StoredBinding<'ServiceBinding'> {
  return b.kind === 'ServiceBinding';
}

/** Whether any workload binding connects to this ServiceBinding's component in its environment. */
export function hasConsumers(ctx: ControllerContext, b: StoredBinding): boolean {
  return isServiceBinding(b) && WORKLOAD_BINDING_REFS.some((ref) => consumersOf(ctx, ref, b).length > 0);
}

/**
 * Keys of the ServiceBindings a consumer connects to (in its environment) that have not reported yet: a new
 * consumer makes a provider keeping its first status back (firstStatusWait) publish its endpoints now.
 */
export function unreportedProviders(
  ctx: ControllerContext,
  consumer: StoredBinding<WorkloadBindingKindName>,
): string[] {
  const ns = consumer.metadata.namespace;
  if (!ns) return [];
  return [...new Set(connectedComponents(consumer.spec.workloadSpec))].flatMap((c) =>
    cache(ctx.manager, REF.ServiceBinding)
      .indexed(BY_COMPONENT, inNamespace(ns, c))
      .filter((p) => p.spec.environment === consumer.spec.environment && !readyOf(p))
      .map((p) => `${ns}/${p.metadata.name}`),
  );
}

/** Keys of bindings in the object's namespace whose `pick(binding)` is the object's name. */
export function bindingsNaming<K extends BindingKindName>(
  ctx: ControllerContext,
  ref: KindRef<K>,
  pick: (b: StoredBinding<K>) => string | string[] | undefined,
): (o: KubeObject) => string[] {
  return (o) => {
    const ns = o.metadata?.namespace;
    if (!ns) return [];
    return cache(ctx.manager, ref)
      .list(ns)
      .filter((b) => {
        const v = pick(b);
        return Array.isArray(v) ? v.includes(o.metadata?.name ?? '') : v === o.metadata?.name;
      })
      .map((b) => `${ns}/${b.metadata?.name}`);
  };
}

export function bindingController<K extends BindingKindName>(kind: BindingKind<K>): ControllerFactory {
  return (ctx) => {
    const fieldManager = `${kind.name}-controller`;
    const bindings = () => cache(ctx.manager, kind.ref);
    const releases = () => cache(ctx.manager, REF.Release);
    const envs = () => cache(ctx.manager, REF.Environment);
    const dps = () => cache(ctx.manager, REF.DataPlane);
    const projects = () => cache(ctx.manager, REF.Project);
    const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
    const components = () => cache(ctx.manager, REF.Component);
    const providers = () => cache(ctx.manager, REF.ServiceBinding);
    const groups = () => cache(ctx.manager, REF.ConfigurationGroup);

    const status = (b: KubeObject, ready: ReadyInput, endpoints: EndpointStatus[] | undefined) =>
      writeStatus(ctx, fieldManager, kind.ref, b, ready, {
        endpoints: endpoints && endpoints.length > 0 ? endpoints : undefined,
      });

    async function undeploy(b: KubeObject, ns: string, name: string): Promise<Result | undefined> {
      const release = releases().getByName(name, ns);
      if (release && !isDeleting(release) && controlledBy(release, b)) {
        try {
          await ctx.client.delete(REF.Release, name, { namespace: ns });
        } catch (e) {
          await status(
            b,
            { status: 'False', reason: 'ReleaseDeletionFailed', message: (e as Error).message },
            [],
          );
          throw e;
        }
      }
      const gone = !release || !controlledBy(release, b);
      await status(
        b,
        {
          status: 'False',
          reason: 'ResourcesUndeployed',
          message: gone ? 'Resources undeployed' : 'Resources being undeployed',
        },
        [],
      );
      return undefined;
    }

    async function reconcile(req: Request): Promise<Result | undefined> {
      const b = bindings().getByName(req.name, req.namespace);
      if (!b || isDeleting(b)) return undefined;
      const ns = req.namespace ?? '';
      const name = req.name;
      const oldEndpoints = b.status?.endpoints;
      const releaseState = releaseStateOf(b);
      if (releaseState === 'Undeploy') return undeploy(b, ns, name);

      const fail = async (reason: string, message: string) => {
        await status(b, { status: 'False', reason, message }, oldEndpoints);
        return undefined;
      };

      const prepared = kind.prepare(ctx, b);
      if ('problem' in prepared) {
        await status(b, prepared.problem, oldEndpoints);
        return undefined;
      }
      const envName = kind.environmentOf(b);
      const illegitimate = ownerProblem(
        {
          organization: ns,
          projectName: prepared.owner.projectName,
          componentName: prepared.owner.componentName,
          environment: envName,
        },
        {
          project: (n) => projects().getByName(n, ns),
          pipeline: (n) => pipelines().getByName(n, ns),
          component: (n) => components().getByName(n, ns),
        },
      );
      if (illegitimate) {
        await status(b, illegitimate, oldEndpoints);
        return undefined;
      }
      const env = envs().getByName(envName, ns);
      if (!env || isDeleting(env)) {
        return fail('EnvironmentNotFound', `Environment "${envName}" not found in namespace "${ns}"`);
      }
      const dpName = environmentDataPlane(env);
      const dp = dps().getByName(dpName, ns);
      if (!dp || isDeleting(dp)) {
        return fail('DataPlaneNotFound', `DataPlane "${dpName}" of environment "${envName}" not found`);
      }

      let connections: ResolvedConnection[] = [];
      if (prepared.workloadSpec) {
        // The providers' ServiceBindings of the components it names (not every binding of the namespace).
        const candidates = [...new Set(connectedComponents(prepared.workloadSpec))].flatMap((c) =>
          providers().indexed(BY_COMPONENT, inNamespace(ns, c)),
        );
        const res = resolveConnections(prepared.workloadSpec, envName, ns, candidates);
        if (res.problems.length > 0) return fail('ConnectionNotResolved', res.problems.join('; '));
        connections = res.resolved;
      }
      const configurationGroups: RenderContext['configurationGroups'] = {};
      const missingGroups: string[] = [];
      for (const g of referencedConfigurationGroups(prepared.workloadSpec)) {
        const obj = groups().getByName(g, ns);
        if (obj && !isDeleting(obj)) {
          configurationGroups[g] = obj;
        } else missingGroups.push(g);
      }
      if (missingGroups.length > 0) {
        return fail(
          'ConfigurationGroupNotFound',
          `ConfigurationGroup${missingGroups.length > 1 ? 's' : ''} ${missingGroups.map((g) => `"${g}"`).join(', ')} not found in namespace "${ns}"`,
        );
      }

      const owner = prepared.owner;
      let rendered: RenderResult;
      try {
        rendered = prepared.render({
          organization: ns,
          project: owner.projectName,
          component: owner.componentName,
          environment: env,
          dataPlane: dp,
          namespace: dataPlaneNamespaceName(ns, owner.projectName, envName),
          connections,
          configurationGroups,
          externalServices: externalServicesOf(prepared.workloadSpec),
        });
      } catch (e) {
        if (e instanceof RenderError) {
          return fail('RenderFailed', e.field ? `${e.field}: ${e.message}` : e.message);
        }
        throw e;
      }

      const release = releases().getByName(name, ns);
      if (release && !controlledBy(release, b)) {
        return fail(
          'ReleaseConflict',
          `Release "${name}" exists and is not controlled by ${kind.kind} "${name}"`,
        );
      }
      if (release && isDeleting(release)) {
        // Back from Undeploy before the old Release is gone: its deletion event brings us back.
        await status(
          b,
          {
            status: 'False',
            reason: 'ResourceHealthProgressing',
            message: `waiting for the previous Release "${name}" to be deleted`,
          },
          rendered.endpoints,
        );
        return undefined;
      }
      const desired = desiredRelease(b, kind.kind, owner, envName, rendered);
      const write = await writeRelease(ctx, fieldManager, release, desired, fail);
      const ids = rendered.resources.map((r) => r.id);
      if (write) {
        // The Release written just now is not applied yet: its first status (within the second, usually)
        // brings us back, and one status write then says how its objects are doing — instead of a
        // "n/n progressing" now and the real counts a moment later. The requeue covers a slow engine.
        return { requeueAfterMs: STATUS_AFTER_RELEASE_WRITE_MS };
      }
      // A Release the engine has not reported on yet: its report brings us back (a busy engine's queue can
      // hold it for many seconds under load: "progressing" now would be rewritten with the real counts as soon
      // as it comes); past the grace period the binding says what it knows instead.
      if (release && !release.status) {
        const left = releaseReportWait(ctx.manager, ns, name, release, RELEASE_REPORT_GRACE_MS);
        if (left > 0) return { requeueAfterMs: left };
      }
      const healths = releaseHealths(release, ids);
      const ready = releaseFailure(release) ?? bindingReadiness(healths, releaseState);
      // A new binding whose objects are still rolling out says so only if the rollout outlasts the grace
      // (its Release's next report brings it back): one status, Ready, for most. Not a provider that has
      // consumers waiting for its endpoints, though: they would wait with it.
      const wait =
        rendered.endpoints.length > 0 && hasConsumers(ctx, b)
          ? undefined
          : firstStatusWait(ctx, kind.ref, b, ready);
      if (wait !== undefined) return { requeueAfterMs: wait };
      // A running CronJob: when it runs next, and back here then so the message moves on.
      const next = ready.status === 'True' ? nextScheduledRun(rendered.resources, new Date()) : undefined;
      await status(
        b,
        next ? { ...ready, message: `${ready.message}; ${next.text}` } : ready,
        rendered.endpoints,
      );
      return next ? { requeueAfterMs: next.inMs } : undefined;
    }

    /**
     * Bindings in the object's namespace held back by ownerProblem: only those need the event (every status
     * step of every component comes here, so an index, not a scan of the namespace's bindings).
     */
    const heldBack = (o: KubeObject) => {
      const ns = o.metadata?.namespace;
      return ns
        ? bindings()
            .indexed(HELD_BACK, ns)
            .map((b) => `${ns}/${b.metadata?.name}`)
        : [];
    };
    const watches: WatchSpec[] = [
      { ref: REF.Project, map: heldBack },
      { ref: REF.DeploymentPipeline, map: heldBack },
      { ref: REF.Component, map: heldBack },
      {
        ref: REF.Environment,
        map: bindingsNaming(ctx, kind.ref, (b) => kind.environmentOf(b)),
      },
      { ref: REF.DataPlane, map: (d) => keysIn(bindings(), d.metadata?.namespace) },
      {
        ref: REF.ConfigurationGroup,
        map: bindingsNaming(ctx, kind.ref, (b) =>
          'workloadSpec' in b.spec ? referencedConfigurationGroups(b.spec.workloadSpec) : [],
        ),
      },
      ...kind.watches(ctx),
    ];
    return {
      name: kind.name,
      for: kind.ref,
      // The engine reports a Release in a few steps (applied, then each object's health): take them together.
      owns: [{ ref: REF.Release, delayMs: 300 }],
      watches,
      reads: kind.reads ?? [],
      reconciler: { reconcile },
      ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
    };
  };
}

/** Ready reasons of a binding that ownerProblem held back (see release/legitimacy.ts). */
const OWNER_PROBLEMS = new Set([
  'ProjectNotFound',
  'DeploymentPipelineNotFound',
  'EnvironmentNotOnPipeline',
  'ComponentNotFound',
]);

/** Bindings by namespace whose Ready reason is one of OWNER_PROBLEMS. */
const HELD_BACK: CacheIndex<KubeObject> = {
  name: 'status.ready.ownerProblem',
  values: (b) => {
    const ns = b.metadata?.namespace;
    return ns && OWNER_PROBLEMS.has(readyOf(b)?.reason ?? '') ? [ns] : [];
  },
};

/** After writing its Release, when a binding looks again if the engine has not reported by then. */
export const STATUS_AFTER_RELEASE_WRITE_MS = 1_000;

/** Reasons the Release engine reports when it could not do its work (not resource health). */
const RELEASE_FAILURES = new Set([
  'ApplyFailed',
  'ResourceNotAllowed',
  ...OWNER_PROBLEMS,
  'PruneFailed',
  'DataPlaneNotReady',
  'EnvironmentNotFound',
  'DataPlaneNotFound',
  'PodsUnschedulable',
]);

/** Ready=False `ReleaseFailed` when the Release's current generation failed to apply (upstream: not surfaced). */
export function releaseFailure(release: KubeObject | undefined): ReadyInput | undefined {
  const ready = readyOf(release);
  if (ready?.status !== 'False' || !RELEASE_FAILURES.has(ready.reason)) return undefined;
  if (ready.observedGeneration !== undefined && ready.observedGeneration !== release?.metadata?.generation) {
    return undefined;
  }
  return {
    status: 'False',
    reason: 'ReleaseFailed',
    message: `Release "${release?.metadata?.name}": ${ready.reason}: ${ready.message}`,
  };
}

/** The Release a binding renders to: named like it, same namespace, controller reference to it. */
/** A Release as a controller writes it: the fields it sets (the apiserver defaults the intervals). */
export type DesiredRelease = KubeObject & {
  spec: Pick<Release['spec'], 'owner' | 'environmentName' | 'resources'>;
};

export function desiredRelease(
  b: KubeObject,
  kind: string,
  owner: Owner,
  environment: string,
  rendered: RenderResult,
): DesiredRelease {
  const ns = b.metadata?.namespace ?? '';
  return {
    apiVersion: API_VERSION,
    kind: 'Release',
    metadata: {
      name: b.metadata?.name ?? '',
      namespace: ns,
      labels: {
        ...(b.metadata?.labels ?? {}),
        ...hierarchyLabels({
          organization: ns,
          project: owner.projectName,
          component: owner.componentName,
          environment,
        }),
      },
      ownerReferences: [controllerRef(b, kind)],
      // The Release engine's cleanup finalizer from the start: it would otherwise add it with a write of its own
      // before its first pass (it still does for a Release created without it).
      finalizers: [Finalizers.release],
    },
    spec: {
      owner: { projectName: owner.projectName, componentName: owner.componentName },
      environmentName: environment,
      resources: rendered.resources.map((r) => ({ id: r.id, object: r.object })),
    },
  };
}

/**
 * Write the desired Release when the cached one differs (server-side apply, the caller's field manager).
 * A failed write is reported through `fail` as ReleaseCreationFailed / ReleaseUpdateFailed and rethrown (the
 * caller retries with backoff). Returns whether it wrote.
 */
export async function writeRelease(
  ctx: ControllerContext,
  fieldManager: string,
  live: StoredRelease | undefined,
  desired: DesiredRelease,
  fail: (reason: string, message: string) => Promise<unknown>,
): Promise<boolean> {
  if (releaseUpToDate(live, desired)) return false;
  const name = desired.metadata?.name ?? '';
  try {
    await ctx.client.apply(desired, {
      fieldManager,
      force: true,
      namespace: desired.metadata?.namespace ?? '',
      signal: ctx.manager.signal,
    });
  } catch (e) {
    await fail(
      live ? 'ReleaseUpdateFailed' : 'ReleaseCreationFailed',
      `failed to ${live ? 'update' : 'create'} release "${name}": ${(e as Error).message}`,
    );
    throw e;
  }
  return true;
}

/** The cached Release already carries the desired labels, owner reference and spec. */
export function releaseUpToDate(
  live: Pick<StoredRelease, 'metadata' | 'spec'> | undefined,
  desired: DesiredRelease,
): boolean {
  if (!live) return false;
  const want = desired.metadata?.ownerReferences?.[0];
  return (
    hasLabels(live.metadata?.labels, desired.metadata?.labels ?? {}) &&
    (live.metadata?.ownerReferences ?? []).some((r) => r.uid === want?.uid && r.controller) &&
    sameJson(live.spec.owner, desired.spec.owner) &&
    live.spec.environmentName === desired.spec.environmentName &&
    sameJson(live.spec.resources ?? [], desired.spec.resources ?? [])
  );
}
