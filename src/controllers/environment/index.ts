/**
 * Environment: Ready when its DataPlane exists and is Ready (`DataPlaneNotFound` / `DataPlaneNotReady` naming it
 * otherwise, recovering by itself when the DataPlane appears or becomes Ready). The finalizer deletes the
 * environment's Releases (the cells' and the bindings') and waits for them to be gone: the Release engine, the one
 * writer to data planes, deletes what they applied there (the cell namespaces with everything in them).
 */
import { Finalizers } from '../../api/labels.js';
import type { KubeObject } from '../../kube/client.js';
import { B } from '../binding/refs.js';
import { environmentDataPlane } from '../dataplane/index.js';
import type { PlaneObject } from '../planes.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  addFinalizer,
  type ControllerContext,
  type ControllerFactory,
  cache,
  isDeleting,
  R,
  readyOf,
  removeFinalizer,
  writeStatus,
} from '../shared.js';

export const FIELD_MANAGER = 'environment-controller';

/** Ready of an environment given its DataPlane (pure). */
export function environmentReadiness(
  env: KubeObject,
  dp: KubeObject | undefined,
): { status: 'True' | 'False'; reason: string; message: string } {
  const name = environmentDataPlane(env);
  const implicit = !(env.spec as { dataPlaneRef?: string } | undefined)?.dataPlaneRef;
  const named = `DataPlane "${name}"${implicit ? ' (the default: spec.dataPlaneRef is not set)' : ''}`;
  if (!dp || isDeleting(dp)) {
    return {
      status: 'False',
      reason: 'DataPlaneNotFound',
      message: `${named} not found in namespace "${env.metadata?.namespace}"${dp ? ' (it is being deleted)' : ''}`,
    };
  }
  const ready = readyOf(dp);
  if (ready?.status !== 'True') {
    return {
      status: 'False',
      reason: 'DataPlaneNotReady',
      message: `${named} is not ready${ready ? `: ${ready.message}` : ' yet'}`,
    };
  }
  return { status: 'True', reason: 'EnvironmentReady', message: `running on ${named}` };
}

export const environmentController: ControllerFactory = (ctx: ControllerContext) => {
  const envs = () => cache(ctx.manager, R.environments);
  const dps = () => cache<PlaneObject>(ctx.manager, R.dataPlanes);

  async function reconcile(req: Request): Promise<Result | undefined> {
    const env = envs().getByName(req.name, req.namespace);
    if (!env) return undefined;
    const dp = dps().getByName(environmentDataPlane(env), req.namespace);

    if (isDeleting(env)) {
      if (!env.metadata?.finalizers?.includes(Finalizers.environment)) return undefined;
      const ns = req.namespace ?? '';
      const pending = cache(ctx.manager, B.releases)
        .list(ns)
        .filter((r) => (r.spec as { environmentName?: string } | undefined)?.environmentName === req.name);
      for (const r of pending) {
        if (!isDeleting(r)) await ctx.client.delete(B.releases, r.metadata?.name ?? '', { namespace: ns });
      }
      if (pending.length > 0) {
        await writeStatus(ctx, FIELD_MANAGER, R.environments, env, {
          status: 'False',
          reason: 'EnvironmentFinalizing',
          message: `waiting for ${pending.length} Release(s) of the environment to be cleaned up in its data plane`,
        });
        // Their deletion events bring us back; the requeue covers a missed one.
        return { requeueAfterMs: 5_000 };
      }
      await removeFinalizer(ctx.client, R.environments, env, Finalizers.environment);
      return undefined;
    }

    await addFinalizer(ctx.client, R.environments, env, Finalizers.environment);
    await writeStatus(ctx, FIELD_MANAGER, R.environments, env, environmentReadiness(env, dp));
    return undefined;
  }

  return {
    name: 'environment',
    for: R.environments,
    watches: [
      {
        ref: R.dataPlanes,
        map: (dp) => {
          const ns = dp.metadata?.namespace;
          if (!ns) return [];
          return envs()
            .list(ns)
            .filter((e) => environmentDataPlane(e) === dp.metadata?.name)
            .map((e) => `${ns}/${e.metadata?.name}`);
        },
      },
      // An environment being deleted waits for its Releases to go.
      {
        ref: B.releases,
        map: (r) => {
          const ns = r.metadata?.namespace;
          const envName = (r.spec as { environmentName?: string } | undefined)?.environmentName ?? '';
          return ns && isDeleting(envs().getByName(envName, ns)) ? [`${ns}/${envName}`] : [];
        },
      },
    ],
    reads: [R.secrets],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
