/**
 * CRD generation: zod schema → JSON schema (zod's own generator) → structural openAPIV3Schema.
 * The post-processing inlines references, drops what apiextensions does not accept
 * (`$schema`, `additionalProperties: false`), turns int|string unions into `x-kubernetes-int-or-string`
 * and refuses any other union, so the result always satisfies the structural-schema rules.
 */
import { z } from 'zod';
import { GROUP, VERSION } from './dsl.js';
import { ownerFieldPath } from './kinds-meta.js';
import { KINDS, type KindInfo, kindInfo, type PrinterColumn } from './registry.js';
import { NAME_RULES } from './resource.js';

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps we emit. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string; reason?: string }[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

const SAFE_INT = 9007199254740991;
const ALLOWED_KEYS = new Set<string>([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'maxProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Post-process one zod-generated JSON-schema node into a structural node. */
export function toStructural(
  node: unknown,
  root: Json = isObj(node) ? node : {},
  path = '',
): JSONSchemaProps {
  if (!isObj(node)) throw new Error(`${path || '<root>'}: schema node is not an object`);
  let n: Json = { ...node };
  if (typeof n.$ref === 'string') {
    const ref = n.$ref;
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((acc, seg) => (isObj(acc) ? acc[seg] : undefined), root);
    const { $ref: _ref, ...rest } = n;
    n = { ...(isObj(target) ? target : {}), ...rest };
  }
  const out: Json = {};
  const union = (n.anyOf ?? n.oneOf) as unknown[] | undefined;
  if (union) {
    const types = new Set(union.map((b) => (isObj(b) ? b.type : undefined)));
    if (types.size === 2 && types.has('string') && (types.has('integer') || types.has('number'))) {
      out['x-kubernetes-int-or-string'] = true;
      // a pattern on the string branch (quantities) applies to the value as a whole, as in Kubernetes' own CRDs
      const str = union.find((b) => isObj(b) && b.type === 'string') as Json | undefined;
      if (str?.pattern !== undefined && n.pattern === undefined) n = { ...n, pattern: str.pattern };
    } else {
      throw new Error(`${path}: unions other than int-or-string are not structural`);
    }
  }
  if (n.const !== undefined && n.enum === undefined) n.enum = [n.const];
  for (const [k, v] of Object.entries(n)) {
    if (!ALLOWED_KEYS.has(k)) continue;
    switch (k) {
      case 'properties': {
        const props: Record<string, JSONSchemaProps> = {};
        for (const [pk, pv] of Object.entries(v as Json)) props[pk] = toStructural(pv, root, `${path}.${pk}`);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = toStructural(v, root, `${path}[]`);
        break;
      case 'additionalProperties':
        if (isObj(v) && Object.keys(v).length > 0)
          out.additionalProperties = toStructural(v, root, `${path}.*`);
        else if (v !== false) out['x-kubernetes-preserve-unknown-fields'] = true;
        break;
      case 'minimum':
        if (v !== -SAFE_INT) out.minimum = v;
        break;
      case 'maximum':
        if (v !== SAFE_INT) out.maximum = v;
        break;
      case 'required':
        if (Array.isArray(v) && v.length > 0) out.required = v;
        break;
      default:
        out[k] = v;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) delete out.type;
  if (out.type === undefined && n.type === undefined && !out['x-kubernetes-int-or-string']) {
    if (out['x-kubernetes-preserve-unknown-fields'] !== true) {
      throw new Error(`${path}: node has no type`);
    }
  }
  return out as JSONSchemaProps;
}

function resolveInfo(kind: string | KindInfo): KindInfo {
  if (typeof kind !== 'string') return kind;
  const info = kindInfo(kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return info;
}

const schemaCache = new Map<string, JSONSchemaProps>();

/** The structural openAPIV3Schema of a kind (cached). */
export function openApiSchemaFor(kind: string | KindInfo): JSONSchemaProps {
  const info = resolveInfo(kind);
  const cached = schemaCache.get(info.kind);
  if (cached) return cached;
  const raw = z.toJSONSchema(info.schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
  }) as Json;
  const props = raw.properties as Record<string, Json>;
  const spec = toStructural(props.spec, raw, 'spec');
  const status = toStructural(props.status, raw, 'status');
  const nameRule = NAME_RULES[info.nameFormat];
  const schema: JSONSchemaProps = {
    type: 'object',
    description: info.description,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource.' },
      metadata: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: nameRule.maxLength, pattern: nameRule.pattern } },
      },
      spec,
      status,
    },
  };
  if (info.specRequired) schema.required = ['spec'];
  schemaCache.set(info.kind, schema);
  return schema;
}

/** The CustomResourceDefinition of one kind. */
export function crdFor(kind: string | KindInfo): CustomResourceDefinition {
  const info = resolveInfo(kind);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${info.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'openchoreo', 'app.kubernetes.io/managed-by': 'choreoctl' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}),
        categories: [...info.categories],
      },
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: info.printerColumns.map((c) => ({ ...c })),
          // `fieldSelector=spec.owner.componentName=…`: what belongs to a component, without a namespace scan.
          ...(info.owner.length > 0
            ? { selectableFields: info.owner.map((f) => ({ jsonPath: `.${ownerFieldPath(f)}` })) }
            : {}),
          schema: { openAPIV3Schema: openApiSchemaFor(info) },
        },
      ],
    },
  };
}

/** CRDs of every kind, in apply order. */
export function allCrds(): CustomResourceDefinition[] {
  return [...KINDS].sort((a, b) => a.rank - b.rank).map((k) => crdFor(k));
}
