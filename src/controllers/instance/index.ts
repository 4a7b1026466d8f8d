/**
 * Instance controllers: Service, WebApplication, ScheduledTask and API. Each instance gets one binding for the
 * first environment of its project's pipeline (upstream: hard-coded `development`), named like the instance,
 * controlled by it, labelled with organization/project/component/environment, carrying a copy of the
 * Workload's template (Workload edits reach this binding only; other environments come from promotion).
 * A rollback of that first environment holds until the Workload changes again (see `workloadToWrite`).
 * An API names its environment itself (`spec.environmentName`) and gets an APIBinding there.
 *
 * Ready=False names what is missing — `ComponentNotFound`, `ProjectNotFound`, `DeploymentPipelineNotFound`,
 * `NoFirstEnvironment`, `WorkloadNotFound` — and recovers by itself (all are watched). Deleting the component
 * deletes the instance, and with it (garbage collection) binding → Release: the binding records the uid of the
 * component it was made for (`componentGone`), so nothing is written onto the user's own instance for it.
 */
import { type KindObject, type KindRef, REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { type BindingKindName, ownerOf, type StoredBinding } from '../binding/core.js';
import type { Request, Result, WatchSpec } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  APPLIED_MEMO_MS,
  BY_COMPONENT,
  BY_PROJECT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  INSTANCE_CONTROLLER,
  inNamespace,
  isDeleting,
  keysIn,
  knownApplied,
  missingReferenceWait,
  type ReadyInput,
  rememberApplied,
  type Stored,
  writeStatus,
} from '../shared.js';
import {
  bindingUpToDate,
  COMPONENT_UID_ANNOTATION,
  componentGone,
  desiredBinding,
  firstEnvironment,
  WORKLOAD_SYNC_ANNOTATION,
  workloadTemplate,
  workloadToWrite,
  workloadVersion,
} from './logic.js';

type InstanceKindName = 'Service' | 'WebApplication' | 'ScheduledTask' | 'API';
type StoredInstance = Stored<KindObject<InstanceKindName>>;

/** Instances by `namespace/spec.workloadName` (the API kind has none). */
const BY_WORKLOAD: CacheIndex<StoredInstance> = {
  name: 'spec.workloadName',
  values: (i) => {
    const ns = i.metadata.namespace;
    return ns && 'workloadName' in i.spec && i.spec.workloadName
      ? [inNamespace(ns, i.spec.workloadName)]
      : [];
  },
};

interface InstanceKind {
  /** Controller name (`service`) and field manager `<name>-controller`. */
  name: string;
  kind: InstanceKindName;
  ref: KindRef<InstanceKindName>;
  bindingKind: BindingKindName;
  bindingRef: KindRef<BindingKindName>;
  /** Whether the binding's environment comes from the pipeline (workload instances) or the instance (API). */
  workload: boolean;
  /** Spec fields of the binding besides the environment, from the instance (and its workload's template). */
  bindingSpec(
    instance: StoredInstance,
    template: Record<string, unknown> | undefined,
  ): Record<string, unknown>;
  /** Status fields of the instance taken from its binding (API: `address`). */
  statusFrom?(binding: StoredBinding | undefined): Record<string, unknown>;
}

function problem(reason: string, message: string): ReadyInput {
  return { status: 'False', reason, message };
}

function instanceController(k: InstanceKind): ControllerFactory {
  return (ctx: ControllerContext) => {
    const fieldManager = `${k.name}-controller`;
    const instances = () => cache(ctx.manager, k.ref);
    const bindings = () => cache(ctx.manager, k.bindingRef);
    const components = () => cache(ctx.manager, REF.Component);
    const projects = () => cache(ctx.manager, REF.Project);
    const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
    const workloads = () => cache(ctx.manager, REF.Workload);

    /** The environment of the binding, or the problem that keeps us from knowing it. */
    function environmentFor(inst: StoredInstance, ns: string): { env: string } | { problem: ReadyInput } {
      if (!k.workload) {
        return { env: 'environmentName' in inst.spec ? inst.spec.environmentName : '' };
      }
      const { projectName } = ownerOf(inst);
      const project = projects().getByName(projectName, ns);
      if (!project || isDeleting(project)) {
        return {
          problem: problem('ProjectNotFound', `Project "${projectName}" not found in namespace "${ns}"`),
        };
      }
      const pipelineName = project.spec.deploymentPipelineRef ?? '';
      const pipeline = pipelines().getByName(pipelineName, ns);
      if (!pipeline || isDeleting(pipeline)) {
        return {
          problem: problem(
            'DeploymentPipelineNotFound',
            `DeploymentPipeline "${pipelineName}" of project "${projectName}" not found in namespace "${ns}"`,
          ),
        };
      }
      const env = firstEnvironment(pipeline.spec);
      if (!env) {
        return {
          problem: problem(
            'NoFirstEnvironment',
            `DeploymentPipeline "${pipelineName}" has no first environment (a source that is never a target)`,
          ),
        };
      }
      return { env };
    }

    async function reconcile(req: Request): Promise<Result | undefined> {
      const inst = instances().getByName(req.name, req.namespace);
      if (!inst || isDeleting(inst)) return undefined;
      const ns = req.namespace ?? '';
      const owner = ownerOf(inst);
      const fail = async (ready: ReadyInput): Promise<Result | undefined> => {
        // A reference applied with the instance may simply not be in the cache yet (REFERENCE_GRACE_MS).
        const wait = ready.reason.endsWith('NotFound') ? missingReferenceWait(ctx, k.ref, inst) : undefined;
        if (wait !== undefined) return { requeueAfterMs: wait };
        await writeStatus(ctx, fieldManager, k.ref, inst, ready);
        return undefined;
      };

      const component = components().getByName(owner.componentName, ns);
      const live = bindings().getByName(req.name, ns);
      if (componentGone(inst, component, live)) {
        // Deleted with its component, as the garbage collector deletes a dependent: the binding and its
        // Release follow through their controller references.
        await ctx.client.delete(k.ref, req.name, {
          namespace: ns,
          preconditions: { uid: inst.metadata.uid },
          signal: ctx.manager.signal,
        });
        return undefined;
      }
      if (!component) {
        return fail(
          problem('ComponentNotFound', `Component "${owner.componentName}" not found in namespace "${ns}"`),
        );
      }
      if (isDeleting(component)) {
        return fail(problem('ComponentDeleting', `Component "${owner.componentName}" is being deleted`));
      }
      const where = environmentFor(inst, ns);
      if ('problem' in where) return fail(where.problem);

      let template: Record<string, unknown> | undefined;
      const annotations: Record<string, string> = {};
      if (k.workload) {
        const workloadName = 'workloadName' in inst.spec ? inst.spec.workloadName : '';
        const workload = workloads().getByName(workloadName, ns);
        if (!workload || isDeleting(workload)) {
          return fail(
            problem('WorkloadNotFound', `Workload "${workloadName}" not found in namespace "${ns}"`),
          );
        }
        const version = workloadVersion(workload);
        template = workloadToWrite(live, workloadTemplate(workload), version);
        annotations[WORKLOAD_SYNC_ANNOTATION] = version;
      }
      annotations[COMPONENT_UID_ANNOTATION] = component.metadata.uid ?? '';

      const desired = desiredBinding({
        instance: inst,
        bindingKind: k.bindingKind,
        environment: where.env,
        environmentField: k.workload ? 'environment' : 'environmentName',
        owner,
        spec: k.bindingSpec(inst, template),
        annotations,
      });
      if (live) {
        const controller = (live.metadata?.ownerReferences ?? []).find((r) => r.controller);
        if (controller && controller.uid !== inst.metadata?.uid) {
          return fail(
            problem(
              'BindingConflict',
              `${k.bindingKind} "${req.name}" exists and is controlled by ${controller.kind} "${controller.name}"`,
            ),
          );
        }
        const liveEnv = 'environment' in live.spec ? live.spec.environment : live.spec.environmentName;
        if (liveEnv !== undefined && liveEnv !== where.env) {
          return fail(
            problem(
              'BindingEnvironmentMismatch',
              `${k.bindingKind} "${req.name}" is for environment "${liveEnv}", not "${where.env}" (the environment of a binding cannot change: delete it to recreate it)`,
            ),
          );
        }
      }
      // The binding as this manager last applied it, while the cache has not caught up with that apply yet.
      const mine = knownApplied(ctx.manager, k.bindingRef, ns, req.name, live);
      const upToDate = bindingUpToDate(mine ?? live, desired);
      if (!upToDate) {
        const applied = await ctx.client.apply(desired, { fieldManager, force: true, namespace: ns });
        rememberApplied(ctx.manager, k.bindingRef, ns, req.name, live, applied);
      }
      await writeStatus(
        ctx,
        fieldManager,
        k.ref,
        inst,
        {
          status: 'True',
          reason: 'BindingSynced',
          message: `${k.bindingKind} "${req.name}" for environment "${where.env}" is up to date`,
        },
        k.statusFrom?.(live) ?? {},
      );
      // Skipped on the memo's word: look again once it expires (the binding's own event normally comes first).
      return upToDate && mine ? { requeueAfterMs: APPLIED_MEMO_MS } : undefined;
    }

    const byIndex =
      (idx: CacheIndex<StoredInstance>) =>
      (o: KubeObject): string[] => {
        const ns = o.metadata?.namespace;
        if (!ns) return [];
        return instances()
          .indexed(idx, inNamespace(ns, o.metadata?.name ?? ''))
          .map((i) => `${ns}/${i.metadata?.name}`);
      };
    const watches: WatchSpec[] = [
      { ref: REF.Component, map: byIndex(BY_COMPONENT) },
      { ref: REF.Project, map: byIndex(BY_PROJECT) },
      { ref: REF.DeploymentPipeline, map: (p) => keysIn(instances(), p.metadata?.namespace) },
    ];
    if (k.workload) watches.push({ ref: REF.Workload, map: byIndex(BY_WORKLOAD) });
    return {
      name: k.name,
      for: k.ref,
      // Bindings change status in steps while they go live; the instance only needs them to exist as wanted.
      owns: [{ ref: k.bindingRef, delayMs: 500 }],
      watches,
      reconciler: { reconcile },
      ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
    };
  };
}

const workloadBindingSpec =
  (extra: 'apis' | 'overrides') =>
  (inst: StoredInstance, template: Record<string, unknown> | undefined): Record<string, unknown> => {
    const s: Record<string, unknown> = { ...inst.spec };
    return {
      owner: ownerOf(inst),
      className: s.className ?? 'default',
      workloadSpec: template ?? {},
      [extra]: s[extra],
    };
  };

export const serviceController = instanceController({
  name: INSTANCE_CONTROLLER.Service,
  kind: 'Service',
  ref: REF.Service,
  bindingKind: 'ServiceBinding',
  bindingRef: REF.ServiceBinding,
  workload: true,
  bindingSpec: workloadBindingSpec('apis'),
});

export const webApplicationController = instanceController({
  name: INSTANCE_CONTROLLER.WebApplication,
  kind: 'WebApplication',
  ref: REF.WebApplication,
  bindingKind: 'WebApplicationBinding',
  bindingRef: REF.WebApplicationBinding,
  workload: true,
  bindingSpec: workloadBindingSpec('overrides'),
});

export const scheduledTaskController = instanceController({
  name: INSTANCE_CONTROLLER.ScheduledTask,
  kind: 'ScheduledTask',
  ref: REF.ScheduledTask,
  bindingKind: 'ScheduledTaskBinding',
  bindingRef: REF.ScheduledTaskBinding,
  workload: true,
  bindingSpec: workloadBindingSpec('overrides'),
});

export const apiController = instanceController({
  name: 'api',
  kind: 'API',
  ref: REF.API,
  bindingKind: 'APIBinding',
  bindingRef: REF.APIBinding,
  workload: false,
  bindingSpec: (inst) => ({
    apiClassName: ('className' in inst.spec ? inst.spec.className : undefined) ?? 'default',
    apiName: inst.metadata?.name ?? '',
  }),
  statusFrom: (binding) => ({ address: apiAddress(binding) }),
});

/** The address of an API: the widest exposure its binding reports (public, then organization, then project). */
export function apiAddress(binding: Pick<StoredBinding, 'status'> | undefined): string | undefined {
  const eps = binding?.status?.endpoints ?? [];
  for (const level of ['public', 'organization', 'project'] as const) {
    const uri = eps.find((e) => e[level]?.uri)?.[level]?.uri;
    if (uri) return uri;
  }
  return undefined;
}
