/**
 * Deployment (legacy cell model, reference §2.2 "Legacy Deployment pipeline") on the new engine:
 *
 * 1. Context by labels (`openchoreo.dev/project`, `component`, `deployment-track`, `environment`; a value names
 *    the object by metadata.name or by its `openchoreo.dev/name` label): Project, Component, DeploymentTrack,
 *    Environment and its DataPlane → Ready=False `<Kind>NotFound` / `MissingLabels`.
 * 2. The DeployableArtifact `spec.deploymentArtifactRef` and its image (artifact.ts) → `ArtifactResolved`
 *    True `ArtifactResolvedSuccessfully`, or False `ArtifactNotFound` / `ArtifactBuildNotFound` /
 *    `ArtifactBuildNotReady` / `ArtifactImageNotSet` / `ArtifactSourceNotSupported`.
 * 3. Configuration groups the application refers to → `ConfigurationGroupNotFound`.
 * 4. Render through the binding renderers (artifact.ts) → `RenderFailed`; ONE Release named like the Deployment
 *    (controller ownerReference, labels as the bindings'), written only when it differs. The Release engine
 *    applies it into the project's cell of the environment.
 * 5. One Endpoint CR per endpoint template (controller ownerReference; labels = the Deployment's +
 *    `openchoreo.dev/deployment`, `openchoreo.dev/name=<template>`); Endpoints no template names are deleted.
 * 6. Ready from the Release's resource health: False `DeploymentProgressing` → True `DeploymentReady`
 *    (False `DeploymentDegraded` / `ReleaseFailed` when it goes wrong).
 * Finalizer `openchoreo.dev/data-plane-cleanup`: delete the Endpoint CRs and wait; the Release goes by garbage
 * collection and takes the data-plane objects with it (its own finalizer).
 */

import type { ConfigurationGroup } from '../../api/index.js';
import { API_VERSION } from '../../api/kinds-meta.js';
import { Annotations, Finalizers, Labels } from '../../api/labels.js';
import { dataPlaneNamespaceName, legacyNames } from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type { RenderContext, RenderResult } from '../../render/types.js';
import { RenderError } from '../../render/types.js';
import { desiredRelease, releaseFailure, writeRelease } from '../binding/core.js';
import { bindingReadiness, releaseHealths, sameJson } from '../binding/logic.js';
import { environmentDataPlane } from '../dataplane/index.js';
import type { Condition } from '../runtime/conditions.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  BY_CONTROLLER,
  BY_LOGICAL_NAME,
  type CacheView,
  type ControllerFactory,
  cache,
  controlledBy,
  controllerRef,
  hasLabels,
  inNamespace,
  isDeleting,
  keysIn,
  type ReadyInput,
  writeStatus,
} from '../shared.js';
import {
  type EndpointTemplate,
  legacyWorkloadLabels,
  mergeApplication,
  referencedGroups,
  renderLegacyDeployment,
  resolveImage,
} from './artifact.js';

export const FIELD_MANAGER = 'deployment-controller';

type ExtraCondition = { type: string; status: Condition['status']; reason: string; message: string };

/** The object a legacy label value names: by metadata.name, else by its `openchoreo.dev/name` label. */
export function byLogicalName<T extends KubeObject>(
  inf: CacheView<T>,
  ns: string,
  value: string,
): T | undefined {
  const direct = inf.getByName(value, ns);
  if (direct) return direct;
  return inf
    .indexed(BY_LOGICAL_NAME, inNamespace(ns, value))
    .find((o) => o.metadata?.labels?.[Labels.name] === value);
}

/** The Endpoint CRs of a Deployment's templates (reference §2.2 step 7). */
export function desiredEndpoints(d: KubeObject, templates: readonly EndpointTemplate[]): KubeObject[] {
  const ns = d.metadata?.namespace ?? '';
  const name = d.metadata?.name ?? '';
  const depLabel = d.metadata?.labels?.[Labels.name] ?? name;
  return templates.map((t) => {
    const annotations: Record<string, string> = {};
    const ta = (t.metadata.annotations ?? {}) as Record<string, string>;
    for (const k of [Annotations.displayName, Annotations.description])
      if (ta[k] !== undefined) annotations[k] = ta[k];
    return {
      apiVersion: API_VERSION,
      kind: 'Endpoint',
      metadata: {
        name: legacyNames.endpoint(name, t.metadata.name),
        namespace: ns,
        labels: {
          ...(d.metadata?.labels ?? {}),
          [Labels.deployment]: depLabel,
          [Labels.name]: t.metadata.name,
        },
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        ownerReferences: [controllerRef(d, 'Deployment')],
      },
      spec: t.spec,
    };
  });
}

function endpointUpToDate(live: KubeObject | undefined, want: KubeObject): boolean {
  if (!live) return false;
  return (
    hasLabels(live.metadata?.labels, want.metadata?.labels ?? {}) &&
    hasLabels(live.metadata?.annotations, want.metadata?.annotations ?? {}) &&
    (live.metadata?.ownerReferences ?? []).some(
      (r) => r.controller && r.uid === want.metadata?.ownerReferences?.[0]?.uid,
    ) &&
    sameJson(live.spec, want.spec)
  );
}

/** Ready of a legacy Deployment from its Release's health (the binding rules, upstream's reasons). */
export function deploymentReadiness(bindingReady: ReadyInput): ReadyInput {
  if (bindingReady.status === 'True')
    return {
      status: 'True',
      reason: 'DeploymentReady',
      message: `Deployment is ready: ${bindingReady.message}`,
    };
  if (bindingReady.reason === 'ResourceHealthDegraded')
    return { status: 'False', reason: 'DeploymentDegraded', message: bindingReady.message };
  return {
    status: 'False',
    reason: 'DeploymentProgressing',
    message: `Deployment is progressing: ${bindingReady.message}`,
  };
}

const REQUIRED_LABELS = [
  Labels.project,
  Labels.component,
  Labels.deploymentTrack,
  Labels.environment,
] as const;

export const deploymentController: ControllerFactory = (ctx) => {
  const deployments = () => cache(ctx.manager, REF.Deployment);
  const artifacts = () => cache(ctx.manager, REF.DeployableArtifact);
  const tracks = () => cache(ctx.manager, REF.DeploymentTrack);
  const builds = () => cache(ctx.manager, REF.Build);
  const endpoints = () => cache(ctx.manager, REF.Endpoint);
  const releases = () => cache(ctx.manager, REF.Release);
  const groups = () => cache(ctx.manager, REF.ConfigurationGroup);

  const ownedEndpoints = (d: KubeObject) =>
    endpoints()
      .indexed(BY_CONTROLLER, d.metadata?.uid ?? '')
      .filter((e) => controlledBy(e, d));

  /** Deleting: its Endpoints go first (the runtime then removes the finalizer). */
  async function finalize(d: KubeObject): Promise<Result | undefined> {
    const ns = d.metadata?.namespace ?? '';
    const left = ownedEndpoints(d);
    for (const e of left) {
      if (isDeleting(e)) continue;
      await ctx.client.delete(REF.Endpoint, e.metadata?.name ?? '', { namespace: ns }).catch(() => {});
    }
    if (left.length > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Deployment, d, {
        status: 'False',
        reason: 'DeploymentFinalizing',
        message: `Deployment is finalizing: waiting for ${left.length} Endpoint(s) to be deleted`,
      });
      return { requeueAfterMs: 5_000 };
    }
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const d = deployments().getByName(req.name, req.namespace);
    if (!d || isDeleting(d)) return undefined; // deleting: the declared finalizer's work
    const ns = req.namespace ?? '';
    const name = req.name;
    const extra: ExtraCondition[] = [];
    const status = (ready: ReadyInput) =>
      writeStatus(ctx, FIELD_MANAGER, REF.Deployment, d, ready, {}, extra);
    const fail = async (reason: string, message: string) => {
      await status({ status: 'False', reason, message });
      return undefined;
    };

    const labels = d.metadata?.labels ?? {};
    const missing = REQUIRED_LABELS.filter((k) => !labels[k]);
    if (missing.length > 0)
      return fail(
        'MissingLabels',
        `a legacy Deployment names its context by labels: set ${missing.join(', ')} (values: the project, component, deployment track and environment names)`,
      );
    const [projectName, componentName, trackName, envName] = REQUIRED_LABELS.map(
      (k) => labels[k] as string,
    ) as [string, string, string, string];
    const lookup = <T extends KubeObject>(inf: CacheView<T>, kind: string, value: string) => {
      const o = byLogicalName(inf, ns, value);
      return o && !isDeleting(o)
        ? o
        : { reason: `${kind}NotFound`, message: `${kind} "${value}" not found in namespace "${ns}"` };
    };
    const isMiss = (
      x: KubeObject | { reason: string; message: string },
    ): x is { reason: string; message: string } =>
      'reason' in x && typeof x.reason === 'string' && !('metadata' in x);
    const project = lookup(cache(ctx.manager, REF.Project), 'Project', projectName);
    if (isMiss(project)) return fail(project.reason, project.message);
    const component = lookup(cache(ctx.manager, REF.Component), 'Component', componentName);
    if (isMiss(component)) return fail(component.reason, component.message);
    const track = lookup(tracks(), 'DeploymentTrack', trackName);
    if (isMiss(track)) return fail(track.reason, track.message);
    const env = lookup(cache(ctx.manager, REF.Environment), 'Environment', envName);
    if (isMiss(env)) return fail(env.reason, env.message);
    const dpName = environmentDataPlane(env);
    const dp = cache(ctx.manager, REF.DataPlane).getByName(dpName, ns);
    if (!dp || isDeleting(dp))
      return fail('DataPlaneNotFound', `DataPlane "${dpName}" of environment "${envName}" not found`);
    // Names as the objects carry them (a label may name an object by its openchoreo.dev/name).
    const project_ = project.metadata?.name ?? projectName;
    const component_ = component.metadata?.name ?? componentName;
    const env_ = env.metadata?.name ?? envName;

    const spec = d.spec;
    const ref = spec.deploymentArtifactRef ?? '';
    const artifact = artifacts().getByName(ref, ns);
    const artifactProblem = async (reason: string, message: string) => {
      extra.push({ type: 'ArtifactResolved', status: 'False', reason, message });
      return fail(reason, message);
    };
    if (!artifact || isDeleting(artifact))
      return artifactProblem('ArtifactNotFound', `Artifact "${ref}" not found`);
    const aspec = artifact.spec;
    const buildName = aspec.targetArtifact?.fromBuildRef?.name;
    const image = resolveImage(aspec, {
      artifactName: ref,
      build: buildName ? builds().getByName(buildName, ns) : undefined,
      registryPrefix: dp.spec.registry?.prefix,
      project: project_,
      component: component_,
    });
    if (!image.ok) return artifactProblem(image.reason, image.message);
    extra.push({
      type: 'ArtifactResolved',
      status: 'True',
      reason: 'ArtifactResolvedSuccessfully',
      message: `Artifact "${ref}" resolved to image ${image.image}`,
    });

    const application = mergeApplication(
      aspec.configuration?.application,
      spec.configurationOverrides?.application,
    );
    const configurationGroups: Record<string, ConfigurationGroup> = {};
    const missingGroups: string[] = [];
    for (const g of referencedGroups(application)) {
      const obj = groups().getByName(g, ns);
      if (obj && !isDeleting(obj)) configurationGroups[g] = obj;
      else missingGroups.push(`"${g}"`);
    }
    if (missingGroups.length > 0)
      return fail(
        'ConfigurationGroupNotFound',
        `ConfigurationGroup ${missingGroups.join(', ')} not found in namespace "${ns}"`,
      );

    const templates = aspec.configuration?.endpointTemplates ?? [];
    const componentType = component.spec.type ?? '';
    let rendered: RenderResult;
    try {
      const rc: RenderContext = {
        organization: ns,
        project: project_,
        component: component_,
        environment: env,
        dataPlane: dp,
        namespace: dataPlaneNamespaceName(ns, project_, env_),
        connections: [],
        configurationGroups,
        workloadLabels: legacyWorkloadLabels(trackName, name),
      };
      rendered = renderLegacyDeployment(
        { name, componentType, image: image.image, application, endpointTemplates: templates },
        rc,
      );
    } catch (e) {
      if (e instanceof RenderError)
        return fail('RenderFailed', e.field ? `${e.field}: ${e.message}` : e.message);
      throw e;
    }

    const release = releases().getByName(name, ns);
    if (release && !controlledBy(release, d))
      return fail(
        'ReleaseConflict',
        `Release "${name}" exists and is not controlled by Deployment "${name}"`,
      );
    if (release && isDeleting(release))
      return fail('DeploymentProgressing', `waiting for the previous Release "${name}" to be deleted`);
    const owner = { projectName: project_, componentName: component_ };
    const desired = desiredRelease(d, 'Deployment', owner, env_, rendered);
    const write = await writeRelease(ctx, FIELD_MANAGER, release, desired, fail);

    // Endpoint CRs: one per template, the others pruned.
    const want = desiredEndpoints(d, templates);
    const wantNames = new Set(want.map((e) => e.metadata?.name));
    const problems: string[] = [];
    for (const e of want) {
      const live = endpoints().getByName(e.metadata?.name ?? '', ns);
      if (live && !controlledBy(live, d)) {
        problems.push(`Endpoint "${e.metadata?.name}" exists and is not controlled by this Deployment`);
        continue;
      }
      if (endpointUpToDate(live, e)) continue;
      await ctx.client.apply(e, { fieldManager: FIELD_MANAGER, force: true, namespace: ns });
    }
    for (const e of ownedEndpoints(d)) {
      if (wantNames.has(e.metadata?.name) || isDeleting(e)) continue;
      await ctx.client.delete(REF.Endpoint, e.metadata?.name ?? '', { namespace: ns }).catch(() => {});
    }
    if (problems.length > 0) return fail('EndpointReconciliationFailed', problems.join('; '));

    const ids = rendered.resources.map((r) => r.id);
    const healths = write ? ids.map(() => 'Unknown' as const) : releaseHealths(release, ids);
    const failure = write ? undefined : releaseFailure(release);
    await status(failure ?? deploymentReadiness(bindingReadiness(healths, 'Active')));
    return undefined;
  }

  const allInNamespace = (o: KubeObject) => keysIn(deployments(), o.metadata?.namespace);
  const byArtifact = (artifactName: string | undefined, ns: string | undefined) =>
    ns
      ? deployments()
          .list(ns)
          .filter((d) => d.spec.deploymentArtifactRef === artifactName)
          .map((d) => `${ns}/${d.metadata?.name}`)
      : [];
  return {
    name: 'deployment',
    for: REF.Deployment,
    owns: [REF.Release, REF.Endpoint],
    watches: [
      { ref: REF.DeployableArtifact, map: (a) => byArtifact(a.metadata?.name, a.metadata?.namespace) },
      {
        ref: REF.Build,
        map: (b) => {
          const ns = b.metadata?.namespace;
          if (!ns) return [];
          return artifacts()
            .list(ns)
            .filter((a) => a.spec.targetArtifact?.fromBuildRef?.name === b.metadata?.name)
            .flatMap((a) => byArtifact(a.metadata?.name, ns));
        },
      },
      { ref: REF.DeploymentTrack, map: allInNamespace },
      { ref: REF.Project, map: allInNamespace },
      { ref: REF.Component, map: allInNamespace },
      { ref: REF.Environment, map: allInNamespace },
      { ref: REF.DataPlane, map: allInNamespace },
      { ref: REF.ConfigurationGroup, map: allInNamespace },
    ],
    reconciler: { reconcile },
    finalizer: { name: Finalizers.deployment, finalize },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
