/** Pure parts of the instance controllers: the first environment of a pipeline and the desired binding. */
import { API_VERSION } from '../../api/kinds-meta.js';
import { hierarchyLabels } from '../../api/labels.js';
import type { KubeObject } from '../../kube/client.js';
import type { StoredBinding } from '../binding/core.js';
import { sameJson } from '../binding/logic.js';
import { type PipelineSpec, pipelineEnvironments } from '../deploymentpipeline/graph.js';
import { stampOf } from '../promotion/stamp.js';
import { controllerRef, hasLabels } from '../shared.js';

/**
 * On a binding an instance controls: the Workload version (`uid/generation`) its workloadSpec was last taken
 * from. A rollback of the first environment holds while this is still the Workload's version.
 */
export const WORKLOAD_SYNC_ANNOTATION = 'openchoreo.dev/workload-synced';

/**
 * On a binding an instance controls: the uid of the Component it was made for. The instance's link to its
 * component, kept on the object the instance writes anyway instead of an ownerReference written onto the
 * user's own object (one write per component less).
 */
export const COMPONENT_UID_ANNOTATION = 'openchoreo.dev/component-uid';

/**
 * The component an instance was deployed for is gone (deleted, or deleted and created again): its binding,
 * controlled by this instance, names a component uid that is no longer the component's. Then the instance goes
 * too, as a dependent of the component would under garbage collection. An instance that never had a binding
 * (its component never seen) waits for its component instead.
 */
export function componentGone(
  instance: KubeObject,
  component: KubeObject | undefined,
  binding: KubeObject | undefined,
): boolean {
  const madeFor = binding?.metadata?.annotations?.[COMPONENT_UID_ANNOTATION];
  if (!madeFor || component?.metadata?.uid === madeFor) return false;
  const uid = instance.metadata?.uid;
  return !!uid && (binding?.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid);
}

/** A Workload's version as the sync annotation records it (a recreated Workload is a new version too). */
export function workloadVersion(workload: KubeObject): string {
  return `${workload.metadata?.uid ?? ''}/${workload.metadata?.generation ?? 0}`;
}

/**
 * The workload an instance writes to its binding: the Workload's template, except while the binding holds a
 * promotion or rollback (its stamp still matches its workload) written after this Workload version was synced.
 * Then the binding keeps its workload until the next deliberate change: a new Workload generation (an edit, a
 * build) or another promotion. A hand edit of the binding (no valid stamp) is still put back.
 */
export function workloadToWrite(
  live: StoredBinding | undefined,
  template: Record<string, unknown>,
  version: string,
): Record<string, unknown> {
  const held =
    live !== undefined &&
    live.metadata.annotations?.[WORKLOAD_SYNC_ANNOTATION] === version &&
    stampOf(live) !== undefined;
  const liveWorkload = live && 'workloadSpec' in live.spec ? live.spec.workloadSpec : undefined;
  return held && liveWorkload ? liveWorkload : template;
}

/**
 * Where a component is deployed first: the first source (in order of appearance) that is never a target.
 * Undefined for a pipeline without paths, or one whose every source is also a target (a cycle).
 */
export function firstEnvironment(spec: PipelineSpec | undefined): string | undefined {
  const paths = spec?.promotionPaths ?? [];
  const targets = new Set(paths.flatMap((p) => p.targetEnvironmentRefs.map((t) => t.name)));
  return pipelineEnvironments(spec).find(
    (e) => !targets.has(e) && paths.some((p) => p.sourceEnvironmentRef === e),
  );
}

export interface DesiredBindingInput {
  instance: KubeObject;
  bindingKind: string;
  environment: string;
  /** `environment` for the workload bindings, `environmentName` for APIBinding. */
  environmentField?: 'environment' | 'environmentName';
  owner: { projectName: string; componentName: string };
  /** The spec fields besides the environment (owner, className, workloadSpec, apis/overrides, …). */
  spec: Record<string, unknown>;
  /** Annotations the instance owns on the binding (the Workload version synced). */
  annotations?: Record<string, string>;
}

/**
 * The binding an instance wants for an environment: named like the instance, labelled with the hierarchy,
 * controlled by the instance. `releaseState` is not part of it, so whatever is set stays.
 */
export function desiredBinding(input: DesiredBindingInput): KubeObject {
  const { instance, owner } = input;
  const ns = instance.metadata?.namespace ?? '';
  return {
    apiVersion: API_VERSION,
    kind: input.bindingKind,
    metadata: {
      name: instance.metadata?.name ?? '',
      namespace: ns,
      labels: {
        ...(instance.metadata?.labels ?? {}),
        ...hierarchyLabels({
          organization: ns,
          project: owner.projectName,
          component: owner.componentName,
          environment: input.environment,
        }),
      },
      ...(input.annotations ? { annotations: input.annotations } : {}),
      ownerReferences: [controllerRef(instance)],
    },
    spec: { ...input.spec, [input.environmentField ?? 'environment']: input.environment },
  };
}

/** The cached binding already has the desired labels, controller reference and spec fields. */
export function bindingUpToDate(live: KubeObject | undefined, desired: KubeObject): boolean {
  if (!live) return false;
  const uid = desired.metadata?.ownerReferences?.[0]?.uid;
  const liveSpec = (live.spec ?? {}) as Record<string, unknown>;
  return (
    hasLabels(live.metadata?.labels, desired.metadata?.labels ?? {}) &&
    hasLabels(live.metadata?.annotations, desired.metadata?.annotations ?? {}) &&
    (live.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller) &&
    Object.entries((desired.spec ?? {}) as Record<string, unknown>).every(([k, v]) =>
      sameJson(liveSpec[k], v),
    )
  );
}

/** The workload's template part: its spec without the owner. */
export function workloadTemplate(workload: KubeObject): Record<string, unknown> {
  const { owner: _owner, ...rest } = (workload.spec ?? {}) as Record<string, unknown>;
  return rest;
}
