import type { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type { GVR } from '../../kube/discovery.js';
import { KUBE_REF } from '../../kube/kinds.js';
import {
  type ClusterCheck,
  checkCluster,
  PlaneCredentialsError,
  type PlaneObject,
  planeKey,
  type RequiredResource,
  secretNames,
} from '../planes.js';
import type { ControllerSpec, Request, Result, WatchSpec } from '../runtime/controller.js';
import { type ControllerContext, cache, isDeleting, writeStatus } from '../shared.js';

export interface PlaneControllerOptions {
  name: string;
  kind: 'DataPlane' | 'BuildPlane';
  ref: typeof REF.DataPlane | typeof REF.BuildPlane;
  requirements: readonly RequiredResource[];
  /** Recheck a Ready plane this often (default 60 s) and a failing one this often (default 5 s). */
  recheckMs?: number;
  retryMs?: number;
  /** Finalizer the runtime adds to every live plane and removes once onDelete returns undefined. */
  finalizer?: string;
  /** Deletion handling (with the finalizer); return a Result to wait, undefined when done. */
  onDelete?: (plane: PlaneObject) => Promise<Result | undefined>;
  extraWatches?: WatchSpec[];
  extraReads?: GVR[];
}

export async function checkPlane(
  ctx: ControllerContext,
  plane: PlaneObject,
  requirements: readonly RequiredResource[],
): Promise<ClusterCheck> {
  const what = ctx.planes.isLocal(plane)
    ? 'the control-plane cluster'
    : `cluster ${plane.spec?.kubernetesCluster?.server ?? '(from kubeconfig)'}`;
  let client: ReturnType<typeof ctx.planes.client>;
  try {
    client = ctx.planes.client(plane);
  } catch (e) {
    if (e instanceof PlaneCredentialsError) return { ok: false, reason: e.reason, message: e.message };
    throw e;
  }
  return checkCluster(client, requirements, what);
}

export function planeController(ctx: ControllerContext, opts: PlaneControllerOptions): ControllerSpec {
  const planes = () => cache(ctx.manager, opts.ref);
  const fieldManager = `${opts.name}-controller`;

  async function reconcile(req: Request): Promise<Result | undefined> {
    const plane = planes().getByName(req.name, req.namespace);
    if (!plane) {
      ctx.planes.drop(planeKey({ kind: opts.kind, metadata: { name: req.name, namespace: req.namespace } }));
      return undefined;
    }
    if (isDeleting(plane)) {
      ctx.planes.drop(planeKey(plane));
      return undefined;
    }
    const check = await checkPlane(ctx, plane, opts.requirements);
    await writeStatus(ctx, fieldManager, opts.ref, plane as KubeObject, {
      status: check.ok ? 'True' : 'False',
      reason: check.reason,
      message: check.message,
    });
    return { requeueAfterMs: check.ok ? (opts.recheckMs ?? 60_000) : (opts.retryMs ?? 5_000) };
  }

  const secretWatch: WatchSpec = {
    ref: KUBE_REF.Secret,
    map: (secret) => {
      const ns = secret.metadata?.namespace;
      const name = secret.metadata?.name ?? '';
      if (!ns) return [];
      return planes()
        .list(ns)
        .filter((p) => secretNames(p.spec?.kubernetesCluster).includes(name))
        .map((p) => `${ns}/${p.metadata?.name}`);
    },
  };

  return {
    name: opts.name,
    for: opts.ref,
    watches: [secretWatch, ...(opts.extraWatches ?? [])],
    ...(opts.extraReads ? { reads: opts.extraReads } : {}),
    reconciler: { reconcile },
    ...(opts.finalizer
      ? {
          finalizer: {
            name: opts.finalizer,
            async finalize(obj) {
              const plane = planes().getByName(obj.metadata?.name ?? '', obj.metadata?.namespace);
              if (!plane) return undefined;
              const r = opts.onDelete ? await opts.onDelete(plane) : undefined;
              if (!r) ctx.planes.drop(planeKey(plane));
              return r;
            },
          },
        }
      : {}),
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
}
