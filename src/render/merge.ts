/**
 * Strategic-merge of a class template (base) and the workload overlay, the subset of Kubernetes'
 * strategic-merge-patch that the renderers need: objects merge recursively, scalars and unkeyed lists are
 * replaced by the overlay, and the lists below merge element-wise by their merge key (overlay wins per field;
 * base elements the overlay does not mention are kept, in base order, before the overlay's new ones).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Merge keys by list field name (core/v1 and apps/v1 patchMergeKey). */
const MERGE_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  tolerations: ['key'],
  hostAliases: ['ip'],
  // container ports merge by containerPort, Service ports by port
  ports: ['containerPort', 'port'],
};

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

function keyOf(item: Json, keys: readonly string[]): string | undefined {
  if (!isObject(item)) return undefined;
  for (const k of keys) {
    const v = item[k];
    if (v !== undefined && v !== null) return `${k}=${String(v)}`;
  }
  return undefined;
}

function mergeList(base: Json[], overlay: Json[], keys: readonly string[]): Json[] {
  if (![...base, ...overlay].every((i) => keyOf(i, keys) !== undefined)) return clone(overlay);
  const overlayByKey = new Map(overlay.map((i) => [keyOf(i, keys), i] as const));
  const out: Json[] = [];
  const used = new Set<string>();
  for (const b of base) {
    const k = keyOf(b, keys) as string;
    const o = overlayByKey.get(k);
    if (o === undefined) out.push(clone(b));
    else {
      out.push(strategicMerge(b, o));
      used.add(k);
    }
  }
  for (const o of overlay) if (!used.has(keyOf(o, keys) as string)) out.push(clone(o));
  return out;
}

/** SMP(base, overlay): a new value, the inputs are not modified. */
export function strategicMerge(base: Json | undefined, overlay: Json | undefined, field?: string): Json {
  if (overlay === undefined) return clone(base ?? null);
  if (base === undefined || base === null) return clone(overlay);
  if (isObject(base) && isObject(overlay)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(base)) out[k] = clone(v);
    for (const [k, v] of Object.entries(overlay)) out[k] = strategicMerge(base[k], v, k);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(overlay)) {
    const keys = field === undefined ? undefined : MERGE_KEYS[field];
    return keys ? mergeList(base, overlay, keys) : clone(overlay);
  }
  return clone(overlay);
}

/** Drops undefined members (recursively) so rendered objects serialise the same way everywhere. */
export function prune<T>(v: T): T {
  if (Array.isArray(v)) return v.map((i) => prune(i)) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = prune(x);
    return out as T;
  }
  return v;
}
