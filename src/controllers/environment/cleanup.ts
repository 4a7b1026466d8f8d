import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { PlaneCredentialsError, type PlaneObject } from '../planes.js';
import { type ControllerContext, isDeleting } from '../shared.js';

/**
 * Delete the data-plane namespaces matching `selector` and return how many still exist (0: done).
 * A DataPlane that is gone, or whose credentials vanished while it or the organization is being deleted, cannot
 * be cleaned up: that is reported as a Warning event on `owner` and counted as done, so deleting an
 * organization never hangs on a cluster it can no longer reach.
 */
export async function cleanupPlaneNamespaces(
  ctx: ControllerContext,
  owner: KubeObject,
  dp: PlaneObject | undefined,
  selector: string,
): Promise<number> {
  if (!dp) {
    await ctx.manager.events.record(
      owner,
      'Warning',
      'CleanupSkipped',
      `its DataPlane is gone: namespaces (${selector}) left in that cluster cannot be deleted`,
    );
    return 0;
  }
  let client: ReturnType<typeof ctx.planes.client>;
  try {
    client = ctx.planes.client(dp, { allowStale: true });
  } catch (e) {
    const orgNs = ctx.manager.informer(KUBE_REF.Namespace).getByName(owner.metadata?.namespace ?? '');
    if (e instanceof PlaneCredentialsError && (isDeleting(dp) || isDeleting(orgNs))) {
      await ctx.manager.events.record(
        owner,
        'Warning',
        'CleanupSkipped',
        `cannot reach DataPlane "${dp.metadata?.name}" (${e.message}): namespaces (${selector}) left in that cluster`,
      );
      return 0;
    }
    throw e;
  }
  const { items } = await client.listAll(KUBE_REF.Namespace, { labelSelector: selector });
  for (const ns of items) {
    if (!isDeleting(ns)) await client.delete(KUBE_REF.Namespace, ns.metadata?.name ?? '');
  }
  return items.length;
}
