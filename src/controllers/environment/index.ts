/**
 * Environment: Ready when its DataPlane exists and is Ready (`DataPlaneNotFound` / `DataPlaneNotReady` naming it
 * otherwise, recovering by itself when the DataPlane appears or becomes Ready). The finalizer deletes the
 * environment's Releases (the bindings') and the projects' cells there, and waits for them to be gone: the
 * Release engine, the one writer to data planes, deletes what they applied (the cell namespaces with everything
 * in them).
 */
import type { Environment } from '../../api/kinds/platform.js';
import { Finalizers } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { deleteCells } from '../project/index.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  type ControllerContext,
  type ControllerFactory,
  cache,
  isDeleting,
  readyOf,
  type Stored,
  watchOf,
  writeStatus,
} from '../shared.js';

export const FIELD_MANAGER = 'environment-controller';

/** Ready of an environment given its DataPlane (pure). */
export function environmentReadiness(
  env: Pick<Stored<Environment>, 'metadata' | 'spec'>,
  dp: KubeObject | undefined,
): { status: 'True' | 'False'; reason: string; message: string } {
  const name = environmentDataPlane(env);
  const implicit = !env.spec.dataPlaneRef;
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
  const envs = () => cache(ctx.manager, REF.Environment);
  const dps = () => cache(ctx.manager, REF.DataPlane);

  /** Deleting: its Releases go first (the runtime then removes the finalizer). */
  async function finalize(obj: KubeObject): Promise<Result | undefined> {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    const env = envs().getByName(name, ns);
    if (!env) return undefined;
    let cells = 0;
    for (const p of cache(ctx.manager, REF.Project).list(ns)) cells += await deleteCells(ctx, p, [name]);
    if (cells > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Environment, env, {
        status: 'False',
        reason: 'EnvironmentFinalizing',
        message: `waiting for ${cells} object(s) of the projects' cells to be deleted in its data plane`,
      });
      return { requeueAfterMs: 1_000 };
    }
    const pending = cache(ctx.manager, REF.Release)
      .list(ns)
      .filter((r) => r.spec.environmentName === name);
    for (const r of pending) {
      if (!isDeleting(r)) await ctx.client.delete(REF.Release, r.metadata?.name ?? '', { namespace: ns });
    }
    if (pending.length > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Environment, env, {
        status: 'False',
        reason: 'EnvironmentFinalizing',
        message: `waiting for ${pending.length} Release(s) of the environment to be cleaned up in its data plane`,
      });
      // Their deletion events bring us back; the requeue covers a missed one.
      return { requeueAfterMs: 5_000 };
    }
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const env = envs().getByName(req.name, req.namespace);
    if (!env) return undefined;
    const dp = dps().getByName(environmentDataPlane(env), req.namespace);
    await writeStatus(ctx, FIELD_MANAGER, REF.Environment, env, environmentReadiness(env, dp));
    return undefined;
  }

  return {
    name: 'environment',
    for: REF.Environment,
    watches: [
      {
        ref: REF.DataPlane,
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
      watchOf(REF.Release, (r) => {
        const ns = r.metadata?.namespace;
        const envName = r.spec.environmentName;
        return ns && isDeleting(envs().getByName(envName, ns)) ? [`${ns}/${envName}`] : [];
      }),
    ],
    reads: [KUBE_REF.Secret, REF.Project],
    reconciler: { reconcile },
    finalizer: { name: Finalizers.environment, finalize },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
