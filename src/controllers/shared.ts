/**
 * What the platform and hierarchy reconcilers share: resource refs of the kinds they touch, the context a
 * controller factory receives, status writes (server-side apply of the status subresource, only when something
 * changed), and the Ready condition with its transition event.
 */
import { API_VERSION } from '../api/kinds-meta.js';
import { Labels } from '../api/labels.js';
import type { KindObject, KindRef } from '../api/refs.js';
import type { KubeClient, KubeObject, ObjectMeta } from '../kube/client.js';
import type { GVR } from '../kube/discovery.js';
import { isNotFound } from '../kube/errors.js';
import type { TypedRef } from '../kube/kinds.js';
import type { PlaneClients } from './planes.js';
import { type Condition, conditionsChanged, findCondition, setCondition } from './runtime/conditions.js';
import type { ControllerSpec, MapFunc, WatchSpec } from './runtime/controller.js';
import type { CacheIndex, Informer } from './runtime/informer.js';
import type { Manager } from './runtime/manager.js';
import { CacheLagMemo } from './runtime/memo.js';

/** A stored object: the kind's type, with the metadata the apiserver adds (uid, resourceVersion, …). */
export type Stored<T extends { metadata?: unknown }> = T & {
  metadata: ObjectMeta & NonNullable<T['metadata']>;
};

/** The objects a cache of `ref` holds: `Stored<Component>` for `REF.Component`, `T` for a `TypedRef<T>`. */
export type ObjectOf<Ref> =
  Ref extends KindRef<infer K> ? Stored<KindObject<K>> : Ref extends TypedRef<infer T> ? T : KubeObject;

export interface ControllerContext {
  manager: Manager;
  client: KubeClient;
  planes: PlaneClients;
  log: (m: string) => void;
  concurrency?: number;
}

export type ControllerFactory = (ctx: ControllerContext) => ControllerSpec;

/** The shared informer of `ref`, typed by the reference (REF.<Kind> or KUBE_REF.<Kind>). */
export function cache<Ref extends GVR>(mgr: Manager, ref: Ref): Informer<ObjectOf<Ref>> {
  return mgr.informer<ObjectOf<Ref>>(ref);
}

/** What reading a cache needs (a view: an informer of any object type is one). */
export type CacheView<T extends KubeObject = KubeObject> = Pick<
  Informer<T>,
  'get' | 'getByName' | 'list' | 'byIndex' | 'indexed'
>;

/** Objects with `spec.owner` (bindings, instances, Releases, revisions; a Component names its project only). */
export interface OwnedObject extends KubeObject {
  spec?: { owner?: { projectName?: string; componentName?: string } };
}

/** The value a namespaced index files `name` under: `namespace/name`. */
export function inNamespace(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function ownerValues(o: OwnedObject, name: string | undefined): string[] {
  const ns = o.metadata?.namespace;
  return ns && name ? [inNamespace(ns, name)] : [];
}

/** Objects by `namespace/spec.owner.projectName`. */
export const BY_PROJECT: CacheIndex<OwnedObject> = {
  name: 'spec.owner.projectName',
  values: (o) => ownerValues(o, o.spec?.owner?.projectName),
};

/** Objects by the uid of their controller ownerReference (the owner's children without a namespace scan). */
export const BY_CONTROLLER: CacheIndex<KubeObject> = {
  name: 'metadata.ownerReferences.controller',
  values: (o) => (o.metadata?.ownerReferences ?? []).filter((r) => r.controller === true).map((r) => r.uid),
};

type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/**
 * The controller ownerReference to `owner` a controller writes on what it creates: garbage collection deletes
 * the child with its owner and waits for it (blockOwnerDeletion). `kind` defaults to the owner's own (objects
 * of a list may lack it); the apiVersion to openchoreo's.
 */
export function controllerRef(owner: KubeObject, kind = owner.kind ?? ''): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? API_VERSION,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `child`'s controller ownerReference is `owner` (by uid: a recreated owner is another one). */
export function controlledBy(child: KubeObject, owner: KubeObject): boolean {
  return (child.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.uid === owner.metadata?.uid,
  );
}

/**
 * Objects by `namespace/<openchoreo.dev/name label, else metadata.name>`: the name the legacy (cell model) kinds
 * refer to each other by. A lookup by it instead of a scan of the namespace keeps a watch event O(1).
 */
export const BY_LOGICAL_NAME: CacheIndex<KubeObject> = {
  name: 'logical-name',
  values: (o) => {
    const ns = o.metadata?.namespace;
    const name = o.metadata?.labels?.[Labels.name] ?? o.metadata?.name;
    return ns && name ? [inNamespace(ns, name)] : [];
  },
};

/** Objects by `namespace/spec.owner.componentName`. */
export const BY_COMPONENT: CacheIndex<OwnedObject> = {
  name: 'spec.owner.componentName',
  values: (o) => ownerValues(o, o.spec?.owner?.componentName),
};

/**
 * A watch of `ref` whose map reads the objects as the informer of `ref` holds them (`ObjectOf<Ref>`): that
 * informer delivers nothing else, so this is the one place the runtime's untyped handler is narrowed.
 */
export function watchOf<Ref extends GVR>(
  ref: Ref,
  map: (o: ObjectOf<Ref>) => string[],
  delayMs?: number,
): WatchSpec {
  return { ref, map: map as MapFunc, ...(delayMs !== undefined ? { delayMs } : {}) };
}

/** Keys of every object of `ref` in `namespace` (for "something they all depend on changed" mappings). */
export function keysIn(inf: CacheView, namespace: string | undefined): string[] {
  if (!namespace) return [];
  return inf.list(namespace).map((o) => `${namespace}/${o.metadata?.name}`);
}

/**
 * JSON with object keys sorted at every level, so equal values compare equal whatever their key order (the
 * apiserver returns custom resources with their keys sorted, not in the order a controller wrote them).
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(value as Record<string, unknown>).sort()) {
        sorted[k] = (value as Record<string, unknown>)[k];
      }
      return sorted;
    }
    return value;
  });
}

export interface ReadyInput {
  status: Condition['status'];
  reason: string;
  message: string;
}

/** Every label of `want` is on `have`. */
export function hasLabels(have: Record<string, string> | undefined, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

/** Milliseconds left until `o` is `ms` old (by its creationTimestamp); 0 once it is, or without a timestamp. */
export function reportDueIn(o: KubeObject, ms: number, now = Date.now()): number {
  const created = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isFinite(created) ? Math.max(0, created + ms - now) : 0;
}

/** How long a new child is waited for before its parent reports it as not reporting (see reportDueIn). */
export const FIRST_REPORT_GRACE_MS = 5_000;

/**
 * How long a new object may keep its first status back while that status would only say it is on its way
 * (…Progressing): most rollouts end within it, and the object then writes one status, Ready, instead of
 * "progressing" and "ready" a moment apart. A rollout still going past it is reported as progressing then.
 * Its parents wait this long, plus FIRST_REPORT_GRACE_MS, for its first report (see firstStatusWait).
 */
export const FIRST_STATUS_GRACE_MS = 10_000;

/**
 * How long a binding waits for its new Release's first report before writing a status without it. A Release
 * with no status has not had its first pass yet (a pass writes one, whatever it finds): under a backlog the
 * engine's queue holds it for a minute (1,000 components applied at once: 30 s was not enough, and the binding
 * wrote "3/3 progressing" and then the real counts). Past it, the wait goes on while the engine is known to be
 * behind (releaseReportWait).
 */
export const RELEASE_REPORT_GRACE_MS = 60_000;

/**
 * The longest a binding keeps its first status back while the release engine of its own manager still holds
 * its Release in its queue: at 5,000 components applied at once the engine is 1-2 minutes behind, and a
 * "progressing" written at RELEASE_REPORT_GRACE_MS was rewritten with the real counts minutes later (1.8 binding
 * status writes per component). A queue that holds a Release longer than this is reported on anyway.
 */
export const RELEASE_REPORT_MAX_WAIT_MS = 10 * 60_000;

/** The name of the controller of Releases: the release engine. */
export const RELEASE_CONTROLLER = 'release';

/** The names of the instance controllers (instance/index.ts), asked by the component whether one is behind. */
export const INSTANCE_CONTROLLER = {
  Service: 'service',
  WebApplication: 'webapplication',
  ScheduledTask: 'scheduledtask',
} as const;

/** What releaseReportWait asks of a manager (a Manager, or a stand-in in a unit test). */
export type WorkLookup = Pick<Manager, 'hasWork'>;

/**
 * Milliseconds a binding should still wait for the first report of its Release `ns/name`, created (or, for a
 * binding's roll-up, its binding created) at `created`, with `grace` as the plain wait (pure but for the
 * lookup). Within the grace: what is left of it. Past it: while this manager's release engine still has the
 * Release to process (queued, delayed, or in flight), the time left until `grace` + RELEASE_REPORT_MAX_WAIT_MS
 * (the report is an event of a watched kind and brings the caller back long before: no pass in between, as a
 * binding's pass renders its objects again); when the engine runs elsewhere (or not at all), 0: nothing says it
 * is only behind, and the caller writes what it knows.
 */
export function releaseReportWait(
  mgr: WorkLookup,
  ns: string,
  name: string,
  created: KubeObject,
  grace: number,
  now = Date.now(),
): number {
  return reportWait(mgr, RELEASE_CONTROLLER, `${ns}/${name}`, created, grace, now);
}

/**
 * releaseReportWait for the key `key` of any controller of this manager: within `grace` of `created`, what is
 * left of it; past it, while `controller` here still has the key queued, delayed or in flight, up to `grace` +
 * RELEASE_REPORT_MAX_WAIT_MS; otherwise 0.
 */
export function reportWait(
  mgr: WorkLookup,
  controller: string,
  key: string,
  created: KubeObject,
  grace: number,
  now = Date.now(),
): number {
  const left = reportDueIn(created, grace, now);
  if (left > 0) return left;
  if (mgr.hasWork(controller, key) !== true) return 0;
  return reportDueIn(created, grace + RELEASE_REPORT_MAX_WAIT_MS, now);
}

/**
 * How long a component's roll-up waits for a new binding's first status: the binding waits as long for its
 * Release's first report (and keeps a "progressing" back for FIRST_STATUS_GRACE_MS), then reports. Defined
 * here with the values it is made of (a module evaluated later would leave it NaN in the bundle).
 */
export const BINDING_REPORT_GRACE_MS =
  Math.max(RELEASE_REPORT_GRACE_MS, FIRST_STATUS_GRACE_MS) + FIRST_REPORT_GRACE_MS;

/**
 * Milliseconds a new object's first status should wait, or undefined to write it now (pure): only an object
 * that has never reported, younger than FIRST_STATUS_GRACE_MS, whose status would say it is on its way (not
 * Ready, a …Progressing reason) waits — any failure, any later status and anything past the grace is written
 * at once. The caller requeues after the wait (an event of what it waits for, usually the rollout ending,
 * brings it back sooner).
 */
export function firstStatusDelay(
  reported: boolean,
  obj: KubeObject,
  ready: ReadyInput,
  now = Date.now(),
): number | undefined {
  if (reported || ready.status === 'True' || !ON_ITS_WAY.test(ready.reason)) return undefined;
  const left = reportDueIn(obj, FIRST_STATUS_GRACE_MS, now);
  return left > 0 ? left : undefined;
}

/**
 * How long a new object that has never reported keeps back a "not found" for an object it references. Objects
 * applied together (one file, one `apply`) reach the manager's caches in any order, each kind on its own watch:
 * an instance can be seen a few milliseconds before its Workload, and would write WorkloadNotFound (and record a
 * warning) only to write "synced" a moment later. The watch on the referenced kind brings it back as soon as the
 * object arrives; a reference still missing after the grace is reported then.
 */
export const REFERENCE_GRACE_MS = 5_000;

/** Milliseconds a missing reference stays unreported (see REFERENCE_GRACE_MS), or undefined to report it (pure). */
export function missingReferenceDelay(
  reported: boolean,
  obj: KubeObject,
  now = Date.now(),
): number | undefined {
  if (reported) return undefined;
  const left = reportDueIn(obj, REFERENCE_GRACE_MS, now);
  return left > 0 ? left : undefined;
}

/** missingReferenceDelay for an object of `ref`, "reported" as for firstStatusWait. */
export function missingReferenceWait(ctx: ControllerContext, ref: GVR, obj: KubeObject): number | undefined {
  const known = knownStatus(ctx.manager, statusKey(ref, obj), obj) as { conditions?: Condition[] };
  return missingReferenceDelay(findCondition(known.conditions, 'Ready') !== undefined, obj);
}

/**
 * firstStatusDelay for an object of `ref`: it has reported when the cache shows a Ready condition, or when
 * this manager wrote one the cache has not caught up with yet.
 */
export function firstStatusWait(
  ctx: ControllerContext,
  ref: GVR,
  obj: KubeObject,
  ready: ReadyInput,
): number | undefined {
  const known = knownStatus(ctx.manager, statusKey(ref, obj), obj) as { conditions?: Condition[] };
  return firstStatusDelay(findCondition(known.conditions, 'Ready') !== undefined, obj, ready);
}

/** The Ready condition of an object, or undefined. */
export function readyOf(obj: KubeObject | undefined): Condition | undefined {
  const status = obj?.status as { conditions?: Condition[] } | undefined;
  return findCondition(status?.conditions, 'Ready');
}

/**
 * What this manager last wrote to an object's status (CacheLagMemo): while the cache still shows the object as it
 * was when the status was computed, the status we wrote is the one to compare a desired status with.
 */
const STATUS_MEMO = new CacheLagMemo<Record<string, unknown>>();

function statusKey(ref: GVR, obj: KubeObject): string {
  const meta = obj.metadata ?? {};
  return `${ref.group}/${ref.resource}/${meta.namespace ?? ''}/${meta.name ?? ''}/${meta.uid ?? ''}`;
}

/** The status to compare a desired status with: the cached one, or ours when the cache has not seen it yet. */
function knownStatus(mgr: Manager, key: string, obj: KubeObject): Record<string, unknown> {
  return (
    STATUS_MEMO.get(mgr, key, obj.metadata?.resourceVersion ?? '') ??
    ((obj.status ?? {}) as Record<string, unknown>)
  );
}

/**
 * What this manager last applied to an object (a child it keeps in a desired shape; CacheLagMemo). A reconcile
 * queued by another event a few milliseconds after an apply (the instance's Workload arriving after its Service)
 * still finds the child absent or as it was, and would apply the same object again. Trusted for
 * `APPLIED_MEMO_MS` at most: a child created and deleted by someone else before the cache saw either looks,
 * afterwards, like "not seen yet"; a caller that relied on the memo looks again then.
 */
export const APPLIED_MEMO_MS = 10_000;
const APPLIED_MEMO = new CacheLagMemo<KubeObject>({ maxAgeMs: APPLIED_MEMO_MS });

function appliedKey(ref: GVR, namespace: string | undefined, name: string): string {
  return `${ref.group}/${ref.resource}/${namespace ?? ''}/${name}`;
}

/** The object this manager applied, while the cache still shows `live` as it was then; otherwise undefined. */
export function knownApplied(
  mgr: object, // the manager: the scope of the memo
  ref: GVR,
  namespace: string | undefined,
  name: string,
  live: KubeObject | undefined,
  now = Date.now(),
): KubeObject | undefined {
  return APPLIED_MEMO.get(mgr, appliedKey(ref, namespace, name), live?.metadata?.resourceVersion ?? '', now);
}

/** Record an apply's result (see knownApplied); `live` is what the cache showed when it was computed. */
export function rememberApplied(
  mgr: object, // the manager: the scope of the memo
  ref: GVR,
  namespace: string | undefined,
  name: string,
  live: KubeObject | undefined,
  applied: KubeObject,
  now = Date.now(),
): void {
  APPLIED_MEMO.set(
    mgr,
    appliedKey(ref, namespace, name),
    live?.metadata?.resourceVersion ?? '',
    applied,
    now,
  );
}

/**
 * Write status (conditions with Ready set, plus extra fields) when anything differs from what is stored, by
 * server-side apply of the status subresource with the controller's field manager. Records an event when Ready
 * changes status or reason (see worthAnEvent). Returns whether it wrote.
 */
export async function writeStatus(
  ctx: ControllerContext,
  fieldManager: string,
  ref: GVR,
  obj: KubeObject,
  ready: ReadyInput,
  extra: Record<string, unknown> = {},
  more: { type: string; status: Condition['status']; reason: string; message: string }[] = [],
): Promise<boolean> {
  const meta = obj.metadata ?? {};
  const key = statusKey(ref, obj);
  const old = knownStatus(ctx.manager, key, obj) as {
    conditions?: Condition[];
    observedGeneration?: number;
  } & Record<string, unknown>;
  const generation = meta.generation;
  let conditions = setCondition(old.conditions, {
    type: 'Ready',
    ...ready,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  });
  for (const c of more) {
    conditions = setCondition(conditions, {
      ...c,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  }
  const changedExtra = Object.entries(extra).some(
    ([k, v]) => canonicalJson(v ?? null) !== canonicalJson(old[k] ?? null),
  );
  if (
    !conditionsChanged(old.conditions, conditions) &&
    !changedExtra &&
    old.observedGeneration === generation
  )
    return false;
  const status: Record<string, unknown> = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) status[k] = v;
  let written: KubeObject;
  try {
    written = await ctx.client.applyStatus(
      {
        apiVersion: obj.apiVersion ?? API_VERSION,
        kind: obj.kind ?? '',
        metadata: { name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) },
        status,
      },
      {
        fieldManager,
        force: true,
        ...(ref.namespaced && meta.namespace ? { namespace: meta.namespace } : {}),
        signal: ctx.manager.signal,
      },
    );
  } catch (e) {
    if (isNotFound(e)) return false; // deleted meanwhile
    throw e;
  }
  if (meta.resourceVersion && written?.status) {
    STATUS_MEMO.set(ctx.manager, key, meta.resourceVersion, written.status as Record<string, unknown>);
  }
  if (worthAnEvent(findCondition(old.conditions, 'Ready'), ready)) {
    await ctx.manager.events.record(
      obj,
      ready.status === 'True' ? 'Normal' : 'Warning',
      ready.reason,
      ready.message,
    );
  }
  return true;
}

/** Reasons of an object still on its way to Ready (…Progressing: a rollout, a roll-up of rollouts). */
const ON_ITS_WAY = /Progressing$/;

/**
 * Events mark important transitions: becoming ready after not being ready, and a new reason for not being
 * ready. An object that is fine from its first status (an instance whose binding is synced at once, a
 * component whose project exists) records nothing: nothing happened that `describe` needs to tell, and an
 * event is a write — at 500 components, two such events each were 1000 of them. "Still on its way" states
 * (…Progressing, EnvironmentsNotReady: the binding records its own cause) are not worth a Warning each, and
 * becoming ready at the end of one is the usual way of going live, not a recovery: no event either.
 */
export function worthAnEvent(before: Condition | undefined, ready: ReadyInput): boolean {
  if (ready.status === 'True')
    return before !== undefined && before.status !== 'True' && !ON_ITS_WAY.test(before.reason);
  if (ON_ITS_WAY.test(ready.reason) || ready.reason === 'EnvironmentsNotReady') return false;
  return !before || before.status !== ready.status || before.reason !== ready.reason;
}

export function isDeleting(obj: KubeObject | undefined): boolean {
  return !!obj?.metadata?.deletionTimestamp;
}

/** `a, b and c` for messages. */
export function listWords(items: readonly string[]): string {
  const q = items.map((i) => `"${i}"`);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}
