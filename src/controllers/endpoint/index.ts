/**
 * Endpoint (legacy cell model): an Endpoint → its gateway objects by visibility (src/render/endpoint.ts), in a
 * Release of its own named like the Endpoint (controller ownerReference) — the Release engine applies and
 * prunes them, as for every binding; there is no second applier.
 *
 * Context: the Deployment that controls the Endpoint (its ownerReference, else the `openchoreo.dev/deployment`
 * label) gives the in-cell Service (named like the Deployment's rendered Service) and the pod labels; the
 * Component (`openchoreo.dev/component`) its type, the Environment (`openchoreo.dev/environment`) and its
 * DataPlane the hosts. Ready=False names what is missing (`DeploymentNotFound`, `ComponentNotFound`,
 * `EnvironmentNotFound`, `DataPlaneNotFound`, `RenderFailed`, `EndpointProgressing`); Ready=True `EndpointReady`
 * once the Release reports its objects healthy. `status.address`: the public URL, else the organization URL,
 * else the in-cell Service URL (project visibility).
 * No finalizer: the Release goes with the Endpoint (garbage collection) and its own finalizer cleans the plane.
 */
import { Labels } from '../../api/labels.js';
import { bindingWorkloadName, dataPlaneNamespaceName } from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { renderEndpoint } from '../../render/endpoint.js';
import type { RenderContext, RenderResult } from '../../render/types.js';
import { RenderError } from '../../render/types.js';
import { desiredRelease, releaseFailure, writeRelease } from '../binding/core.js';
import { bindingReadiness, releaseHealths } from '../binding/logic.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { legacyWorkloadLabels } from '../deployment/artifact.js';
import { byLogicalName } from '../deployment/index.js';
import type { Request, Result } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  type ControllerFactory,
  cache,
  controlledBy,
  inNamespace,
  isDeleting,
  keysIn,
  type ReadyInput,
  writeStatus,
} from '../shared.js';

export const FIELD_MANAGER = 'endpoint-controller';

/** The name of the Deployment an Endpoint belongs to: its controller ownerReference, else its label. */
export function deploymentOf(e: KubeObject): string | undefined {
  const owner = (e.metadata?.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Deployment');
  return owner?.name ?? e.metadata?.labels?.[Labels.deployment];
}

/** Endpoints by `namespace/<the Deployment they belong to>` (deploymentOf). */
const BY_DEPLOYMENT: CacheIndex<KubeObject> = {
  name: 'endpoint.deployment',
  values: (e) => {
    const ns = e.metadata?.namespace;
    const d = deploymentOf(e);
    return ns && d ? [inNamespace(ns, d)] : [];
  },
};

export const endpointController: ControllerFactory = (ctx) => {
  const endpoints = () => cache(ctx.manager, REF.Endpoint);
  const releases = () => cache(ctx.manager, REF.Release);

  async function reconcile(req: Request): Promise<Result | undefined> {
    const ep = endpoints().getByName(req.name, req.namespace);
    if (!ep || isDeleting(ep)) return undefined;
    const ns = req.namespace ?? '';
    const name = req.name;
    const oldAddress = ep.status?.address;
    const status = (ready: ReadyInput, address: string | undefined) =>
      writeStatus(ctx, FIELD_MANAGER, REF.Endpoint, ep, ready, { address });
    const fail = async (reason: string, message: string) => {
      await status({ status: 'False', reason, message }, oldAddress);
      return undefined;
    };
    const labels = ep.metadata?.labels ?? {};

    const depName = deploymentOf(ep);
    const dep = depName ? byLogicalName(cache(ctx.manager, REF.Deployment), ns, depName) : undefined;
    if (!dep || isDeleting(dep))
      return fail(
        'DeploymentNotFound',
        depName
          ? `Deployment "${depName}" not found in namespace "${ns}"`
          : `the Endpoint names no Deployment (controller ownerReference or label ${Labels.deployment})`,
      );
    const dl = dep.metadata?.labels ?? {};
    const componentName = labels[Labels.component] ?? dl[Labels.component] ?? '';
    const envName = labels[Labels.environment] ?? dl[Labels.environment] ?? '';
    const projectName = labels[Labels.project] ?? dl[Labels.project] ?? '';
    const component = byLogicalName(cache(ctx.manager, REF.Component), ns, componentName);
    if (!component || isDeleting(component))
      return fail('ComponentNotFound', `Component "${componentName}" not found in namespace "${ns}"`);
    const env = byLogicalName(cache(ctx.manager, REF.Environment), ns, envName);
    if (!env || isDeleting(env))
      return fail('EnvironmentNotFound', `Environment "${envName}" not found in namespace "${ns}"`);
    const dpName = environmentDataPlane(env);
    const dp = cache(ctx.manager, REF.DataPlane).getByName(dpName, ns);
    if (!dp || isDeleting(dp))
      return fail('DataPlaneNotFound', `DataPlane "${dpName}" of environment "${envName}" not found`);
    const project = component.spec.owner?.projectName ?? projectName;
    const env_ = env.metadata?.name ?? envName;
    const component_ = component.metadata?.name ?? componentName;
    const depObjName = dep.metadata?.name ?? '';
    const track = dl[Labels.deploymentTrack] ?? '';

    let rendered: RenderResult;
    let address: string;
    try {
      const rc: RenderContext = {
        organization: ns,
        project,
        component: component_,
        environment: env,
        dataPlane: dp,
        namespace: dataPlaneNamespaceName(ns, project, env_),
        connections: [],
        configurationGroups: {},
        workloadLabels: legacyWorkloadLabels(track, depObjName),
      };
      const r = renderEndpoint(
        ep,
        {
          service: bindingWorkloadName(depObjName),
          webApplication: component.spec.type === 'WebApplication',
        },
        rc,
      );
      rendered = { resources: r.resources, endpoints: [] };
      address = r.address;
    } catch (e) {
      if (e instanceof RenderError)
        return fail('RenderFailed', e.field ? `${e.field}: ${e.message}` : e.message);
      throw e;
    }

    const release = releases().getByName(name, ns);
    if (release && !controlledBy(release, ep))
      return fail('ReleaseConflict', `Release "${name}" exists and is not controlled by Endpoint "${name}"`);
    if (release && isDeleting(release))
      return fail('EndpointProgressing', `waiting for the previous Release "${name}" to be deleted`);
    const desired = desiredRelease(
      ep,
      'Endpoint',
      { projectName: project, componentName: component_ },
      env_,
      rendered,
    );
    const write = await writeRelease(ctx, FIELD_MANAGER, release, desired, fail);
    const ids = rendered.resources.map((r) => r.id);
    const healths = write ? ids.map(() => 'Unknown' as const) : releaseHealths(release, ids);
    const failure = write ? undefined : releaseFailure(release);
    const b = failure ?? bindingReadiness(healths, 'Active');
    const ready: ReadyInput =
      b.status === 'True'
        ? { status: 'True', reason: 'EndpointReady', message: 'Endpoint is ready' }
        : b.reason === 'ReleaseFailed'
          ? b
          : {
              status: 'False',
              reason: 'EndpointProgressing',
              message: `Endpoint is progressing: ${b.message}`,
            };
    await status(ready, address);
    return undefined;
  }

  const allInNamespace = (o: KubeObject) => keysIn(endpoints(), o.metadata?.namespace);
  return {
    name: 'endpoint',
    for: REF.Endpoint,
    owns: [REF.Release],
    watches: [
      {
        ref: REF.Deployment,
        map: (d) => {
          const ns = d.metadata?.namespace;
          if (!ns) return [];
          return endpoints()
            .indexed(BY_DEPLOYMENT, inNamespace(ns, d.metadata?.name ?? ''))
            .map((e) => `${ns}/${e.metadata?.name}`);
        },
      },
      { ref: REF.Component, map: allInNamespace },
      { ref: REF.Environment, map: allInNamespace },
      { ref: REF.DataPlane, map: allInNamespace },
    ],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
