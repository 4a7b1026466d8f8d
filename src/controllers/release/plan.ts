/**
 * The pure half of the Release engine: desired objects with their ownership labels and content hash, the apply
 * order, which live objects are stale, which kinds to take inventory of, `status.resources`, and the requeue
 * interval. No IO here: the controller (index.ts) feeds it what it read.
 */

import { createHash } from 'node:crypto';
import { parseGoDuration } from '../../api/duration.js';
import type { Release } from '../../api/kinds/build.js';
import { Labels, LabelValues } from '../../api/labels.js';
import { dataPlaneNamespaceName } from '../../api/naming.js';
import type { KubeObject } from '../../kube/client.js';
import { splitApiVersion } from '../../kube/discovery.js';
import { allowedKind, DATA_PLANE_KINDS } from '../../render/kinds.js';
import { canonicalJson, type Stored } from '../shared.js';
import { type Health, healthOf } from './health.js';

export { canonicalJson };

/** Annotation on every applied object: the hash of what was applied, so an unchanged object is not re-applied. */
export const APPLIED_HASH = 'openchoreo.dev/applied-hash';

/** A Release as the caches hold it. */
export type StoredRelease = Stored<Release>;

export interface ResourceStatus {
  id: string;
  group?: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The live object's uid: what prune and cleanup verify before deleting (the inventory). */
  uid?: string;
  status?: Record<string, unknown>;
  healthStatus?: Health;
  lastObservedTime?: string;
}

/** A kind as the data plane is asked about it. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export interface Desired extends Gvk {
  id: string;
  name: string;
  namespace?: string;
  /** The object to apply: labels and the applied-hash annotation added. */
  object: KubeObject;
  hash: string;
  /** Position in spec.resources. */
  index: number;
}

export interface Failure {
  /** `Kind/name` (or the resource id when the object is too broken to name). */
  what: string;
  message: string;
}

export function gvkKey(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** Identity of an object in the data plane (version-independent). */
export function objectIdentity(
  group: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  return `${group}/${kind}/${namespace ?? ''}/${name}`;
}

export function liveIdentity(obj: KubeObject): string {
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  return objectIdentity(group, obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name ?? '');
}

export function desiredIdentity(d: Desired): string {
  return objectIdentity(d.group, d.kind, d.namespace, d.name);
}

export function objectHash(obj: KubeObject): string {
  return createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
}

export function releaseSelector(uid: string): string {
  return `${Labels.managedBy}=${LabelValues.managedByReleaseController},${Labels.releaseUid}=${uid}`;
}

/** The ownership labels every applied object carries. */
export function ownershipLabels(release: KubeObject, id: string): Record<string, string> {
  return {
    [Labels.managedBy]: LabelValues.managedByReleaseController,
    [Labels.releaseResourceId]: id,
    [Labels.releaseUid]: release.metadata?.uid ?? '',
    [Labels.releaseName]: release.metadata?.name ?? '',
    [Labels.releaseNamespace]: release.metadata?.namespace ?? '',
  };
}

/** The cell a Release applies into: the namespace of (organization = its namespace, project, environment). */
export function cellOf(release: StoredRelease): string {
  return dataPlaneNamespaceName(
    release.metadata?.namespace ?? '',
    release.spec?.owner?.projectName ?? '',
    release.spec?.environmentName ?? '',
  );
}

const ALLOWED_TEXT = DATA_PLANE_KINDS.map((k) => (k.group ? `${k.kind}.${k.group}` : k.kind)).join(', ');

/** Pod-spec fields that reach the node: no renderer writes them, so a Release may not either. */
function podSpecViolation(obj: KubeObject): string | undefined {
  const spec = obj.spec as Record<string, unknown> | undefined;
  const tpl =
    obj.kind === 'CronJob'
      ? (spec?.jobTemplate as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec?.template?.spec
      : (spec?.template as { spec?: unknown } | undefined)?.spec;
  if (!tpl || typeof tpl !== 'object') return undefined;
  const pod = tpl as Record<string, unknown>;
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[f] === true) return `spec.${f} is not allowed in a Release`;
  }
  for (const v of (pod.volumes as { name?: string; hostPath?: unknown }[] | undefined) ?? []) {
    if (v?.hostPath !== undefined)
      return `volume "${v.name ?? ''}": hostPath volumes are not allowed in a Release`;
  }
  const containers = [
    ...((pod.containers as unknown[] | undefined) ?? []),
    ...((pod.initContainers as unknown[] | undefined) ?? []),
    ...((pod.ephemeralContainers as unknown[] | undefined) ?? []),
  ] as { name?: string; securityContext?: { privileged?: unknown }; ports?: { hostPort?: number }[] }[];
  for (const c of containers) {
    if (c?.securityContext?.privileged === true) {
      return `container "${c.name ?? ''}": privileged containers are not allowed in a Release`;
    }
    if ((c?.ports ?? []).some((p) => p?.hostPort !== undefined && p.hostPort !== 0)) {
      return `container "${c.name ?? ''}": host ports are not allowed in a Release`;
    }
  }
  return undefined;
}

/**
 * Why an object may not be part of a Release whose cell is `cell`, or undefined when it may: its kind is on the
 * data-plane allow-list, it is namespaced and in the cell (or has no namespace: then it goes into the cell), or
 * it is the cell's own Namespace in the project's cell Release (`cellRelease`: no component; deleting that
 * Release deletes the whole cell, so no component's Release may hold it), and its pod template does not reach
 * the node.
 */
export function violation(obj: KubeObject, cell: string, cellRelease = true): string | undefined {
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  const allowed = allowedKind(group, obj.kind ?? '');
  if (!allowed) {
    return `kind ${obj.kind}${group ? `.${group}` : ''} is not allowed in a Release (allowed: ${ALLOWED_TEXT})`;
  }
  const ns = obj.metadata?.namespace;
  if (allowed.cluster) {
    if (obj.metadata?.name !== cell || ns) {
      return `a cluster-scoped ${obj.kind} is allowed only as the cell itself ("${cell}")`;
    }
    if (!cellRelease) {
      return `the cell's ${obj.kind} belongs to the project's cell Release, not to a component's`;
    }
    return undefined;
  }
  if (ns && ns !== cell) {
    return `namespace "${ns}" is outside the Release's cell: its objects go only into "${cell}" (the namespace of its project and environment)`;
  }
  return podSpecViolation(obj);
}

/**
 * The objects of spec.resources, labelled and hashed, in spec order; objects without apiVersion, kind or name
 * are failures (named by their id) and left out. With `cell`, objects without a namespace go into it and every
 * object breaking a rule of {@link violation} is a violation (the caller then applies nothing).
 */
export function desiredObjects(
  release: StoredRelease,
  cell?: string,
): { desired: Desired[]; failures: Failure[]; violations: Failure[] } {
  const desired: Desired[] = [];
  const failures: Failure[] = [];
  const violations: Failure[] = [];
  (release.spec?.resources ?? []).forEach((r, index) => {
    const src = (r.object ?? {}) as KubeObject;
    const name = src.metadata?.name;
    if (!src.apiVersion || !src.kind || !name) {
      failures.push({
        what: `resource "${r.id}"`,
        message: 'the object needs apiVersion, kind and metadata.name',
      });
      return;
    }
    if (cell !== undefined) {
      const why = violation(src, cell, !release.spec?.owner?.componentName);
      if (why) {
        violations.push({ what: `${src.kind}/${name} (resource "${r.id}")`, message: why });
        return;
      }
    }
    const { group, version } = splitApiVersion(src.apiVersion);
    const meta = { ...(src.metadata ?? {}) };
    if (cell !== undefined && !meta.namespace && !allowedKind(group, src.kind)?.cluster)
      meta.namespace = cell;
    const { [APPLIED_HASH]: _ignored, ...annotations } = meta.annotations ?? {};
    const object: KubeObject = {
      ...src,
      metadata: {
        ...meta,
        labels: { ...(meta.labels ?? {}), ...ownershipLabels(release, r.id) },
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
    };
    const hash = objectHash(object);
    (object.metadata as { annotations?: Record<string, string> }).annotations = {
      ...annotations,
      [APPLIED_HASH]: hash,
    };
    desired.push({
      id: r.id,
      group,
      version,
      kind: src.kind,
      name,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      object,
      hash,
      index,
    });
  });
  return { desired, failures, violations };
}

/**
 * Whether the engine may delete a live object of this Release (prune or cleanup): it carries the Release's
 * ownership labels, it is confined to the cell with an allowed kind, and — when the inventory recorded the object
 * — it is the very object recorded (same uid). `requireRecord`: prune deletes only what the inventory holds.
 */
export function mayDelete(
  obj: KubeObject,
  release: StoredRelease,
  recorded: readonly ResourceStatus[] | undefined,
  requireRecord: boolean,
): boolean {
  const labels = obj.metadata?.labels ?? {};
  if (
    labels[Labels.managedBy] !== LabelValues.managedByReleaseController ||
    !release.metadata?.uid ||
    labels[Labels.releaseUid] !== release.metadata.uid
  ) {
    return false;
  }
  const cell = cellOf(release);
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  const allowed = allowedKind(group, obj.kind ?? '');
  if (!allowed) return false;
  if (allowed.cluster ? obj.metadata?.name !== cell : obj.metadata?.namespace !== cell) return false;
  const id = liveIdentity(obj);
  const record = (recorded ?? []).find(
    (r) => objectIdentity(r.group ?? '', r.kind, r.namespace, r.name) === id,
  );
  if (!record) return !requireRecord;
  return record.uid === undefined ? !requireRecord : record.uid === obj.metadata?.uid;
}

const RANKS: Record<string, number> = {
  Namespace: 0,
  ServiceAccount: 1,
  ConfigMap: 1,
  Secret: 1,
  SecretProviderClass: 1,
  PersistentVolumeClaim: 1,
  Role: 1,
  RoleBinding: 1,
  Deployment: 2,
  StatefulSet: 2,
  DaemonSet: 2,
  ReplicaSet: 2,
  CronJob: 2,
  Job: 2,
  Pod: 2,
  Service: 3,
  HTTPRouteFilter: 4,
  HTTPRoute: 5,
  GRPCRoute: 5,
  Ingress: 5,
  SecurityPolicy: 6,
  BackendTrafficPolicy: 6,
  ClientTrafficPolicy: 6,
  CiliumNetworkPolicy: 6,
  NetworkPolicy: 6,
};

/** Namespaces, config, workloads, services, (route filters) routes, policies, then anything else. */
export function applyRank(kind: string): number {
  return RANKS[kind] ?? 7;
}

/** Stable: by rank, then spec order. */
export function applyOrder<T extends { kind: string; index: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => applyRank(a.kind) - applyRank(b.kind) || a.index - b.index);
}

/** Distinct namespaces the objects live in (spec order). */
export function targetNamespaces(desired: readonly Desired[]): string[] {
  return [...new Set(desired.flatMap((d) => (d.namespace ? [d.namespace] : [])))];
}

/** A namespace the engine creates for its objects (labels as upstream; never updated or deleted). */
export function namespaceFor(name: string, release: StoredRelease): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        [Labels.createdBy]: LabelValues.createdByReleaseController,
        [Labels.releaseName]: release.metadata?.name ?? '',
        [Labels.releaseNamespace]: release.metadata?.namespace ?? '',
        [Labels.releaseUid]: release.metadata?.uid ?? '',
        [Labels.environment]: release.spec?.environmentName ?? '',
        [Labels.project]: release.spec?.owner?.projectName ?? '',
      },
    },
  };
}

/** What a data plane must at least be asked about (if it serves the kind): upstream's safety net, made live. */
export const WELL_KNOWN_KINDS: readonly Gvk[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment' },
  { group: 'apps', version: 'v1', kind: 'StatefulSet' },
  { group: '', version: 'v1', kind: 'Service' },
  { group: '', version: 'v1', kind: 'ConfigMap' },
  { group: '', version: 'v1', kind: 'Secret' },
  { group: 'batch', version: 'v1', kind: 'CronJob' },
  { group: 'batch', version: 'v1', kind: 'Job' },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
  { group: 'gateway.envoyproxy.io', version: 'v1alpha1', kind: 'SecurityPolicy' },
  { group: 'gateway.envoyproxy.io', version: 'v1alpha1', kind: 'BackendTrafficPolicy' },
  { group: 'gateway.envoyproxy.io', version: 'v1alpha1', kind: 'HTTPRouteFilter' },
  { group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy' },
];

/**
 * Kinds to list by release-uid: those of the desired objects and of status.resources (deduplicated by
 * group/kind, the desired version first), plus, with `wellKnown`, the well-known list.
 */
export function inventoryKinds(
  desired: readonly Gvk[],
  recorded: readonly { group?: string; version: string; kind: string }[],
  wellKnown: readonly Gvk[] = [],
): Gvk[] {
  const out = new Map<string, Gvk>();
  const add = (g: Gvk) => {
    const k = `${g.group}/${g.kind}`;
    if (!out.has(k)) out.set(k, { group: g.group, version: g.version, kind: g.kind });
  };
  for (const d of desired) add(d);
  for (const r of recorded) add({ group: r.group ?? '', version: r.version, kind: r.kind });
  for (const w of wellKnown) add(w);
  return [...out.values()];
}

/**
 * Live objects of this Release that are no longer desired: their resource id left the Release, or the id now
 * names another object (renamed, moved, other kind). Objects already being deleted are left alone.
 */
export function staleObjects(live: readonly KubeObject[], desired: readonly Desired[]): KubeObject[] {
  const wanted = new Set(desired.map((d) => `${d.id}|${desiredIdentity(d)}`));
  return live.filter((o) => {
    if (o.metadata?.deletionTimestamp) return false;
    const id = o.metadata?.labels?.[Labels.releaseResourceId] ?? '';
    return !wanted.has(`${id}|${liveIdentity(o)}`);
  });
}

/**
 * status.resources in spec order: each desired object with its health and a copy of its live status.
 *
 * While an object is Progressing its copy is the one taken when it became Progressing: the steps of a rollout (a
 * Deployment's replica counts and conditions, reported 3-4 times on the way) do not each rewrite the Release, and
 * the health says where it is. In any other health the copy follows the live status (a CronJob's last successful
 * run, while it stays Healthy). lastObservedTime is when the copy was taken; a new health or another object (a
 * new uid) always takes a new one. Objects not found are Unknown with no copy and no time.
 */
export function resourceStatuses(
  desired: readonly Desired[],
  live: ReadonlyMap<string, KubeObject>,
  old: readonly ResourceStatus[] | undefined,
  now: string,
): ResourceStatus[] {
  const before = new Map((old ?? []).map((r) => [r.id, r]));
  return [...desired]
    .sort((a, b) => a.index - b.index)
    .map((d) => {
      const obj = live.get(desiredIdentity(d));
      const health = healthOf(obj);
      const uid = obj?.metadata?.uid;
      const prev = before.get(d.id);
      const current = obj?.status as Record<string, unknown> | undefined;
      const copy = current && Object.keys(current).length ? current : undefined;
      const kept =
        obj &&
        prev?.lastObservedTime &&
        prev.healthStatus === health &&
        prev.uid === uid &&
        (health === 'Progressing' || canonicalJson(prev.status ?? null) === canonicalJson(copy ?? null))
          ? prev
          : undefined;
      const status = kept ? kept.status : copy;
      const entry: ResourceStatus = {
        id: d.id,
        ...(d.group ? { group: d.group } : {}),
        version: d.version,
        kind: d.kind,
        name: d.name,
        ...(d.namespace ? { namespace: d.namespace } : {}),
        ...(uid ? { uid } : {}),
        ...(status ? { status } : {}),
        healthStatus: health,
      };
      if (obj) entry.lastObservedTime = kept?.lastObservedTime ?? now;
      return entry;
    });
}

/** A Go duration in milliseconds (in src/api: the cron schedules' `@every` reads it too). */
export { parseGoDuration };

export const DEFAULT_INTERVAL_MS = 300_000;
export const DEFAULT_PROGRESSING_INTERVAL_MS = 10_000;

/**
 * When to look again: progressingInterval while anything needs attention, else interval; plus [0, 20%)
 * jitter. undefined: no requeue (an interval of 0).
 */
export function requeueAfter(
  release: StoredRelease,
  attention: boolean,
  random: () => number = Math.random,
): number | undefined {
  const ms = attention
    ? (parseGoDuration(release.spec?.progressingInterval) ?? DEFAULT_PROGRESSING_INTERVAL_MS)
    : (parseGoDuration(release.spec?.interval) ?? DEFAULT_INTERVAL_MS);
  if (ms <= 0) return undefined;
  return Math.round(ms * (1 + 0.2 * random()));
}

/** `Deployment/web: message; Service/web: message`. */
export function describeFailures(failures: readonly Failure[]): string {
  return failures.map((f) => `${f.what}: ${f.message}`).join('; ');
}
