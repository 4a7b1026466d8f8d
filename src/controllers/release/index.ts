/**
 * Release: a stored unit of data-plane objects (reference §2.1 "Release"), applied, pruned and reported on by the
 * Release engine (engine.ts) — the one place that writes to data planes.
 *
 * - The Environment `spec.environmentName` and its DataPlane are looked up in the Release's own namespace
 *   (upstream hard-coded "default", quirk 2); Ready=False `EnvironmentNotFound` / `DataPlaneNotFound` /
 *   `DataPlaneNotReady` names them, and Environment/DataPlane events bring the Release back.
 * - Who may deploy (legitimacy.ts) and where (confinement, plan.ts) are checked before the engine is called;
 *   a violation applies and prunes nothing.
 * - The engine takes inventory over the kinds of the desired objects and of status.resources, plus the
 *   well-known kinds the data plane serves (upstream's dead safety net, quirk 3) whenever the last pass is not
 *   known to be complete (spec changed since the status was written, a failed pass, finalization).
 * - status.resources carries each object's health and a copy of its live status, not refreshed while the object is
 *   Progressing (plan.ts, resourceStatuses); status is written only when it changed.
 *   Requeue after progressingInterval while anything is not healthy/suspended, else interval (±20% jitter).
 * - Finalizer `openchoreo.dev/dataplane-cleanup` (declared: the runtime adds and removes it) deletes everything
 *   labelled with the Release's uid and waits for it to be gone; with no DataPlane left to clean, a Warning event
 *   and the finalizer goes.
 */
import type { Environment } from '../../api/kinds/platform.js';
import { Finalizers } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { environmentDataPlane } from '../dataplane/index.js';
import type { PlaneObject } from '../planes.js';
import type { Request, Result } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  BY_COMPONENT,
  BY_PROJECT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  inNamespace,
  isDeleting,
  RELEASE_CONTROLLER,
  type ReadyInput,
  readyOf,
  type Stored,
  writeStatus,
} from '../shared.js';
import { engineOf, FIELD_MANAGER } from './engine.js';
import { controllerOf, ownerProblem } from './legitimacy.js';
import { cellOf, describeFailures, desiredObjects, requeueAfter, type StoredRelease } from './plan.js';

export { FIELD_MANAGER };

const CONTROLLER_NAME = RELEASE_CONTROLLER;

/** Retry delay after a failed pass or an unreachable plane. */
const RETRY_MS = 5_000;

type Located =
  | { ok: true; env: Stored<Environment>; dp: PlaneObject }
  | { ok: false; ready: ReadyInput; retry?: boolean };

/** The Environment and DataPlane of a Release, in the Release's namespace, or why they are not usable (pure). */
export function locate(
  release: StoredRelease,
  getEnv: (name: string) => Stored<Environment> | undefined,
  getDp: (name: string) => PlaneObject | undefined,
): Located {
  const ns = release.metadata?.namespace ?? '';
  const envName = release.spec?.environmentName ?? '';
  const env = getEnv(envName);
  if (!env || isDeleting(env)) {
    return {
      ok: false,
      ready: {
        status: 'False',
        reason: 'EnvironmentNotFound',
        message: `Environment "${envName}" not found in namespace "${ns}"${env ? ' (it is being deleted)' : ''}`,
      },
    };
  }
  const dpName = environmentDataPlane(env);
  const dp = getDp(dpName);
  if (!dp || isDeleting(dp)) {
    return {
      ok: false,
      ready: {
        status: 'False',
        reason: 'DataPlaneNotFound',
        message: `DataPlane "${dpName}" of Environment "${envName}" not found in namespace "${ns}"${dp ? ' (it is being deleted)' : ''}`,
      },
    };
  }
  const dpReady = readyOf(dp);
  if (dpReady?.status !== 'True') {
    return {
      ok: false,
      ready: {
        status: 'False',
        reason: 'DataPlaneNotReady',
        message: `DataPlane "${dpName}" of Environment "${envName}" is not ready${dpReady ? `: ${dpReady.message}` : ' yet'}`,
      },
    };
  }
  return { ok: true, env, dp };
}

/** A Release whose last pass went through: project, pipeline or component events need not bring it back. */
function readyTrue(r: StoredRelease): boolean {
  return COMPLETE.has(readyOf(r)?.reason ?? '');
}

/** Ready reasons of a pass that applied and pruned everything (only health is left to report). */
const COMPLETE = new Set([
  'ResourcesHealthy',
  'ResourcesProgressing',
  'ResourcesDegraded',
  'ResourcesSuspended',
  'PodsUnschedulable',
]);

/**
 * Whether the last pass is not known to have completed for this spec — then status.resources may miss
 * something applied, and the well-known kinds are listed too.
 */
export function needsSafetyNet(release: StoredRelease): boolean {
  const ready = readyOf(release);
  return !ready || ready.observedGeneration !== release.metadata?.generation || !COMPLETE.has(ready.reason);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export const releaseController: ControllerFactory = (ctx: ControllerContext) => {
  const releases = () => cache(ctx.manager, REF.Release);
  const envs = () => cache(ctx.manager, REF.Environment);
  const dps = () => cache(ctx.manager, REF.DataPlane);
  const projects = () => cache(ctx.manager, REF.Project);
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
  const components = () => cache(ctx.manager, REF.Component);
  const engine = engineOf(ctx.manager, ctx.log, ctx.planes);

  /** Deleting: everything labelled with its uid goes from its plane(s); the runtime then removes the finalizer. */
  async function finalize(obj: KubeObject): Promise<Result | undefined> {
    const release = releases().getByName(obj.metadata?.name ?? '', obj.metadata?.namespace);
    if (!release) return undefined;
    const ns = release.metadata.namespace ?? '';
    const extra = { resources: release.status?.resources };
    const status = async (message: string, reason = 'CleanupInProgress') =>
      writeStatus(
        ctx,
        FIELD_MANAGER,
        REF.Release,
        release,
        { status: 'False', reason: 'Finalizing', message },
        extra,
        [{ type: 'Finalizing', status: 'True', reason, message }],
      );

    // The Environment's DataPlane; with the Environment gone, every DataPlane of the namespace (the uid
    // label finds exactly this Release's objects, wherever they are).
    const envName = release.spec?.environmentName ?? '';
    const env = envs().getByName(envName, ns);
    const planes = env
      ? [dps().getByName(environmentDataPlane(env), ns)].filter((d) => d !== undefined)
      : dps().list(ns);
    if (planes.length === 0) {
      await ctx.manager.events.record(
        release,
        'Warning',
        'DataPlaneGone',
        env
          ? `DataPlane "${environmentDataPlane(env)}" of Environment "${envName}" is gone: its resources cannot be cleaned up`
          : `Environment "${envName}" and every DataPlane of namespace "${ns}" are gone: resources cannot be cleaned up`,
      );
      return undefined;
    }
    let pending: number;
    try {
      const withClients = planes.map((dp) => {
        try {
          return { dp, client: ctx.planes.client(dp, { allowStale: true }) };
        } catch (e) {
          throw new Error(`DataPlane "${dp.metadata?.name}": ${errorText(e)}`);
        }
      });
      pending = await engine.cleanup(release, withClients, {
        where: `release ${ns}/${release.metadata.name}`,
        log: ctx.log,
        wellKnown: true,
      });
    } catch (e) {
      await status(errorText(e), 'CleanupFailed');
      throw e;
    }
    // Status is written only while something is left to wait for (a one-pass cleanup writes none).
    if (pending > 0) {
      await status(`Cleaning up dataplane resources: waiting for ${pending} object(s) to be deleted`);
      return { requeueAfterMs: 1_000 };
    }
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const release = releases().getByName(req.name, req.namespace);
    if (!release) return undefined;
    // Deleting: the declared finalizer's work (the runtime calls finalize, not reconcile).
    if (isDeleting(release)) return undefined;

    const ns = req.namespace ?? '';
    const old = release.status?.resources;
    const loc = locate(
      release,
      (n) => envs().getByName(n, ns),
      (n) => dps().getByName(n, ns),
    );
    if (!loc.ok) {
      // Environment and DataPlane events bring us back.
      await writeStatus(ctx, FIELD_MANAGER, REF.Release, release, loc.ready, { resources: old });
      return undefined;
    }
    const dp = loc.dp;
    // Who may deploy here: the project exists, the environment is on its pipeline, the component is the
    // project's (or the Release is the project's own cell). Otherwise nothing is applied (or pruned).
    const owner = release.spec?.owner;
    const controller = controllerOf(release);
    const illegitimate = ownerProblem(
      {
        organization: ns,
        projectName: owner?.projectName ?? '',
        ...(owner?.componentName ? { componentName: owner.componentName } : {}),
        environment: release.spec?.environmentName ?? '',
        ...(controller ? { controller } : {}),
      },
      {
        project: (n) => projects().getByName(n, ns),
        pipeline: (n) => pipelines().getByName(n, ns),
        component: (n) => components().getByName(n, ns),
      },
    );
    if (illegitimate) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Release, release, illegitimate, { resources: old });
      return undefined;
    }
    // Confinement: every object in the cell, of an allowed kind; one violation and nothing is applied.
    const cell = cellOf(release);
    const { desired, failures: applyFailures, violations } = desiredObjects(release, cell);
    if (violations.length > 0) {
      await writeStatus(
        ctx,
        FIELD_MANAGER,
        REF.Release,
        release,
        {
          status: 'False',
          reason: 'ResourceNotAllowed',
          message: `nothing applied: ${describeFailures(violations)}`,
        },
        { resources: old },
      );
      return undefined;
    }
    let client: KubeClient;
    try {
      client = ctx.planes.client(dp);
    } catch (e) {
      await writeStatus(
        ctx,
        FIELD_MANAGER,
        REF.Release,
        release,
        {
          status: 'False',
          reason: 'DataPlaneNotReady',
          message: `DataPlane "${dp.metadata?.name}": ${errorText(e)}`,
        },
        { resources: old },
      );
      return { requeueAfterMs: RETRY_MS };
    }

    const { ready, resources, attention } = await engine.sync(release, desired, {
      client,
      dp,
      recorded: old,
      safetyNet: needsSafetyNet(release),
      failures: applyFailures,
      where: `release ${ns}/${req.name}`,
      log: ctx.log,
    });
    const after = requeueAfter(release, attention);
    // A Progressing object's copy is not refreshed (resourceStatuses), so a rollout's steps write nothing.
    await writeStatus(ctx, FIELD_MANAGER, REF.Release, release, ready, {
      resources: resources.length ? resources : undefined,
    });
    return after === undefined ? undefined : { requeueAfterMs: after };
  }

  /** Releases of a namespace whose Environment is `envName` (or any, for undefined). */
  const releasesOf = (ns: string | undefined, match: (r: StoredRelease) => boolean): string[] => {
    if (!ns) return [];
    return releases()
      .list(ns)
      .filter(match)
      .map((r) => `${ns}/${r.metadata?.name}`);
  };

  /** Releases owned (`spec.owner`) by the project or component `o`, through the cache's owner index. */
  const releasesBy = (
    idx: CacheIndex<StoredRelease>,
    o: KubeObject,
    match: (r: StoredRelease) => boolean,
  ): string[] => {
    const ns = o.metadata?.namespace;
    if (!ns) return [];
    return releases()
      .indexed(idx, inNamespace(ns, o.metadata?.name ?? ''))
      .filter(match)
      .map((r) => `${ns}/${r.metadata?.name}`);
  };

  return {
    name: CONTROLLER_NAME,
    for: REF.Release,
    watches: [
      // A Release waiting for its project, pipeline or component (ownerProblem) comes back when they appear.
      {
        ref: REF.Project,
        map: (p) => releasesBy(BY_PROJECT, p, (r) => !readyTrue(r)),
      },
      { ref: REF.DeploymentPipeline, map: (p) => releasesOf(p.metadata?.namespace, (r) => !readyTrue(r)) },
      {
        ref: REF.Component,
        map: (c) => releasesBy(BY_COMPONENT, c, (r) => !readyTrue(r)),
      },
      {
        ref: REF.Environment,
        map: (e) => releasesOf(e.metadata?.namespace, (r) => r.spec?.environmentName === e.metadata?.name),
      },
      {
        ref: REF.DataPlane,
        map: (d) => {
          const ns = d.metadata?.namespace;
          return releasesOf(ns, (r) => {
            const env = envs().getByName(r.spec?.environmentName ?? '', ns);
            return !env || environmentDataPlane(env) === d.metadata?.name;
          });
        },
      },
    ],
    reads: [KUBE_REF.Secret],
    reconciler: { reconcile },
    onStop: () => engine.stop(),
    finalizer: { name: Finalizers.release, finalize },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
