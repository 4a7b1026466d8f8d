/**
 * Client-side validation of one parsed document. Messages follow the apiserver's wording
 * ("Required value", "Unsupported value: …", "should match '…'", "unknown field …") so a user sees the
 * same text whether the CLI or the server rejects a document.
 */
import type { z } from 'zod';
import type { JSONSchemaProps } from './crd.js';
import { openApiSchemaFor } from './crd.js';
import { API_VERSION } from './dsl.js';
import { type KindInfo, kindInfo } from './registry.js';

export type PathSegment = string | number;

export interface ValidationError {
  /** Dotted path with indexes, e.g. `spec.endpoints[0].type`; `""` for the document itself. */
  path: string;
  /** The same path as segments, for mapping onto YAML nodes. */
  segments: PathSegment[];
  /** What is wrong, e.g. `Required value` or `Unsupported value: "FOO": supported values: "HTTP", …`. */
  message: string;
}

export type ValidationResult =
  | { ok: true; kind: KindInfo /** The document with defaults applied. */; value: unknown }
  | { ok: false; errors: ValidationError[] };

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['spec','endpoints',0,'type']` → `spec.endpoints[0].type`; odd keys become `["a.b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Inverse of formatPath. */
export function parsePath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) segs.push(m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[3] !== undefined) segs.push(JSON.parse(m[3]) as string);
  }
  return segs;
}

/** `path: message`, the one-line form used in CLI output. */
export function formatError(e: ValidationError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

function at(doc: unknown, segments: readonly PathSegment[]): unknown {
  let cur: unknown = doc;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return '"array"';
  if (typeof v === 'object') return '"object"';
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function issueToErrors(issue: z.core.$ZodIssue, doc: unknown): ValidationError[] {
  const segments = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  const value = at(doc, segments);
  const mk = (message: string, segs = segments): ValidationError => ({
    path: formatPath(segs),
    segments: segs,
    message,
  });
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return [mk('Required value')];
      const expected =
        ({ int: 'integer', record: 'object' } as Record<string, string>)[issue.expected] ?? issue.expected;
      return [mk(`Invalid value: ${show(value)}: must be of type ${expected}, got ${typeName(value)}`)];
    }
    case 'invalid_value': {
      if (value === undefined) return [mk('Required value')];
      const supported = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [mk(`Unsupported value: ${show(value)}: supported values: ${supported}`)];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return [mk(`Invalid value: ${show(value)}: should be at least ${min} chars long`)];
      }
      if (issue.origin === 'array')
        return [mk(`Invalid value: ${show(value)}: should have at least ${min} items`)];
      return [mk(`Invalid value: ${show(value)}: should be greater than or equal to ${min}`)];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return [mk(`Too long: may not be more than ${max} bytes`)];
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : 0;
        return [mk(`Too many: ${n}: must have at most ${max} items`)];
      }
      return [mk(`Invalid value: ${show(value)}: should be less than or equal to ${max}`)];
    }
    case 'invalid_format':
      return [mk(`Invalid value: ${show(value)}: ${issue.message}`)];
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const segs = [...segments, k];
        return mk(`unknown field "${formatPath(segs)}"`, segs);
      });
    case 'invalid_union':
      if (value === undefined) return [mk('Required value')];
      return [mk(`Invalid value: ${show(value)}: must be an integer or a string`)];
    default:
      return [mk(issue.message)];
  }
}

/** Every own `__proto__` key of `v`, deeply, as an error at its path. */
function protoKeys(v: unknown, segments: PathSegment[], out: ValidationError[], depth = 0): void {
  if (depth > 100 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) protoKeys(v[i], [...segments, i], out, depth + 1);
    return;
  }
  for (const k of Object.keys(v)) {
    const segs = [...segments, k];
    if (k === '__proto__') {
      out.push({
        path: formatPath(segs),
        segments: segs,
        message: `unknown field "${formatPath(segs)}": "__proto__" is not allowed as a key`,
      });
      continue;
    }
    protoKeys((v as Record<string, unknown>)[k], segs, out, depth + 1);
  }
}

/** Validate one parsed document (one YAML/JSON document) of any openchoreo.dev kind. */
export function validate(doc: unknown): ValidationResult {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, errors: [{ path: '', segments: [], message: `Invalid value: expected an object` }] };
  }
  const d = doc as Record<string, unknown>;
  const errors: ValidationError[] = [];
  if (d.apiVersion === undefined) {
    errors.push({ path: 'apiVersion', segments: ['apiVersion'], message: 'Required value' });
  } else if (d.apiVersion !== API_VERSION) {
    errors.push({
      path: 'apiVersion',
      segments: ['apiVersion'],
      message: `Unsupported value: ${show(d.apiVersion)}: supported values: "${API_VERSION}"`,
    });
  }
  const info = typeof d.kind === 'string' ? kindInfo(d.kind) : undefined;
  if (d.kind === undefined) {
    errors.push({ path: 'kind', segments: ['kind'], message: 'Required value' });
  } else if (!info) {
    errors.push({
      path: 'kind',
      segments: ['kind'],
      message: `Unsupported value: ${show(d.kind)}: not a kind of ${API_VERSION}`,
    });
  }
  if (errors.length > 0 || !info) return { ok: false, errors };
  // A `__proto__` key (JSON.parse and YAML make it an own key) is dropped by the schema's parse, not
  // checked: the document would pass here and be refused by the apiserver, or lose the entry.
  protoKeys(doc, [], errors);
  if (errors.length > 0) return { ok: false, errors };
  const res = info.schema.safeParse(doc);
  if (res.success) return { ok: true, kind: info, value: res.data };
  const all = res.error.issues.flatMap((i) => issueToErrors(i, doc));
  // one error per (path, message), in document order of discovery
  const seen = new Set<string>();
  const unique = all.filter((e) => {
    const k = `${e.path}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { ok: false, errors: unique };
}

/**
 * Validate an update: the new document on its own, plus every transition rule (`self == oldSelf`) of the
 * kind's CRD schema, read from the same schema the apiserver enforces.
 */
export function validateUpdate(oldDoc: unknown, newDoc: unknown): ValidationResult {
  const res = validate(newDoc);
  if (!res.ok) return res;
  const errors: ValidationError[] = [];
  const walk = (node: JSONSchemaProps, o: unknown, n: unknown, segs: PathSegment[]) => {
    if (o === undefined || n === undefined) return;
    for (const v of node['x-kubernetes-validations'] ?? []) {
      if (v.rule === 'self == oldSelf' && JSON.stringify(o) !== JSON.stringify(n)) {
        errors.push({
          path: formatPath(segs),
          segments: segs,
          message: `Invalid value: ${v.message ?? v.rule}`,
        });
      }
    }
    if (node.properties && typeof o === 'object' && typeof n === 'object' && o && n) {
      for (const [k, child] of Object.entries(node.properties)) {
        walk(child, (o as Record<string, unknown>)[k], (n as Record<string, unknown>)[k], [...segs, k]);
      }
    }
  };
  walk(openApiSchemaFor(res.kind), oldDoc, newDoc, []);
  return errors.length > 0 ? { ok: false, errors } : res;
}
