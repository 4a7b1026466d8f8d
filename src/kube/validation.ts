/**
 * Kubernetes' own rules for object metadata (apimachinery's ValidateObjectMeta), for every kind: label
 * keys and values, annotation keys and total size, the namespace's form. Pure; used before anything is
 * written so one bad object of a set is reported with its field and nothing of the set is applied.
 * Names are not checked here: their rule depends on the kind (the kind's schema, or the server's dry-run).
 */

export interface MetadataError {
  /** Field path as segments, e.g. `['metadata', 'labels', 'bad key!']`. */
  readonly segments: (string | number)[];
  /** `metadata.labels` (the apiserver reports label/annotation errors on the map, quoting the key). */
  readonly path: string;
  readonly message: string;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The apiserver's limit on all annotations of one object together (keys + values). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const NAME_PART_RULE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Problems with a qualified name (`prefix/name` or `name`), as Kubernetes words them; empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const out: string[] = [];
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else if (prefix.length > 253) out.push('prefix part must be no more than 253 characters');
    else if (!DNS_SUBDOMAIN.test(prefix))
      out.push('prefix part must be a lowercase RFC 1123 subdomain (e.g. example.com)');
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) out.push(NAME_PART_RULE);
  return out;
}

/** Problems with a label value; empty when valid (the empty string is a valid value). */
export function labelValueErrors(value: string): string[] {
  if (value === '') return [];
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!NAME_PART.test(value)) {
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return out;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The fields of apimachinery's ObjectMeta: any other key under metadata is refused by the apiserver. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Kubernetes' metadata rules for one object of any kind (fields, labels, annotations, namespace). */
export function validateObjectMeta(metadata: unknown): MetadataError[] {
  if (metadata === undefined) return [];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    return [{ segments: ['metadata'], path: 'metadata', message: 'Invalid value: must be an object' }];
  }
  const md = metadata as Record<string, unknown>;
  const out: MetadataError[] = [];
  // Object.keys, not `in`: a YAML key `__proto__` is an own property here, and the apiserver refuses it.
  for (const k of Object.keys(md)) {
    if (!OBJECT_META_FIELDS.has(k))
      out.push({
        segments: ['metadata', k],
        path: `metadata.${k}`,
        message: `unknown field "metadata.${k}"`,
      });
  }
  const maps: [string, 'labels' | 'annotations'][] = [
    ['labels', 'labels'],
    ['annotations', 'annotations'],
  ];
  for (const [key, what] of maps) {
    const m = md[key];
    if (m === undefined || m === null) continue;
    if (typeof m !== 'object' || Array.isArray(m)) {
      out.push({
        segments: ['metadata', key],
        path: `metadata.${key}`,
        message: 'Invalid value: must be a map of strings',
      });
      continue;
    }
    let size = 0;
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      const segments = ['metadata', key, k];
      for (const msg of qualifiedNameErrors(k)) {
        out.push({ segments, path: `metadata.${key}`, message: `Invalid value: ${show(k)}: ${msg}` });
      }
      if (typeof v !== 'string') {
        out.push({
          segments,
          path: `metadata.${key}`,
          message: `Invalid value: ${show(k)}: the value must be a string, got ${v === null ? 'null' : typeof v}`,
        });
        continue;
      }
      size += k.length + v.length;
      if (what === 'labels') {
        for (const msg of labelValueErrors(v)) {
          out.push({ segments, path: `metadata.${key}`, message: `Invalid value: ${show(v)}: ${msg}` });
        }
      }
    }
    if (what === 'annotations' && size > TOTAL_ANNOTATION_SIZE_LIMIT) {
      out.push({
        segments: ['metadata', 'annotations'],
        path: 'metadata.annotations',
        message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
      });
    }
  }
  const ns = md.namespace;
  if (ns !== undefined && ns !== '') {
    if (typeof ns !== 'string' || ns.length > 63 || !DNS_LABEL.test(ns)) {
      out.push({
        segments: ['metadata', 'namespace'],
        path: 'metadata.namespace',
        message: `Invalid value: ${show(ns)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      });
    }
  }
  return out;
}
