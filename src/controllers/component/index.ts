/**
 * Component: validates its owner project (exists, not being deleted) and its type; Ready=False `ProjectNotFound`
 * otherwise, recovering when the project appears (Projects are watched and mapped to their components).
 * Rolls up its bindings: `status.environments` has one entry per Service/WebApplication/ScheduledTask binding
 * (environment, Ready status/reason, endpoint URIs) in pipeline order, and Ready summarises them
 * ("2/3 environments ready; staging: ResourceHealthProgressing"). Suspended and undeployed environments are
 * listed but do not make the component not ready. A Service, WebApplication or ScheduledTask without any binding
 * (and no legacy Deployment) is Ready=False NotDeployed: it runs nowhere yet.
 */

import { COMPONENT_TYPES } from '../../api/kind-constants.js';
import type { Component } from '../../api/kinds/development.js';
import { Labels } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type { StoredBinding, WorkloadBindingKindName } from '../binding/core.js';
import { pipelineEnvironments } from '../deploymentpipeline/graph.js';
import type { Request, Result } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  BINDING_REPORT_GRACE_MS,
  BY_COMPONENT,
  BY_LOGICAL_NAME,
  BY_PROJECT,
  type ControllerFactory,
  cache,
  FIRST_REPORT_GRACE_MS,
  INSTANCE_CONTROLLER,
  inNamespace,
  isDeleting,
  type ReadyInput,
  readyOf,
  releaseReportWait,
  reportWait,
  type Stored,
  writeStatus,
} from '../shared.js';

export const FIELD_MANAGER = 'component-controller';

/** How long the roll-up waits after a binding changes (coalescing its steps). */
export const ROLLUP_DELAY_MS = 1_000;

export function componentProject(c: Pick<Stored<Component>, 'spec'>): string {
  return c.spec.owner.projectName ?? '';
}

/** Ready of a component given its project (pure). */
export function componentReadiness(c: Stored<Component>, project: KubeObject | undefined): ReadyInput {
  const name = componentProject(c);
  if (!project) {
    return {
      status: 'False',
      reason: 'ProjectNotFound',
      message: `Project "${name}" not found in namespace "${c.metadata?.namespace}"`,
    };
  }
  if (isDeleting(project)) {
    return { status: 'False', reason: 'ProjectDeleting', message: `Project "${name}" is being deleted` };
  }
  const type: string = c.spec.type ?? '';
  if (!(COMPONENT_TYPES as readonly string[]).includes(type)) {
    return {
      status: 'False',
      reason: 'InvalidType',
      message: `unknown component type "${type}": expected one of ${COMPONENT_TYPES.join(', ')}`,
    };
  }
  return { status: 'True', reason: 'ComponentReady', message: `${type} of project "${name}"` };
}

export interface EnvironmentEntry {
  environment: string;
  kind: string;
  binding: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
  urls?: string[];
}

/** Reasons of bindings deliberately not running: listed, but not counted against Ready. */
const INACTIVE = new Set(['ResourcesSuspended', 'ResourcesUndeployed']);

/** The entry of one binding (pure). */
export function environmentEntry(b: StoredBinding<WorkloadBindingKindName>): EnvironmentEntry {
  const spec = b.spec;
  const ready = readyOf(b);
  const urls = b.status?.endpoints?.flatMap((e) =>
    [e.public?.uri, e.organization?.uri, e.project?.uri].filter((u): u is string => !!u),
  );
  return {
    environment: spec.environment ?? '',
    kind: b.kind ?? '',
    binding: b.metadata?.name ?? '',
    status: ready?.status ?? 'Unknown',
    reason: ready?.reason ?? 'Pending',
    // A progressing binding's message counts objects ("1/3 progressing, 2/3 healthy") and changes with every
    // step: copying it would rewrite the component's status each time. The reason says enough meanwhile.
    ...(ready?.message && !/Progressing$/.test(ready.reason) ? { message: ready.message } : {}),
    ...(urls?.length ? { urls } : {}),
  };
}

/** Entries in pipeline order (environments the pipeline does not name last), then by kind and binding. */
export function sortEntries(entries: EnvironmentEntry[], order: readonly string[]): EnvironmentEntry[] {
  const rank = (e: string) => (order.includes(e) ? order.indexOf(e) : order.length);
  return [...entries].sort(
    (a, b) =>
      rank(a.environment) - rank(b.environment) ||
      a.environment.localeCompare(b.environment) ||
      a.kind.localeCompare(b.kind) ||
      a.binding.localeCompare(b.binding),
  );
}

/** Component types that run somewhere here (through a binding of their kind); the others have nothing to deploy. */
export const DEPLOYED_TYPES: ReadonlySet<string> = new Set(['Service', 'WebApplication', 'ScheduledTask']);

/**
 * Ready of a component: its own checks, then the roll-up of its environments (pure). A component of a type that
 * deploys is Ready only once it has been deployed: before any binding exists it is Ready=False NotDeployed,
 * saying what it waits for; then its bindings decide (one failing: EnvironmentsNotReady; only some on their way: EnvironmentsProgressing). Environments
 * suspended or undeployed on purpose do not count against it. Upstream's Component
 * controller writes no status at all; this is the condition `init`, `quickstart` and `apply --wait` wait on.
 */
export function componentRollup(
  base: ReadyInput,
  entries: readonly EnvironmentEntry[],
  of: { type?: string; legacyDeployments?: number } = {},
): ReadyInput {
  if (base.status !== 'True') return base;
  const { type } = of;
  const deploys = type !== undefined && DEPLOYED_TYPES.has(type);
  if (entries.length === 0) {
    // The legacy cell model deploys through Deployments (their own Ready), not bindings.
    if (of.legacyDeployments) {
      return {
        ...base,
        message: `${base.message}: deployed through the cell model (${of.legacyDeployments} Deployment(s))`,
      };
    }
    if (!deploys) return base;
    return {
      status: 'False',
      reason: 'NotDeployed',
      message:
        `not deployed to any environment yet: no ${type}Binding exists. It is made from the component's ${type} ` +
        'and its Workload (a component built from source gets its Workload from its first build: `choreoctl create build`)',
    };
  }
  const ready = entries.filter((e) => e.status === 'True').length;
  const others = entries.filter((e) => e.status !== 'True');
  const failing = others.filter((e) => !INACTIVE.has(e.reason));
  const onTheirWay = failing.every((e) => /Progressing$/.test(e.reason));
  const summary = `${ready}/${entries.length} environment${entries.length > 1 ? 's' : ''} ready${others
    .map((e) => `; ${e.environment}: ${e.reason}`)
    .join('')}`;
  if (failing.length === 0) {
    return { status: 'True', reason: base.reason, message: `${base.message}: ${summary}` };
  }
  return {
    status: 'False',
    reason: onTheirWay ? 'EnvironmentsProgressing' : 'EnvironmentsNotReady',
    message: summary,
  };
}

const BINDING_REFS = [REF.ServiceBinding, REF.WebApplicationBinding, REF.ScheduledTaskBinding];
/** The instance kinds that make those bindings. */
const INSTANCE_REFS = [REF.Service, REF.WebApplication, REF.ScheduledTask];
/** The names of their controllers, in the same order: asked whether one is only behind. */
const INSTANCE_CONTROLLERS = [
  INSTANCE_CONTROLLER.Service,
  INSTANCE_CONTROLLER.WebApplication,
  INSTANCE_CONTROLLER.ScheduledTask,
];

/**
 * How long a new instance that has not reported yet (it is about to make its binding) holds the component's
 * roll-up back: past it the component says what it sees.
 */
export const INSTANCE_REPORT_GRACE_MS = 30_000;

/**
 * The instance reported its binding synced less than FIRST_REPORT_GRACE_MS ago, and `seen` (names of the
 * cached bindings of the kind it makes) does not hold that binding, named like the instance, yet (pure).
 */
export function bindingNotSeenYet(
  instance: KubeObject,
  seen: ReadonlySet<string>,
  now = Date.now(),
): boolean {
  const ready = readyOf(instance);
  if (ready?.status !== 'True' || ready.reason !== 'BindingSynced') return false;
  if (seen.has(instance.metadata?.name ?? '')) return false;
  const since = now - Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since < FIRST_REPORT_GRACE_MS;
}

/** Legacy Deployments by `namespace/<openchoreo.dev/component label>` (the component's logical name). */
const BY_COMPONENT_LABEL: CacheIndex<KubeObject> = {
  name: 'metadata.labels.component',
  values: (d) => {
    const ns = d.metadata?.namespace;
    const label = d.metadata?.labels?.[Labels.component];
    return ns && label ? [inNamespace(ns, label)] : [];
  },
};

export const componentController: ControllerFactory = (ctx) => {
  const components = () => cache(ctx.manager, REF.Component);
  const projects = () => cache(ctx.manager, REF.Project);
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);

  /** The component's legacy Deployments (cell model): found by labels, as the legacy controllers find it. */
  const legacyDeploymentsOf = (c: Stored<Component>) => {
    const name = c.metadata.labels?.[Labels.name] ?? c.metadata.name;
    return cache(ctx.manager, REF.Deployment)
      .indexed(BY_COMPONENT_LABEL, inNamespace(c.metadata.namespace ?? '', name))
      .filter((d) => !isDeleting(d));
  };

  async function reconcile(req: Request): Promise<Result | undefined> {
    const c = components().getByName(req.name, req.namespace);
    if (!c || isDeleting(c)) return undefined;
    const project = projects().getByName(componentProject(c), req.namespace);
    const ns = req.namespace ?? '';
    const bindingsByKind = BINDING_REFS.map((ref) =>
      cache(ctx.manager, ref)
        .indexed(BY_COMPONENT, inNamespace(ns, req.name))
        .filter((b) => !isDeleting(b)),
    );
    const bindings = bindingsByKind.flat();
    // A binding created moments ago reports shortly (its first status brings us back): writing "pending" now
    // would be one more status write for every component going live. It may keep a first "progressing" back
    // for FIRST_STATUS_GRACE_MS (firstStatusWait): waiting that long too, the component writes once, from the
    // binding's first status — Ready for most. So does a new instance that has not made its binding yet:
    // "ready, no environments" now would be rewritten as soon as it has.
    // The binding waits longer while the release engine is behind on its Release (releaseReportWait): so
    // does the roll-up, or it would write the "progressing" the binding keeps back.
    const unreportedFor = Math.max(
      0,
      ...bindings
        .filter((b) => !readyOf(b))
        .map((b) => releaseReportWait(ctx.manager, ns, b.metadata.name, b, BINDING_REPORT_GRACE_MS)),
    );
    if (unreportedFor > 0) return { requeueAfterMs: unreportedFor };
    const instances = INSTANCE_REFS.map((ref) =>
      cache(ctx.manager, ref)
        .indexed(BY_COMPONENT, inNamespace(ns, req.name))
        .filter((i) => !isDeleting(i)),
    );
    // Past its grace an instance is still waited for while its controller here has it queued (under load the
    // instance queue can be minutes behind: the component would write "not deployed" first). Its first report
    // is a watched event and brings the component back.
    const instancesUnreportedFor = Math.max(
      0,
      ...instances.flatMap((of, k) =>
        of
          .filter((i) => !readyOf(i))
          .map((i) =>
            reportWait(
              ctx.manager,
              INSTANCE_CONTROLLERS[k] ?? '',
              `${ns}/${i.metadata.name}`,
              i,
              INSTANCE_REPORT_GRACE_MS,
            ),
          ),
      ),
    );
    if (instancesUnreportedFor > 0) return { requeueAfterMs: instancesUnreportedFor };
    // An instance that has just reported its binding made, which this cache has not seen yet (the watches of
    // two kinds are not in step under load): "not deployed" now would be rewritten as soon as it arrives.
    // Instance kind k makes bindings of BINDING_REFS[k], named like the instance.
    const ahead = instances.some((of, k) => {
      const made = bindingsByKind[k] ?? [];
      return of.some((i) => bindingNotSeenYet(i, new Set(made.map((b) => b.metadata.name))));
    });
    if (ahead) return { requeueAfterMs: ROLLUP_DELAY_MS };
    const entries = bindings.map(environmentEntry);
    const pipeline = project
      ? pipelines().getByName(project.spec.deploymentPipelineRef ?? '', req.namespace)
      : undefined;
    const sorted = sortEntries(entries, pipelineEnvironments(pipeline?.spec));
    await writeStatus(
      ctx,
      FIELD_MANAGER,
      REF.Component,
      c,
      componentRollup(componentReadiness(c, project), sorted, {
        type: c.spec.type,
        legacyDeployments: legacyDeploymentsOf(c).length,
      }),
      { environments: sorted.length > 0 ? sorted : undefined },
    );
    return undefined;
  }

  return {
    name: 'component',
    for: REF.Component,
    watches: [
      {
        ref: REF.Project,
        map: (p) => {
          const ns = p.metadata?.namespace;
          if (!ns) return [];
          return components()
            .indexed(BY_PROJECT, inNamespace(ns, p.metadata?.name ?? ''))
            .map((c) => `${ns}/${c.metadata?.name}`);
        },
      },
      {
        ref: REF.Deployment,
        map: (d) => {
          const ns = d.metadata?.namespace;
          const label = d.metadata?.labels?.[Labels.component];
          if (!ns || !label) return [];
          return components()
            .indexed(BY_LOGICAL_NAME, inNamespace(ns, label))
            .map((c) => `${ns}/${c.metadata.name}`);
        },
      },
      // The roll-up follows its bindings a moment later: the steps of a binding going live (created, Release
      // written, objects applied) then cost the component one status write instead of one each. An instance's
      // first report (its binding made, or why not) ends the wait for it in the reconcile.
      ...[...INSTANCE_REFS, ...BINDING_REFS].map((ref) => ({
        ref,
        // `namespace/component`: the component's key.
        map: (o: KubeObject) => BY_COMPONENT.values(o),
        delayMs: ROLLUP_DELAY_MS,
      })),
    ],
    reads: [REF.DeploymentPipeline],
    // A new component is usually followed within the second by its instance and binding: one status
    // write for all of it instead of "ready" (no bindings yet), then "pending", then "progressing".
    delayMs: ROLLUP_DELAY_MS,
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
