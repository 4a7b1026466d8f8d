/**
 * The Release engine: the one code path that writes to data planes. One per manager, shared by the Release
 * controller (a Release object) and the project controller (a project's cells, applied in-process as a Release
 * that is never stored: see project/index.ts); both give it a Release-shaped unit — ownership uid, cell, objects —
 * and it applies, prunes, reports health and cleans up, all with the field manager `release-controller`.
 *
 * - Every object is server-side applied (force) with the ownership labels and an `openchoreo.dev/applied-hash`
 *   annotation, in a stable order (namespaces, config, workloads, services, routes, policies). Namespaces are
 *   created when absent and never deleted. A failing object does not stop the others: every failure is named.
 * - No write for an object already as desired: the live object (from the plane's informer cache, see live.ts)
 *   carries the same hash, and — while this process has seen it — its generation (or resourceVersion, for kinds
 *   without one) is still the one our last apply returned, so changes by others are re-applied over.
 * - Inventory: objects labelled with the unit's uid, from per-plane informers whose events queue the unit's owner
 *   (the Release, or the Project of a cell); cleanup lists afresh. Stale objects — id gone, or the id now names
 *   another object — are deleted, only when the inventory recorded them (same uid) and they are in the cell.
 */
import { Labels } from '../../api/labels.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { apiVersionOf, type ResourceInfo } from '../../kube/discovery.js';
import { isAlreadyExists, isForbidden, isNotFound, UnknownResourceError } from '../../kube/errors.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { type PlaneClients, type PlaneObject, planeKey } from '../planes.js';
import { nowRfc3339 } from '../runtime/conditions.js';
import type { Manager } from '../runtime/manager.js';
import { TokenBucket } from '../runtime/queue.js';
import { isDeleting, RELEASE_CONTROLLER, type ReadyInput } from '../shared.js';
import { type Health, healthOf, healthReadiness, needsAttention, unschedulableMessage } from './health.js';
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
  type ResourceStatus,
  releaseSelector,
  resourceStatuses,
  type StoredRelease,
  staleObjects,
  targetNamespaces,
  WELL_KNOWN_KINDS,
} from './plan.js';

export const FIELD_MANAGER = 'release-controller';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * What makes a re-apply necessary when the hash matches: someone else changed (or replaced) the object. It
 * starts with the object's uid: prune also reads it to know an object as the very one this engine applied.
 */
function marker(obj: KubeObject): string {
  const g = obj.metadata?.generation;
  return `${obj.metadata?.uid ?? ''}/${g !== undefined ? `g${g}` : `rv${obj.metadata?.resourceVersion ?? ''}`}`;
}

/** The memo says this engine applied this very object (same uid), whatever the recorded inventory says. */
function appliedHere(memo: string | undefined, obj: KubeObject): boolean {
  const uid = obj.metadata?.uid;
  return memo !== undefined && uid !== undefined && memo.startsWith(`${uid}/`);
}

interface Inventory {
  live: KubeObject[];
  infos: Map<string, ResourceInfo>;
  failures: Failure[];
}

/**
 * When a Deployment's pods are checked while its spec (generation) does not change: 30 s after the engine first
 * saw it not available (the scheduler marks a pod it cannot place within seconds, and most rollouts are done by
 * then: they list nothing), then twice as long after each check, up to 5 minutes.
 */
const SCHEDULING_CHECK_MS = 30_000;
const SCHEDULING_CHECK_MAX_MS = 300_000;
const schedulingChecks = new Map<
  string,
  { generation: number; at: number; n: number; why: string | undefined }
>();

/**
 * Pod lists the scheduling check may send a data plane: 2 a second, 20 at once. Each is a label-selected list
 * that the apiserver answers by scanning every pod of the namespace, so without a bound n Deployments stuck
 * unavailable in one cell (a cell out of capacity; every Deployment of a bench:scale run, which has no kubelet)
 * cost it n lists of the cell's pods per backoff period: at 5,000 the rechecks (~48 lists a second, each
 * scanning the ~2,000 pods of the cell) kept kube-apiserver at a full core and the release queue ~4,000 keys
 * deep, its passes waiting on the lists. A check that finds no token waits for a later pass (the progressing
 * requeue brings one within seconds), so a few stuck Deployments are still checked on the backoff, and many at
 * this rate.
 */
const SCHEDULING_CHECKS_PER_S = 2;
const SCHEDULING_CHECK_BURST = 20;
const schedulingCheckBudget = new WeakMap<KubeClient, TokenBucket>();

function schedulingCheckAllowed(client: KubeClient): boolean {
  let bucket = schedulingCheckBudget.get(client);
  if (!bucket) {
    bucket = new TokenBucket(SCHEDULING_CHECKS_PER_S, SCHEDULING_CHECK_BURST);
    schedulingCheckBudget.set(client, bucket);
  }
  return bucket.tryTake();
}

/**
 * The engine deleted `obj` (pruned, or its Release went): its check entry goes with it. A Deployment deleted by
 * someone else leaves its entry until the map's cap clears it (the engine creates it again under a new uid).
 */
function forgetSchedulingCheck(obj: KubeObject): void {
  if (obj.kind === 'Deployment' && obj.metadata?.uid) schedulingChecks.delete(obj.metadata.uid);
}

/** How long after the last check (or, for n = 0, after first sight) check n + 1 of one generation is due. */
export function schedulingCheckAfterMs(n: number): number {
  return Math.min(SCHEDULING_CHECK_MS * 2 ** Math.min(n, 8), SCHEDULING_CHECK_MAX_MS);
}

/**
 * A Release whose Deployments wait for pods the scheduler cannot place says so, naming the object and quoting
 * the scheduler (`Deployment shop-dev/web: pod web-x: 0/3 nodes are available: 3 Insufficient cpu.`). Costs a
 * pod list per Deployment still not available 30 s after the engine saw it so, and again only on the
 * schedulingCheckAfterMs backoff while the Deployment's spec is unchanged (its status steps do not count): a
 * label-selected list scans every pod of the namespace in the apiserver, so thousands of Deployments stuck
 * progressing in one cell, each listed every 30 s, cost it O(n²) (measured: 133,506 lists over a
 * 5,000-component bench:scale run); and at most SCHEDULING_CHECKS_PER_S lists a second per data plane.
 */
async function withSchedulingProblems(
  client: KubeClient,
  ready: ReadyInput,
  live: Iterable<KubeObject>,
): Promise<ReadyInput> {
  const problems: string[] = [];
  for (const obj of live) {
    if (obj.kind !== 'Deployment') continue;
    const key = obj.metadata?.uid ?? '';
    if (ready.status === 'True' || healthOf(obj) === 'Healthy') {
      schedulingChecks.delete(key);
      continue;
    }
    const generation = obj.metadata?.generation ?? 0;
    const memo = schedulingChecks.get(key);
    if (memo?.generation !== generation) {
      if (schedulingChecks.size >= 50_000) schedulingChecks.clear();
      schedulingChecks.set(key, { generation, at: Date.now(), n: 0, why: undefined });
      continue;
    }
    if (Date.now() - memo.at < schedulingCheckAfterMs(memo.n)) {
      if (memo.why) problems.push(memo.why);
      continue;
    }
    const labels = ((obj.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> } }).selector
      ?.matchLabels;
    if (!labels || Object.keys(labels).length === 0) continue;
    if (!schedulingCheckAllowed(client)) {
      if (memo.why) problems.push(memo.why);
      continue;
    }
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
      schedulingChecks.set(key, { generation, at: Date.now(), n: memo.n + 1, why });
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

/** What one pass of the engine found: Ready, status.resources, and whether anything needs another look soon. */
export interface PassResult {
  ready: ReadyInput;
  resources: ResourceStatus[];
  /** A failure, or an object not yet healthy: look again at the progressing interval. */
  attention: boolean;
  healths: Health[];
}

export interface PassOptions {
  /** The data plane's client and identity. */
  client: KubeClient;
  dp: PlaneObject;
  /** status.resources of the last pass: what prune may delete (undefined: prune nothing recorded). */
  recorded: readonly ResourceStatus[] | undefined;
  /** Also take inventory of the well-known kinds the plane serves (the last pass is not known complete). */
  safetyNet: boolean;
  /** Objects of the unit too broken to apply (desiredObjects' failures): reported with the apply failures. */
  failures?: readonly Failure[];
  /** `release ns/name`, for log lines. */
  where: string;
  log: (m: string) => void;
}

export class ReleaseEngine {
  /** plane|uid|identity → marker of the object as our last apply returned it. */
  private readonly applied = new Map<string, string>();
  /** What we applied, per plane, from informers whose events queue the owner. */
  private readonly live: LiveObjects;
  /** uid → the controller and key its objects' events queue (a cell's Project), beside the Release default. */
  private readonly owners = new Map<string, { controller: string; key: string }>();
  /**
   * Namespaces known to exist, per plane: every Release of a cell shares one, so one read per plane and
   * namespace, not one per pass. An apply that finds its namespace gone drops it from here (the retry creates it).
   */
  private readonly knownNamespaces = new Map<string, Set<string>>();

  constructor(
    manager: Pick<Manager, 'enqueue'>,
    log: (m: string) => void,
    planes?: Pick<PlaneClients, 'onDrop'>,
  ) {
    this.live = new LiveObjects((key, uid) => {
      const owner = this.owners.get(uid);
      if (owner) manager.enqueue(owner.controller, owner.key);
      else manager.enqueue(RELEASE_CONTROLLER, key);
    }, log);
    planes?.onDrop((key) => this.planeDropped(key));
  }

  /** Events of the objects applied for `uid` queue `key` of `controller` (instead of the Release of that name). */
  route(uid: string, controller: string, key: string): void {
    if (this.owners.size >= 100_000) this.owners.clear();
    this.owners.set(uid, { controller, key });
  }

  stop(): Promise<void> {
    return this.live.stop();
  }

  /**
   * The plane's client was dropped (its credentials changed, or it went): stop the watches made with it now.
   * Until the next pass they would go on with the old credentials, retrying forever if those were revoked.
   */
  planeDropped(key: string): void {
    void this.live.stop(key);
  }

  /** Whether the plane holds objects of `uid`, as far as the engine's watches of it have seen (no request). */
  holds(dp: PlaneObject, uid: string): boolean {
    return this.live.holds(planeKey(dp), uid);
  }

  private memoKey(dp: PlaneObject, uid: string, identity: string): string {
    return `${planeKey(dp)}|${uid}|${identity}`;
  }

  private forget(dp: PlaneObject, uid: string): void {
    const prefix = `${planeKey(dp)}|${uid}|`;
    for (const k of [...this.applied.keys()]) if (k.startsWith(prefix)) this.applied.delete(k);
  }

  /** The well-known kinds the plane serves (cached discovery: no request per pass). */
  async servedWellKnown(client: KubeClient): Promise<Gvk[]> {
    const served = await client.discovery.resources();
    return WELL_KNOWN_KINDS.filter((w) =>
      served.some((r) => r.group === w.group && r.version === w.version && r.kind === w.kind),
    );
  }

  /**
   * Live objects of the unit, over `kinds` (kinds the plane does not serve are skipped). The well-known
   * kinds that are not in `must` are a best-effort net: being forbidden to list them is logged, not a failure
   * (a least-privilege controller need not be allowed every kind it never applies).
   */
  private async inventory(
    client: KubeClient,
    uid: string,
    kinds: readonly Gvk[],
    must: readonly Gvk[],
    where: string,
    log: (m: string) => void,
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
              ? await this.live.list(fromCache, client, info, uid)
              : (await client.listAll(info, { labelSelector: releaseSelector(uid) })).items;
          for (const o of items) {
            inv.live.push({ ...o, apiVersion: apiVersionOf(info.group, info.version), kind: info.kind });
          }
        } catch (e) {
          if (isForbidden(e) && !required.has(`${k.group}/${k.kind}`)) {
            log(`${where}: not allowed to list ${k.kind} in the data plane: skipped (${errorText(e)})`);
            return;
          }
          inv.failures.push({ what: `list ${k.kind}`, message: errorText(e) });
        }
      }),
    );
    return inv;
  }

  private infoOf(inv: Inventory, obj: KubeObject): ResourceInfo | undefined {
    for (const info of inv.infos.values()) {
      if (apiVersionOf(info.group, info.version) === obj.apiVersion && info.kind === obj.kind) return info;
    }
    return undefined;
  }

  private namespacesOf(dp: PlaneObject): Set<string> {
    let set = this.knownNamespaces.get(planeKey(dp));
    if (!set) {
      set = new Set();
      this.knownNamespaces.set(planeKey(dp), set);
    }
    return set;
  }

  /** Create the namespaces that do not exist yet (reads first: no write when they are there). */
  private async ensureNamespaces(
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

  /**
   * One pass over a legitimate, confined unit (the caller checked its owner and its violations): apply what
   * differs, prune what is stale, and report Ready and status.resources from the live objects.
   */
  async sync(release: StoredRelease, desired: readonly Desired[], o: PassOptions): Promise<PassResult> {
    const { client, dp } = o;
    const uid = release.metadata?.uid ?? '';
    const cell = cellOf(release);
    const applyFailures: Failure[] = [...(o.failures ?? [])];
    const pruneFailures: Failure[] = [];
    const wellKnown = o.safetyNet ? await this.servedWellKnown(client) : [];
    const inv = await this.inventory(
      client,
      uid,
      inventoryKinds(desired, o.recorded ?? [], wellKnown),
      inventoryKinds(desired, o.recorded ?? []),
      o.where,
      o.log,
      planeKey(dp),
    );
    pruneFailures.push(...inv.failures);
    const live = new Map(inv.live.map((x) => [liveIdentity(x), x]));

    const upToDate = (d: Desired): boolean => {
      const obj = live.get(desiredIdentity(d));
      if (!obj || isDeleting(obj) || obj.metadata?.annotations?.[APPLIED_HASH] !== d.hash) return false;
      const seen = this.applied.get(this.memoKey(dp, uid, desiredIdentity(d)));
      return seen === undefined || seen === marker(obj);
    };
    const toApply = applyOrder(desired).filter((d) => !upToDate(d));
    const known = this.namespacesOf(dp);
    // The cell's own Namespace, when this unit holds it, is applied (first) rather than created bare.
    const ownNamespaces = new Set(
      desired.filter((d) => d.kind === 'Namespace' && !d.group).map((d) => d.name),
    );
    const brokenNs = await this.ensureNamespaces(
      client,
      targetNamespaces(toApply).filter((n) => !ownNamespaces.has(n)),
      release,
      applyFailures,
      known,
    );
    // Never adopt: an object this unit did not create (another Release's, or anyone's) is left alone. Whether
    // one exists is read for every object not in the engine's cache, all at once, while the applies go on in
    // order (a new cell: its Namespace is applied while the baseline is looked for). The cell's own Namespace is
    // taken as it is (its labels are applied over): no read for it.
    const isCellNamespace = (d: Desired) => d.kind === 'Namespace' && !d.group && d.name === cell;
    const lookups = new Map<string, Promise<{ found?: KubeObject; error?: unknown }>>();
    for (const d of toApply) {
      const identity = desiredIdentity(d);
      if (live.has(identity) || isCellNamespace(d) || (d.namespace && brokenNs.has(d.namespace))) continue;
      lookups.set(
        identity,
        client
          .resolve({ apiVersion: d.object.apiVersion ?? '', kind: d.kind })
          .then((info) => client.getOrUndefined(info, d.name, d.namespace ? { namespace: d.namespace } : {}))
          .then(
            (found) => (found ? { found } : {}),
            (error: unknown) => ({ error }),
          ),
      );
    }
    for (const d of toApply) {
      if (d.namespace && brokenNs.has(d.namespace)) continue;
      try {
        const info = await client.resolve({ apiVersion: d.object.apiVersion ?? '', kind: d.kind });
        if (info.namespaced !== !!d.namespace) {
          throw new Error(`${d.kind} is ${info.namespaced ? '' : 'not '}namespaced in the data plane`);
        }
        const identity = desiredIdentity(d);
        const lookup = await lookups.get(identity);
        if (lookup?.error !== undefined) throw lookup.error;
        const existing = lookup?.found;
        const owner = existing?.metadata?.labels?.[Labels.releaseUid];
        if (existing && owner !== uid) {
          throw new Error(
            `exists${d.namespace ? ` in namespace "${d.namespace}"` : ''} and was not created by this Release${owner ? ` (it belongs to Release ${existing.metadata?.labels?.[Labels.releaseNamespace]}/${existing.metadata?.labels?.[Labels.releaseName]})` : ''}: not adopted; delete it or rename the object`,
          );
        }
        const res = await client.apply(d.object, { fieldManager: FIELD_MANAGER, force: true });
        live.set(identity, res);
        this.applied.set(this.memoKey(dp, uid, identity), marker(res));
      } catch (e) {
        if (d.namespace && isNotFound(e)) known.delete(d.namespace); // the namespace went: created again on retry
        applyFailures.push({ what: `${d.kind}/${d.name}`, message: errorText(e) });
      }
    }

    for (const x of staleObjects(inv.live, desired)) {
      const info = this.infoOf(inv, x);
      const name = x.metadata?.name ?? '';
      if (!info) continue;
      // Only what the inventory recorded (same uid), in the cell: anything else carrying our labels stays.
      // Or what this engine applied itself for this Release: a pass whose status (its inventory) was not
      // stored yet when the next spec came — an edit right after a rollout, under load — left objects out of
      // the record, and nothing would ever prune them.
      const mine = appliedHere(this.applied.get(this.memoKey(dp, uid, liveIdentity(x))), x);
      if (!mayDelete(x, release, o.recorded, !mine)) {
        o.log(`${o.where}: not pruning ${x.kind}/${name}: not in its inventory or outside its cell`);
        continue;
      }
      try {
        await client.delete(info, name, {
          ...(x.metadata?.namespace ? { namespace: x.metadata.namespace } : {}),
          ...(x.metadata?.uid ? { preconditions: { uid: x.metadata.uid } } : {}),
        });
        this.applied.delete(this.memoKey(dp, uid, liveIdentity(x)));
        forgetSchedulingCheck(x);
        o.log(`${o.where}: pruned ${x.kind}/${name}`);
      } catch (e) {
        pruneFailures.push({ what: `delete ${x.kind}/${name}`, message: errorText(e) });
      }
    }

    const resources = resourceStatuses(desired, live, o.recorded, nowRfc3339());
    const healths = resources.map((r) => r.healthStatus ?? 'Unknown') as Health[];
    const failed = applyFailures.length + pruneFailures.length > 0;
    const ready: ReadyInput = failed
      ? {
          status: 'False',
          reason: applyFailures.length ? 'ApplyFailed' : 'PruneFailed',
          message: describeFailures([...applyFailures, ...pruneFailures]),
        }
      : await withSchedulingProblems(client, healthReadiness(healths), live.values());
    return { ready, resources, attention: failed || needsAttention(healths), healths };
  }

  /**
   * Delete everything labelled with the unit's uid (in its cell, and — when recorded — the very object recorded)
   * on each plane, fresh from the planes; the number of objects still there (being deleted). Throws naming the
   * plane when a plane cannot be cleaned.
   */
  async cleanup(
    release: StoredRelease,
    planes: readonly { dp: PlaneObject; client: KubeClient }[],
    o: { where: string; log: (m: string) => void; wellKnown: boolean },
  ): Promise<number> {
    const uid = release.metadata?.uid ?? '';
    const old = release.status?.resources;
    const { desired } = desiredObjects(release, cellOf(release));
    let pending = 0;
    for (const { dp, client } of planes) {
      let here = 0;
      try {
        const kinds = inventoryKinds(
          desired,
          old ?? [],
          o.wellKnown ? await this.servedWellKnown(client) : [],
        );
        const must = inventoryKinds(desired, old ?? []);
        const inv = await this.inventory(client, uid, kinds, must, o.where, o.log);
        if (inv.failures.length > 0) throw new Error(describeFailures(inv.failures));
        for (const x of inv.live) {
          const info = this.infoOf(inv, x);
          if (!info) continue;
          if (!mayDelete(x, release, old, false)) {
            o.log(
              `${o.where}: not deleting ${x.kind}/${x.metadata?.name} in "${x.metadata?.namespace ?? ''}": outside its cell or not the object it recorded`,
            );
            continue;
          }
          const where = x.metadata?.namespace ? { namespace: x.metadata.namespace } : {};
          if (!isDeleting(x)) {
            await client.delete(info, x.metadata?.name ?? '', {
              ...where,
              ...(x.metadata?.uid ? { preconditions: { uid: x.metadata.uid } } : {}),
            });
            forgetSchedulingCheck(x);
          }
          // Most objects go at once (no finalizers, background propagation): then no second pass is needed.
          if (await client.getOrUndefined(info, x.metadata?.name ?? '', where)) here++;
        }
      } catch (e) {
        throw new Error(`DataPlane "${dp.metadata?.name}": ${errorText(e)}`);
      }
      if (here === 0) this.forget(dp, uid);
      pending += here;
    }
    return pending;
  }
}

const engines = new WeakMap<Manager, ReleaseEngine>();

/**
 * The manager's one engine (made on first use; its watches stop with the controllers that use it, and a plane's
 * watches stop when `planes` drops that plane's client).
 */
export function engineOf(
  manager: Manager,
  log: (m: string) => void,
  planes?: Pick<PlaneClients, 'onDrop'>,
): ReleaseEngine {
  let e = engines.get(manager);
  if (!e) {
    e = new ReleaseEngine(manager, log, planes);
    engines.set(manager, e);
  }
  return e;
}
