/** `choreoctl explain KIND[.field]` data, read from the generated (structural) CRD schema. */
import { type JSONSchemaProps, openApiSchemaFor } from './crd.js';
import { type KindInfo, lookupKind } from './registry.js';

export interface ExplainChild {
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

export interface ExplainResult {
  kind: string;
  group: string;
  version: string;
  /** The field path explained, e.g. `spec.owner.projectName` (`''` for the kind itself). */
  path: string;
  description?: string;
  /** kubectl-style type: string, integer, boolean, Object, []Object, map[string]string, int-or-string … */
  type: string;
  required: boolean;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  /** Validation rules (CEL) that apply at this level. */
  rules?: string[];
  children: ExplainChild[];
}

export class ExplainError extends Error {}

/** kubectl-style type name of a schema node. */
export function typeOf(node: JSONSchemaProps): string {
  if (node['x-kubernetes-int-or-string']) return 'int-or-string';
  switch (node.type) {
    case 'array':
      return `[]${node.items ? typeOf(node.items) : 'Object'}`;
    case 'object':
      if (node.additionalProperties) return `map[string]${typeOf(node.additionalProperties)}`;
      return 'Object';
    case undefined:
      return 'Object';
    default:
      return node.type;
  }
}

/** Strip `[]`/`[0]` decorations: `spec.endpoints[0].type` → `spec.endpoints.type`. */
function segmentsOf(fieldPath: string): string[] {
  return fieldPath
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .filter((s) => s.length > 0);
}

/** Arrays are transparent, like kubectl explain. */
function unwrap(node: JSONSchemaProps): JSONSchemaProps {
  let n = node;
  while (n.type === 'array' && n.items) n = n.items;
  return n;
}

/**
 * Explain a kind or one of its fields. `kind` may be any name form (`comp`, `components`); the field path
 * may start with the kind (`component.spec.owner`, as kubectl accepts) or not (`spec.owner`).
 * Map fields can be walked through with or without a key: `spec.containers.image` and
 * `spec.containers.main.image` both reach the container's image.
 */
export function explain(kind: string, fieldPath = ''): ExplainResult {
  let k = kind;
  let path = fieldPath;
  if (!path && kind.includes('.')) {
    const dot = kind.indexOf('.');
    k = kind.slice(0, dot);
    path = kind.slice(dot + 1);
  }
  const info: KindInfo | undefined = lookupKind(k);
  if (!info) throw new ExplainError(`the server doesn't have a resource type "${k}"`);
  let node = openApiSchemaFor(info);
  let required = true;
  const walked: string[] = [];
  for (const seg of segmentsOf(path)) {
    const cur = unwrap(node);
    const props = cur.properties;
    if (props && seg in props) {
      required = (cur.required ?? []).includes(seg);
      node = props[seg] as JSONSchemaProps;
    } else if (cur.additionalProperties) {
      const value = unwrap(cur.additionalProperties);
      if (value.properties && seg in value.properties) {
        required = (value.required ?? []).includes(seg);
        node = value.properties[seg] as JSONSchemaProps;
      } else {
        required = false;
        node = cur.additionalProperties; // a map key
      }
    } else {
      const at = walked.length > 0 ? walked.join('.') : info.kind;
      throw new ExplainError(`field "${seg}" does not exist in ${at}`);
    }
    walked.push(seg);
  }
  const shown = unwrap(
    node.type === 'object' && node.additionalProperties ? node.additionalProperties : node,
  );
  const children: ExplainChild[] = Object.entries(shown.properties ?? {}).map(([name, child]) => ({
    name,
    type: typeOf(child),
    required: (shown.required ?? []).includes(name),
    ...(child.description ? { description: child.description } : {}),
  }));
  const result: ExplainResult = {
    kind: info.kind,
    group: info.group,
    version: info.version,
    path: walked.join('.'),
    type: walked.length === 0 ? 'Object' : typeOf(node),
    required: walked.length === 0 ? true : required,
    children,
  };
  const leaf = unwrap(node);
  const description = node.description ?? leaf.description;
  if (description) result.description = description;
  if (leaf.enum) result.enum = leaf.enum;
  if (node.default !== undefined) result.default = node.default;
  if (leaf.pattern) result.pattern = leaf.pattern;
  if (leaf.minimum !== undefined) result.minimum = leaf.minimum;
  if (leaf.maximum !== undefined) result.maximum = leaf.maximum;
  if (leaf.maxLength !== undefined) result.maxLength = leaf.maxLength;
  const rules = [
    ...(node['x-kubernetes-validations'] ?? []),
    ...(leaf === node ? [] : (leaf['x-kubernetes-validations'] ?? [])),
  ];
  if (rules.length > 0) result.rules = rules.map((r) => r.message ?? r.rule);
  return result;
}

/** Render an explain result the way kubectl explain does (plain text). */
export function renderExplain(r: ExplainResult): string {
  const lines = [`GROUP:      ${r.group}`, `KIND:       ${r.kind}`, `VERSION:    ${r.version}`, ''];
  if (r.path)
    lines.push(`FIELD: ${r.path.split('.').at(-1)} <${r.type}>${r.required ? ' -required-' : ''}`, '');
  lines.push('DESCRIPTION:', `    ${r.description ?? '<empty>'}`);
  if (r.enum) lines.push('', `ENUM: ${r.enum.map((e) => String(e)).join(', ')}`);
  if (r.default !== undefined) lines.push('', `DEFAULT: ${JSON.stringify(r.default)}`);
  if (r.pattern) lines.push('', `PATTERN: ${r.pattern}`);
  if (r.rules) lines.push('', 'RULES:', ...r.rules.map((x) => `    ${x}`));
  if (r.children.length > 0) {
    lines.push('', 'FIELDS:');
    for (const c of r.children) {
      lines.push(`  ${c.name}\t<${c.type}>${c.required ? ' -required-' : ''}`);
      if (c.description) lines.push(`    ${c.description}`, '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
