/**
 * DeploymentTrack and DeployableArtifact (legacy cell model): status only — `Available=True` with upstream's
 * reasons (`DeploymentTrackAvailable`, `DeployableArtifactAvailable`), and Ready with the same reason so
 * `get`/`describe` show them like every other kind. Upstream's cleanup finalizers (a track deleting its
 * Deployments, artifacts and Builds; an artifact deleting the Deployments that reference it) are not ported:
 * deleting a parent leaves its children, which then report what they miss (`DeploymentTrackNotFound`,
 * `ArtifactNotFound`) instead of vanishing.
 */

import { REF } from '../../api/refs.js';
import type { GVR } from '../../kube/discovery.js';
import type { Request, Result } from '../runtime/controller.js';
import { type ControllerFactory, cache, isDeleting, writeStatus } from '../shared.js';

function availableController(name: string, ref: GVR, kind: string): ControllerFactory {
  return (ctx) => {
    const fieldManager = `${name}-controller`;
    async function reconcile(req: Request): Promise<Result | undefined> {
      const o = cache(ctx.manager, ref).getByName(req.name, req.namespace);
      if (!o || isDeleting(o)) return undefined;
      const reason = `${kind}Available`;
      const message = `${kind} is available`;
      await writeStatus(ctx, fieldManager, ref, o, { status: 'True', reason, message }, {}, [
        { type: 'Available', status: 'True', reason, message },
      ]);
      return undefined;
    }
    return { name, for: ref, reconciler: { reconcile } };
  };
}

export const deploymentTrackController = availableController(
  'deploymenttrack',
  REF.DeploymentTrack,
  'DeploymentTrack',
);
export const deployableArtifactController = availableController(
  'deployableartifact',
  REF.DeployableArtifact,
  'DeployableArtifact',
);
