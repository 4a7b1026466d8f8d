/**
 * Every rendered external object (Gateway API, Envoy Gateway, Cilium) validates against the openAPIV3Schema of
 * the real CRD (cached by src/local/external-crds.ts): types, required, enums, patterns, unknown fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../src/kube/client.js';
import { externalCrdFiles } from '../../../src/local/external-crds.js';
import { cases, readInput, render } from './golden.js';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

function crdSchemas(): Map<string, Schema> {
  const out = new Map<string, Schema>();
  let files: string[] = [];
  try {
    files = externalCrdFiles();
  } catch {
    return out;
  }
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          names: { kind: string };
          versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
        };
      };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions)
        if (v.schema) out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
    }
  }
  return out;
}

/** Structural validation: the errors found (path: message). */
export function validate(value: unknown, s: Schema, path = ''): string[] {
  const errs: string[] = [];
  const at = path || '<root>';
  if (s['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) errs.push(`${at}: must be int or string`);
    return errs;
  }
  switch (s.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${at}: must be an object`];
      const o = value as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) errs.push(`${at}: missing required ${r}`);
      for (const [k, v] of Object.entries(o)) {
        const p = `${path}.${k}`;
        const sub = s.properties?.[k];
        if (path === '' && k === 'metadata') continue; // ObjectMeta is validated by the apiserver itself
        if (sub) errs.push(...validate(v, sub, p));
        else if (typeof s.additionalProperties === 'object')
          errs.push(...validate(v, s.additionalProperties, p));
        else if (!s['x-kubernetes-preserve-unknown-fields']) errs.push(`${p}: unknown field`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: must be an array`];
      if (s.minItems !== undefined && value.length < s.minItems)
        errs.push(`${at}: fewer than ${s.minItems} items`);
      if (s.maxItems !== undefined && value.length > s.maxItems)
        errs.push(`${at}: more than ${s.maxItems} items`);
      if (s.items) {
        const items = s.items;
        value.forEach((v, i) => {
          errs.push(...validate(v, items, `${path}[${i}]`));
        });
      }
      break;
    case 'string':
      if (typeof value !== 'string') return [`${at}: must be a string`];
      if (s.pattern && !new RegExp(s.pattern, 'u').test(value))
        errs.push(`${at}: ${value} does not match ${s.pattern}`);
      if (s.minLength !== undefined && value.length < s.minLength)
        errs.push(`${at}: shorter than ${s.minLength}`);
      if (s.maxLength !== undefined && value.length > s.maxLength)
        errs.push(`${at}: longer than ${s.maxLength}`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (s.type === 'integer' && !Number.isInteger(value)))
        return [`${at}: must be ${s.type}`];
      if (s.minimum !== undefined && value < s.minimum) errs.push(`${at}: below ${s.minimum}`);
      if (s.maximum !== undefined && value > s.maximum) errs.push(`${at}: above ${s.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${at}: must be a boolean`];
      break;
  }
  if (s.enum && !s.enum.includes(value))
    errs.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  return errs;
}

const EXTERNAL_GROUPS = ['gateway.networking.k8s.io', 'gateway.envoyproxy.io', 'cilium.io'];

export function renderedExternalObjects(): { where: string; object: KubeObject }[] {
  const out: { where: string; object: KubeObject }[] = [];
  for (const name of cases()) {
    let rs: { id: string; object: KubeObject }[];
    try {
      rs = render(readInput(name)).resources;
    } catch {
      continue; // error cases
    }
    for (const r of rs)
      if (EXTERNAL_GROUPS.some((g) => r.object.apiVersion?.startsWith(`${g}/`)))
        out.push({ where: `${name}/${r.id}`, object: r.object });
  }
  return out;
}

const schemas = crdSchemas();

describe.skipIf(schemas.size === 0)('rendered external objects validate against their CRDs', () => {
  const objects = renderedExternalObjects();
  it('renders every external kind', () => {
    const kinds = new Set(objects.map((o) => o.object.kind));
    for (const k of ['HTTPRoute', 'SecurityPolicy', 'BackendTrafficPolicy', 'CiliumNetworkPolicy'])
      expect(kinds).toContain(k);
  });
  for (const { where, object } of objects) {
    it(`${where} (${object.kind})`, () => {
      const schema = schemas.get(`${object.apiVersion}/${object.kind}`);
      expect(schema, `CRD for ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(validate(object, schema as Schema)).toEqual([]);
    });
  }
  it('the validator catches errors', () => {
    const s = schemas.get('gateway.envoyproxy.io/v1alpha1/SecurityPolicy') as Schema;
    const errs = validate(
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'SecurityPolicy',
        metadata: {},
        spec: { cors: { maxAge: '864000s' }, bogus: 1 },
      },
      s,
    );
    expect(errs.join('\n')).toMatch(/maxAge.*does not match/);
    expect(errs.join('\n')).toMatch(/spec\.bogus: unknown field/);
  });
});
