/**
 * DataPlane: Ready when its cluster answers and serves what the release engine writes there (Gateway API
 * HTTPRoute/Gateway, Envoy Gateway SecurityPolicy/BackendTrafficPolicy/HTTPRouteFilter, CiliumNetworkPolicy).
 * Deleting a DataPlane deletes the Environments on it first (as upstream) and waits for them, so their
 * finalizers can still reach the cluster to remove their namespaces.
 */

import type { Environment } from '../../api/kinds/platform.js';
import { Finalizers } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import { DATA_PLANE_REQUIREMENTS, type PlaneObject } from '../planes.js';
import { type ControllerFactory, cache, isDeleting, type Stored, watchOf, writeStatus } from '../shared.js';
import { planeController } from './plane.js';

/** The DataPlane an environment runs on: `spec.dataPlaneRef`, or `default` when unset. */
export function environmentDataPlane(env: Pick<Stored<Environment>, 'spec'>): string {
  return env.spec.dataPlaneRef || 'default';
}

export const dataPlaneController: ControllerFactory = (ctx) =>
  planeController(ctx, {
    name: 'dataplane',
    kind: 'DataPlane',
    ref: REF.DataPlane,
    requirements: DATA_PLANE_REQUIREMENTS,
    finalizer: Finalizers.dataPlane,
    async onDelete(plane: PlaneObject) {
      const ns = plane.metadata?.namespace;
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
      return undefined;
    },
    extraWatches: [
      watchOf(REF.Environment, (e) =>
        e.metadata.namespace ? [`${e.metadata.namespace}/${environmentDataPlane(e)}`] : [],
      ),
    ],
  });
