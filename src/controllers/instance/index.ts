/**
 * Instance controllers: Service, WebApplication, ScheduledTask and API. Each instance gets one binding for the
 * first environment of its project's pipeline (upstream: hard-coded `development`), named like the instance,
 * controlled by it, labelled with organization/project/component/environment, carrying a copy of the
 * Workload's template (Workload edits reach this binding only; other environments come from promotion).
 * A rollback of that first environment holds until the Workload changes again (see `workloadToWrite`).
 * An API names its environment itself (`spec.environmentName`) and gets an APIBinding there.
 *
 * Ready=False names what is missing — `ComponentNotFound`, `ProjectNotFound`, `DeploymentPipelineNotFound`,
 * `NoFirstEnvironment`, `WorkloadNotFound` — and recovers by itself (all are watched). The instance gets a
 * (non-controller) ownerReference to its Component, so deleting the component garbage-collects instance →
 * binding → Release.
 */
import { API_VERSION } from '../../api/dsl.js';
import { type KindObject, type KindRef, REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { isNotFound } from '../../kube/errors.js';
import { type BindingKindName, ownerOf, type StoredBinding } from '../binding/core.js';
import type { Request, Result, WatchSpec } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  BY_COMPONENT,
  BY_PROJECT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  inNamespace,
  isDeleting,
  keysIn,
  type ReadyInput,
  type Stored,
  writeStatus,
} from '../shared.js';
import {
  bindingUpToDate,
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

    /**
     * Make the instance a dependent of its component (garbage collection on component deletion). Returns the
     * instance as stored after that write (its status writes then compare with the right version), or as given.
     */
    async function adopt(inst: KubeObject, component: KubeObject): Promise<KubeObject> {
      const uid = component.metadata?.uid;
      if ((inst.metadata?.ownerReferences ?? []).some((r) => r.uid === uid)) return inst;
      return ctx.client.apply(
        {
          apiVersion: inst.apiVersion ?? API_VERSION,
          kind: inst.kind ?? k.kind,
          metadata: {
            name: inst.metadata?.name ?? '',
            namespace: inst.metadata?.namespace ?? '',
            ownerReferences: [
              {
                apiVersion: API_VERSION,
                kind: 'Component',
                name: component.metadata?.name ?? '',
                uid: uid ?? '',
              },
            ],
          },
        },
        { fieldManager, force: true, namespace: inst.metadata?.namespace ?? '' },
      );
    }

    async function reconcile(req: Request): Promise<Result | undefined> {
      const inst = instances().getByName(req.name, req.namespace);
      if (!inst || isDeleting(inst)) return undefined;
      const ns = req.namespace ?? '';
      const owner = ownerOf(inst);
      const fail = async (ready: ReadyInput) => {
        await writeStatus(ctx, fieldManager, k.ref, inst, ready);
        return undefined;
      };

      const component = components().getByName(owner.componentName, ns);
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

      const live = bindings().getByName(req.name, ns);
      let template: Record<string, unknown> | undefined;
      let annotations: Record<string, string> | undefined;
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
        annotations = { [WORKLOAD_SYNC_ANNOTATION]: version };
      }

      let adopted: KubeObject;
      try {
        adopted = await adopt(inst, component);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }

      const desired = desiredBinding({
        instance: inst,
        bindingKind: k.bindingKind,
        environment: where.env,
        environmentField: k.workload ? 'environment' : 'environmentName',
        owner,
        spec: k.bindingSpec(inst, template),
        ...(annotations ? { annotations } : {}),
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
      if (!bindingUpToDate(live, desired)) {
        await ctx.client.apply(desired, { fieldManager, force: true, namespace: ns });
      }
      await writeStatus(
        ctx,
        fieldManager,
        k.ref,
        adopted,
        {
          status: 'True',
          reason: 'BindingSynced',
          message: `${k.bindingKind} "${req.name}" for environment "${where.env}" is up to date`,
        },
        k.statusFrom?.(live) ?? {},
      );
      return undefined;
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
  name: 'service',
  kind: 'Service',
  ref: REF.Service,
  bindingKind: 'ServiceBinding',
  bindingRef: REF.ServiceBinding,
  workload: true,
  bindingSpec: workloadBindingSpec('apis'),
});

export const webApplicationController = instanceController({
  name: 'webapplication',
  kind: 'WebApplication',
  ref: REF.WebApplication,
  bindingKind: 'WebApplicationBinding',
  bindingRef: REF.WebApplicationBinding,
  workload: true,
  bindingSpec: workloadBindingSpec('overrides'),
});

export const scheduledTaskController = instanceController({
  name: 'scheduledtask',
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
