/**
 * DataPlane: Ready when its cluster answers and serves what the release engine writes there (Gateway API
 * HTTPRoute/Gateway, Envoy Gateway SecurityPolicy/BackendTrafficPolicy/HTTPRouteFilter, CiliumNetworkPolicy).
 * Deleting a DataPlane deletes the Environments on it first (as upstream) and waits for them, so their
 * finalizers can still reach the cluster to remove their namespaces.
 */
import { Finalizers } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { DATA_PLANE_REQUIREMENTS, type PlaneObject } from '../planes.js';
import { type ControllerFactory, cache, isDeleting, removeFinalizer, writeStatus } from '../shared.js';
import { planeController } from './plane.js';

/** The DataPlane an environment runs on: `spec.dataPlaneRef`, or `default` when unset. */
export function environmentDataPlane(env: KubeObject): string {
  const spec = (env.spec ?? {}) as { dataPlaneRef?: string };
  return spec.dataPlaneRef || 'default';
}

export const dataPlaneController: ControllerFactory = (ctx) =>
  planeController(ctx, {
    name: 'dataplane',
    kind: 'DataPlane',
    ref: REF.DataPlane,
    requirements: DATA_PLANE_REQUIREMENTS,
    finalizer: Finalizers.dataPlane,
    async onDelete(plane: PlaneObject) {
      if (!plane.metadata?.finalizers?.includes(Finalizers.dataPlane)) return undefined;
      const ns = plane.metadata.namespace;
      const envs = cache(ctx.manager, REF.Environment)
        .list(ns)
        .filter((e) => environmentDataPlane(e) === plane.metadata?.name);
      if (envs.length > 0) {
        for (const e of envs) {
          if (!isDeleting(e))
            await ctx.client.delete(REF.Environment, e.metadata?.name ?? '', { namespace: ns });
        }
        await writeStatus(ctx, 'dataplane-controller', REF.DataPlane, plane, {
          status: 'False',
          reason: 'Deleting',
          message: `waiting for ${envs.length} environment(s) on this data plane to be deleted: ${envs.map((e) => e.metadata?.name).join(', ')}`,
        });
        return { requeueAfterMs: 10_000 };
      }
      await removeFinalizer(ctx.client, REF.DataPlane, plane, Finalizers.dataPlane);
      return undefined;
    },
    extraWatches: [
      {
        ref: REF.Environment,
        map: (e) => (e.metadata?.namespace ? [`${e.metadata.namespace}/${environmentDataPlane(e)}`] : []),
      },
    ],
  });
