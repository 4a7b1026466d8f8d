/**
 * Release: the one place that writes to data planes (reference §2.1 "Release").
 *
 * - The Environment `spec.environmentName` and its DataPlane are looked up in the Release's own namespace
 *   (upstream hard-coded "default", quirk 2); Ready=False `EnvironmentNotFound` / `DataPlaneNotFound` /
 *   `DataPlaneNotReady` names them, and Environment/DataPlane events bring the Release back.
 * - Every object is server-side applied (field manager `release-controller`, force) with the ownership labels
 *   and an `openchoreo.dev/applied-hash` annotation, in a stable order (namespaces, config, workloads,
 *   services, routes, policies). Namespaces are created when absent and never deleted. A failing object does
 *   not stop the others: Ready=False `ApplyFailed` names every failure.
 * - No write for an object already as desired: the live object (from the plane's informer cache, see
 *   live.ts) carries the same hash, and — while this process has seen it — its generation (or
 *   resourceVersion, for kinds without one) is still the one our last apply returned, so changes by others
 *   are re-applied over. A resync of unchanged Releases sends no write at all.
 * - Inventory: objects labelled with the Release's uid — read from per-plane informers whose events queue the
 *   owning Release (cleanup lists afresh) — over the kinds of the desired objects and of
 *   status.resources, plus the well-known kinds the data plane serves (upstream's dead safety net, quirk 3)
 *   whenever the last pass is not known to be complete (spec changed since the status was written, a failed
 *   pass, finalization). Stale objects — id gone, or the id now names another object — are deleted.
 * - status.resources carries each object's live status and health; status is written only when it changed.
 *   Requeue after progressingInterval while anything is not healthy/suspended, else interval (±20% jitter).
 * - Finalizer `openchoreo.dev/dataplane-cleanup` deletes everything labelled with the Release's uid and waits
 *   for it to be gone; with no DataPlane left to clean, a Warning event and the finalizer goes.
 */
import type { Environment } from '../../api/kinds/platform.js';
import { Finalizers, Labels } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { apiVersionOf, type ResourceInfo } from '../../kube/discovery.js';
import { isAlreadyExists, isForbidden, isNotFound, UnknownResourceError } from '../../kube/errors.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { type PlaneObject, planeKey } from '../planes.js';
import { nowRfc3339 } from '../runtime/conditions.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  addFinalizer,
  type ControllerContext,
  type ControllerFactory,
  cache,
  canonicalJson,
  isDeleting,
  type ReadyInput,
  readyOf,
  removeFinalizer,
  type Stored,
  writeStatus,
} from '../shared.js';
import { type Health, healthOf, healthReadiness, needsAttention, unschedulableMessage } from './health.js';
import { controllerOf, ownerProblem } from './legitimacy.js';
import { LiveObjects } from './live.js';
import {
  APPLIED_HASH,
  applyOrder,
  cellOf,
  type Desired,
  describeFailures,
  desiredIdentity,
  desiredObjects,
  type Failure,
  type Gvk,
  gvkKey,
  inventoryKinds,
  liveIdentity,
  mayDelete,
  namespaceFor,
  releaseSelector,
  requeueAfter,
  resourceStatuses,
  type StoredRelease,
  staleObjects,
  targetNamespaces,
  WELL_KNOWN_KINDS,
} from './plan.js';

export const FIELD_MANAGER = 'release-controller';
const CONTROLLER_NAME = 'release';

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

/** Shortest time between two status writes of a Release that only refresh its copies of live status. */
export const STATUS_REFRESH_MS = 5_000;

/**
 * The new status differs from the stored one, but only in the copies of the objects' live status (and their
 * lastObservedTime): same objects, same health, same Ready, same generation.
 */
export function onlyCopiesChanged(
  release: StoredRelease,
  ready: ReadyInput,
  resources: readonly { id: string; healthStatus?: string }[],
): boolean {
  const before = readyOf(release);
  if (
    !before ||
    before.status !== ready.status ||
    before.reason !== ready.reason ||
    before.message !== ready.message ||
    before.observedGeneration !== release.metadata?.generation
  ) {
    return false;
  }
  const old = release.status?.resources ?? [];
  return (
    canonicalJson(old) !== canonicalJson(resources) &&
    old.length === resources.length &&
    old.every((r, i) => r.id === resources[i]?.id && r.healthStatus === resources[i]?.healthStatus)
  );
}

/** How long a Deployment's pod check is reused while the Deployment itself does not change. */
const SCHEDULING_CHECK_MS = 30_000;
const schedulingChecks = new Map<string, { rv: string; at: number; why: string | undefined }>();

/**
 * A Release whose Deployments wait for pods the scheduler cannot place says so, naming the object and quoting
 * the scheduler (`Deployment shop-dev/web: pod web-x: 0/3 nodes are available: 3 Insufficient cpu.`). Costs one
 * pod list per not-yet-available Deployment, at most every SCHEDULING_CHECK_MS while the Deployment is unchanged
 * (resyncs of an unchanged Release send no list), only while the Release is not Ready.
 */
async function withSchedulingProblems(
  client: KubeClient,
  ready: ReadyInput,
  live: Iterable<KubeObject>,
): Promise<ReadyInput> {
  if (ready.status === 'True') return ready;
  const problems: string[] = [];
  for (const obj of live) {
    if (obj.kind !== 'Deployment' || healthOf(obj) === 'Healthy') continue;
    const key = obj.metadata?.uid ?? '';
    const rv = obj.metadata?.resourceVersion ?? '';
    const memo = schedulingChecks.get(key);
    if (memo && memo.rv === rv && Date.now() - memo.at < SCHEDULING_CHECK_MS) {
      if (memo.why) problems.push(memo.why);
      continue;
    }
    const labels = ((obj.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> } }).selector
      ?.matchLabels;
    if (!labels || Object.keys(labels).length === 0) continue;
    try {
      const pods = await client.list(
        { apiVersion: 'v1', kind: 'Pod' },
        {
          namespace: obj.metadata?.namespace ?? '',
          labelSelector: Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        },
      );
      const found = unschedulableMessage(pods.items);
      const why = found ? `Deployment ${obj.metadata?.namespace}/${obj.metadata?.name}: ${found}` : undefined;
      if (schedulingChecks.size >= 10_000) schedulingChecks.clear();
      schedulingChecks.set(key, { rv, at: Date.now(), why });
      if (why) problems.push(why);
    } catch {
      // Best effort: without pod read access the health summary stays the message.
    }
  }
  if (problems.length === 0) return ready;
  return {
    status: 'False',
    reason: 'PodsUnschedulable',
    message: `${problems.join('; ')} (${ready.message})`,
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What makes a re-apply necessary when the hash matches: someone else changed the object. */
function marker(obj: KubeObject): string {
  const g = obj.metadata?.generation;
  return g !== undefined ? `g${g}` : `rv${obj.metadata?.resourceVersion ?? ''}`;
}

interface Inventory {
  live: KubeObject[];
  infos: Map<string, ResourceInfo>;
  failures: Failure[];
}

export const releaseController: ControllerFactory = (ctx: ControllerContext) => {
  const releases = () => cache(ctx.manager, REF.Release);
  const envs = () => cache(ctx.manager, REF.Environment);
  const dps = () => cache(ctx.manager, REF.DataPlane);
  const projects = () => cache(ctx.manager, REF.Project);
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
  const components = () => cache(ctx.manager, REF.Component);
  /** plane|uid|identity → marker of the object as our last apply returned it. */
  const applied = new Map<string, string>();
  /** What we applied, per plane, from informers whose events queue the owning Release. */
  const live = new LiveObjects((key) => ctx.manager.enqueue(CONTROLLER_NAME, key), ctx.log);

  /** uid → when this manager last wrote the Release's status (see STATUS_REFRESH_MS). */
  const lastWrite = new Map<string, number>();

  const memoKey = (dp: PlaneObject, uid: string, identity: string) => `${planeKey(dp)}|${uid}|${identity}`;

  function forget(dp: PlaneObject, uid: string): void {
    const prefix = `${planeKey(dp)}|${uid}|`;
    for (const k of [...applied.keys()]) if (k.startsWith(prefix)) applied.delete(k);
  }

  /** The well-known kinds the plane serves (cached discovery: no request per pass). */
  async function servedWellKnown(client: KubeClient): Promise<Gvk[]> {
    const served = await client.discovery.resources();
    return WELL_KNOWN_KINDS.filter((w) =>
      served.some((r) => r.group === w.group && r.version === w.version && r.kind === w.kind),
    );
  }

  /**
   * Live objects of the Release, over `kinds` (kinds the plane does not serve are skipped). The well-known
   * kinds that are not in `must` are a best-effort net: being forbidden to list them is logged, not a failure
   * (a least-privilege controller need not be allowed every kind it never applies).
   */
  async function inventory(
    client: KubeClient,
    uid: string,
    kinds: readonly Gvk[],
    must: readonly Gvk[],
    where: string,
    /** Read from the plane's informers (a reconcile pass) instead of listing (cleanup: always fresh). */
    fromCache?: string,
  ): Promise<Inventory> {
    const inv: Inventory = { live: [], infos: new Map(), failures: [] };
    const required = new Set(must.map((k) => `${k.group}/${k.kind}`));
    await Promise.all(
      kinds.map(async (k) => {
        let info: ResourceInfo;
        try {
          info = await client.resolve({ apiVersion: apiVersionOf(k.group, k.version), kind: k.kind });
        } catch (e) {
          if (e instanceof UnknownResourceError) return; // the apply of a desired object says so
          inv.failures.push({ what: `list ${k.kind}`, message: errorText(e) });
          return;
        }
        inv.infos.set(gvkKey(k), info);
        try {
          const items =
            fromCache !== undefined
              ? await live.list(fromCache, client, info, uid)
              : (await client.listAll(info, { labelSelector: releaseSelector(uid) })).items;
          for (const o of items) {
            inv.live.push({ ...o, apiVersion: apiVersionOf(info.group, info.version), kind: info.kind });
          }
        } catch (e) {
          if (isForbidden(e) && !required.has(`${k.group}/${k.kind}`)) {
            ctx.log(`${where}: not allowed to list ${k.kind} in the data plane: skipped (${errorText(e)})`);
            return;
          }
          inv.failures.push({ what: `list ${k.kind}`, message: errorText(e) });
        }
      }),
    );
    return inv;
  }

  function infoOf(inv: Inventory, obj: KubeObject): ResourceInfo | undefined {
    for (const info of inv.infos.values()) {
      if (apiVersionOf(info.group, info.version) === obj.apiVersion && info.kind === obj.kind) return info;
    }
    return undefined;
  }

  /**
   * Namespaces known to exist, per plane: every Release of a cell shares one, so one read per plane and
   * namespace, not one per pass. An apply that finds its namespace gone drops it from here (the retry creates it).
   */
  const knownNamespaces = new Map<string, Set<string>>();
  const namespacesOf = (dp: PlaneObject) => {
    let set = knownNamespaces.get(planeKey(dp));
    if (!set) {
      set = new Set();
      knownNamespaces.set(planeKey(dp), set);
    }
    return set;
  };

  /** Create the namespaces that do not exist yet (reads first: no write when they are there). */
  async function ensureNamespaces(
    client: KubeClient,
    names: readonly string[],
    release: StoredRelease,
    failures: Failure[],
    known: Set<string>,
  ): Promise<Set<string>> {
    const broken = new Set<string>();
    for (const n of names) {
      if (known.has(n)) continue;
      try {
        if (!(await client.getOrUndefined(KUBE_REF.Namespace, n)))
          await client.create(namespaceFor(n, release));
        known.add(n);
      } catch (e) {
        if (isAlreadyExists(e)) {
          known.add(n);
          continue;
        }
        broken.add(n);
        failures.push({ what: `Namespace/${n}`, message: errorText(e) });
      }
    }
    return broken;
  }

  async function finalize(release: StoredRelease): Promise<Result | undefined> {
    if (!release.metadata?.finalizers?.includes(Finalizers.release)) return undefined;
    const ns = release.metadata.namespace ?? '';
    const uid = release.metadata.uid ?? '';
    const old = release.status?.resources;
    const extra = { resources: old };
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
      await removeFinalizer(ctx.client, REF.Release, release, Finalizers.release);
      return undefined;
    }
    let pending = 0;
    const { desired } = desiredObjects(release, cellOf(release));
    for (const dp of planes) {
      let here = 0;
      try {
        const client = ctx.planes.client(dp, { allowStale: true });
        const kinds = inventoryKinds(desired, old ?? [], await servedWellKnown(client));
        const must = inventoryKinds(desired, old ?? []);
        const inv = await inventory(client, uid, kinds, must, `release ${ns}/${release.metadata.name}`);
        if (inv.failures.length > 0) throw new Error(describeFailures(inv.failures));
        for (const o of inv.live) {
          const info = infoOf(inv, o);
          if (!info) continue;
          if (!mayDelete(o, release, old, false)) {
            ctx.log(
              `release ${ns}/${release.metadata.name}: not deleting ${o.kind}/${o.metadata?.name} in "${o.metadata?.namespace ?? ''}": outside its cell or not the object it recorded`,
            );
            continue;
          }
          const where = o.metadata?.namespace ? { namespace: o.metadata.namespace } : {};
          if (!isDeleting(o)) {
            await client.delete(info, o.metadata?.name ?? '', {
              ...where,
              ...(o.metadata?.uid ? { preconditions: { uid: o.metadata.uid } } : {}),
            });
          }
          // Most objects go at once (no finalizers, background propagation): then no second pass is needed.
          if (await client.getOrUndefined(info, o.metadata?.name ?? '', where)) here++;
        }
      } catch (e) {
        const message = `DataPlane "${dp.metadata?.name}": ${errorText(e)}`;
        await status(message, 'CleanupFailed');
        throw new Error(message);
      }
      if (here === 0) forget(dp, uid);
      pending += here;
    }
    // Status is written only while something is left to wait for (a one-pass cleanup writes none).
    if (pending > 0) {
      await status(`Cleaning up dataplane resources: waiting for ${pending} object(s) to be deleted`);
      return { requeueAfterMs: 1_000 };
    }
    await removeFinalizer(ctx.client, REF.Release, release, Finalizers.release);
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const release = releases().getByName(req.name, req.namespace);
    if (!release) return undefined;
    if (isDeleting(release)) return finalize(release);
    // Bindings create their Releases with the finalizer; one created without it gets it before anything is
    // applied (the pass goes on: what follows does not depend on the stored metadata).
    await addFinalizer(ctx.client, REF.Release, release, Finalizers.release);

    const ns = req.namespace ?? '';
    const uid = release.metadata?.uid ?? '';
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

    const pruneFailures: Failure[] = [];
    const wellKnown = needsSafetyNet(release) ? await servedWellKnown(client) : [];
    const inv = await inventory(
      client,
      uid,
      inventoryKinds(desired, old ?? [], wellKnown),
      inventoryKinds(desired, old ?? []),
      `release ${ns}/${req.name}`,
      planeKey(dp),
    );
    pruneFailures.push(...inv.failures);
    const live = new Map(inv.live.map((o) => [liveIdentity(o), o]));

    const upToDate = (d: Desired): boolean => {
      const obj = live.get(desiredIdentity(d));
      if (!obj || isDeleting(obj) || obj.metadata?.annotations?.[APPLIED_HASH] !== d.hash) return false;
      const seen = applied.get(memoKey(dp, uid, desiredIdentity(d)));
      return seen === undefined || seen === marker(obj);
    };
    const toApply = applyOrder(desired).filter((d) => !upToDate(d));
    const known = namespacesOf(dp);
    // The cell's own Namespace, when this Release holds it, is applied (first) rather than created bare.
    const ownNamespaces = new Set(
      desired.filter((d) => d.kind === 'Namespace' && !d.group).map((d) => d.name),
    );
    const brokenNs = await ensureNamespaces(
      client,
      targetNamespaces(toApply).filter((n) => !ownNamespaces.has(n)),
      release,
      applyFailures,
      known,
    );
    for (const d of toApply) {
      if (d.namespace && brokenNs.has(d.namespace)) continue;
      try {
        const info = await client.resolve({ apiVersion: d.object.apiVersion ?? '', kind: d.kind });
        if (info.namespaced !== !!d.namespace) {
          throw new Error(`${d.kind} is ${info.namespaced ? '' : 'not '}namespaced in the data plane`);
        }
        const identity = desiredIdentity(d);
        if (!live.has(identity)) {
          // Never adopt: an object this Release did not create (another Release's, or anyone's) is left alone.
          const where = d.namespace ? { namespace: d.namespace } : {};
          const existing = await client.getOrUndefined(info, d.name, where);
          const owner = existing?.metadata?.labels?.[Labels.releaseUid];
          if (existing && owner !== uid && !(d.kind === 'Namespace' && d.name === cell)) {
            throw new Error(
              `exists${d.namespace ? ` in namespace "${d.namespace}"` : ''} and was not created by this Release${owner ? ` (it belongs to Release ${existing.metadata?.labels?.[Labels.releaseNamespace]}/${existing.metadata?.labels?.[Labels.releaseName]})` : ''}: not adopted; delete it or rename the object`,
            );
          }
        }
        const res = await client.apply(d.object, { fieldManager: FIELD_MANAGER, force: true });
        live.set(desiredIdentity(d), res);
        applied.set(memoKey(dp, uid, desiredIdentity(d)), marker(res));
      } catch (e) {
        if (d.namespace && isNotFound(e)) known.delete(d.namespace); // the namespace went: created again on retry
        applyFailures.push({ what: `${d.kind}/${d.name}`, message: errorText(e) });
      }
    }

    for (const o of staleObjects(inv.live, desired)) {
      const info = infoOf(inv, o);
      const name = o.metadata?.name ?? '';
      if (!info) continue;
      // Only what the inventory recorded (same uid), in the cell: anything else carrying our labels stays.
      if (!mayDelete(o, release, old, true)) {
        ctx.log(
          `release ${ns}/${req.name}: not pruning ${o.kind}/${name}: not in its inventory or outside its cell`,
        );
        continue;
      }
      try {
        await client.delete(info, name, {
          ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
          ...(o.metadata?.uid ? { preconditions: { uid: o.metadata.uid } } : {}),
        });
        applied.delete(memoKey(dp, uid, liveIdentity(o)));
        ctx.log(`release ${ns}/${req.name}: pruned ${o.kind}/${name}`);
      } catch (e) {
        pruneFailures.push({ what: `delete ${o.kind}/${name}`, message: errorText(e) });
      }
    }

    const resources = resourceStatuses(desired, live, old, nowRfc3339());
    const healths = resources.map((r) => r.healthStatus ?? 'Unknown') as Health[];
    const failed = applyFailures.length + pruneFailures.length > 0;
    const ready: ReadyInput = failed
      ? {
          status: 'False',
          reason: applyFailures.length ? 'ApplyFailed' : 'PruneFailed',
          message: describeFailures([...applyFailures, ...pruneFailures]),
        }
      : await withSchedulingProblems(client, healthReadiness(healths), live.values());
    const after = requeueAfter(release, failed || needsAttention(healths));
    // Only the copies of the objects' live status moved (a Deployment's conditions while it rolls out): those
    // are written at most every STATUS_REFRESH_MS, not once per step of every rollout.
    const since = Date.now() - (lastWrite.get(uid) ?? 0);
    if (since < STATUS_REFRESH_MS && onlyCopiesChanged(release, ready, resources)) {
      const wait = STATUS_REFRESH_MS - since;
      return { requeueAfterMs: after === undefined ? wait : Math.min(after, wait) };
    }
    if (
      await writeStatus(ctx, FIELD_MANAGER, REF.Release, release, ready, {
        resources: resources.length ? resources : undefined,
      })
    ) {
      if (lastWrite.size >= 20_000) lastWrite.clear();
      lastWrite.set(uid, Date.now());
    }
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

  return {
    name: CONTROLLER_NAME,
    for: REF.Release,
    watches: [
      // A Release waiting for its project, pipeline or component (ownerProblem) comes back when they appear.
      {
        ref: REF.Project,
        map: (p) =>
          releasesOf(
            p.metadata?.namespace,
            (r) => r.spec?.owner?.projectName === p.metadata?.name && !readyTrue(r),
          ),
      },
      { ref: REF.DeploymentPipeline, map: (p) => releasesOf(p.metadata?.namespace, (r) => !readyTrue(r)) },
      {
        ref: REF.Component,
        map: (c) =>
          releasesOf(
            c.metadata?.namespace,
            (r) => r.spec?.owner?.componentName === c.metadata?.name && !readyTrue(r),
          ),
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
    onStop: () => live.stop(),
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
