/**
 * docs/validation.md lists every user-written field and the rule applied to it. Its field table is generated
 * from the CRD schemas (the rules the apiserver and the client both enforce) and must stay in sync:
 * `UPDATE_VALIDATION_DOC=1 npx vitest run --project unit test/unit/api/validation-doc.test.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_HOST_PATTERN } from '../../../src/api/common.js';
import * as dsl from '../../../src/api/dsl.js';
import { type JSONSchemaProps, KINDS, openApiSchemaFor } from '../../../src/api/index.js';
import * as patterns from '../../../src/api/patterns.js';
import { NAME_RULES } from '../../../src/api/resource.js';

const DOC = join(import.meta.dirname, '../../../docs/validation.md');
const BEGIN = '<!-- BEGIN GENERATED FIELD TABLE -->';
const END = '<!-- END GENERATED FIELD TABLE -->';

/** zod escapes `/` in JSON-schema patterns; names are looked up without that. */
const unslash = (p: string) => p.replace(/\\\//g, '/');

/** Pattern → the name the doc uses for it. */
const PATTERN_NAMES = new Map<string, string>(
  (
    [
      [dsl.DNS_LABEL_PATTERN, 'DNS-1123 label'],
      [dsl.DNS_SUBDOMAIN_PATTERN, 'DNS-1123 subdomain'],
      [dsl.URL_PATH_PATTERN, 'URL path (`/…`, no spaces)'],
      [dsl.GIT_SHA_PATTERN, 'git SHA (7-40 hex)'],
      [patterns.ENV_VAR_NAME_PATTERN, 'env var name `[-._a-zA-Z][-._a-zA-Z0-9]*`'],
      [patterns.CONFIG_KEY_PATTERN, 'ConfigMap/Secret key'],
      [patterns.LABEL_VALUE_PATTERN, 'label value'],
      [patterns.IMAGE_REF_PATTERN, 'image reference'],
      [patterns.IMAGE_REF_OR_TAG_PATTERN, 'image reference or tag'],
      [patterns.REGISTRY_PREFIX_PATTERN, 'registry host[:port][/path]'],
      [patterns.GO_DURATION_PATTERN, 'Go duration (non-negative)'],
      [patterns.CRON_PATTERN, 'cron (5 fields in range, or @-macro)'],
      [patterns.TIMEZONE_PATTERN, 'IANA time zone'],
      [patterns.ABSOLUTE_PATH_PATTERN, 'absolute path, no `.`/`..` segments or control chars'],
      [patterns.REPO_PATH_PATTERN, 'repository path, no `..` segments or control chars'],
      [patterns.IP_OR_CIDR_PATTERN, 'IP or CIDR'],
      [patterns.HTTP_URL_PATTERN, 'http(s) URL with host, no user info'],
      [patterns.GIT_URL_PATTERN, 'git URL (https/ssh/git/scp-like, no leading `-`)'],
      [patterns.RESOURCE_QUANTITY_PATTERN, 'quantity (non-negative)'],
      [patterns.CORS_ORIGIN_PATTERN, 'CORS origin (`*` or http(s)://host[:port])'],
      [patterns.HEADER_NAME_PATTERN, 'HTTP header name'],
      [patterns.GIT_BRANCH_PATTERN, 'git branch name'],
      [patterns.PORT_NAME_PATTERN, 'DNS-1123 label'],
      [EXTERNAL_HOST_PATTERN, 'DNS name or `*.` wildcard'],
    ] as const
  ).map(([p, name]) => [unslash(p), name]),
);

function stringRule(n: JSONSchemaProps): string {
  const parts: string[] = [];
  if (n.enum) parts.push(`enum ${n.enum.map((e) => String(e)).join(' / ')}`);
  if (n.pattern) parts.push(PATTERN_NAMES.get(unslash(n.pattern)) ?? `\`${n.pattern}\``);
  if (n.format) parts.push(n.format);
  if (n.minLength !== undefined || n.maxLength !== undefined)
    parts.push(`length ${n.minLength ?? 0}..${n.maxLength ?? '∞'}`);
  return parts.join(', ') || 'any string';
}

/** One line per rule of a node (without its children). */
function ruleOf(n: JSONSchemaProps): string {
  const parts: string[] = [];
  if (n['x-kubernetes-int-or-string'])
    parts.push(`int or string${n.pattern ? ` (${PATTERN_NAMES.get(unslash(n.pattern)) ?? n.pattern})` : ''}`);
  else if (n.type === 'string') parts.push(stringRule(n));
  else if (n.type === 'integer' || n.type === 'number') {
    parts.push(`${n.type} ${n.minimum ?? '-∞'}..${n.maximum ?? '∞'}`);
  } else if (n.type === 'boolean') parts.push('boolean');
  else if (n.type === 'array') {
    const keys = n['x-kubernetes-list-map-keys'];
    parts.push(
      `list ≤${n.maxItems ?? '∞'}${n.minItems ? `, ≥${n.minItems}` : ''}${keys ? `, unique ${keys.join('+')}` : ''}`,
    );
  } else if (n.type === 'object' && n.additionalProperties) parts.push(`map ≤${n.maxProperties ?? '∞'}`);
  else if (n['x-kubernetes-preserve-unknown-fields'])
    parts.push(n.properties ? 'object, unknown fields kept' : 'free-form object (kept verbatim)');
  if (n.default !== undefined) parts.push(`default ${JSON.stringify(n.default)}`);
  for (const v of n['x-kubernetes-validations'] ?? []) {
    parts.push(v.rule === 'self == oldSelf' ? 'immutable' : `CEL: ${v.message}`);
  }
  return parts.join('; ');
}

interface Row {
  path: string;
  rule: string;
  kinds: string[];
}

function collect(n: JSONSchemaProps, path: string, out: Map<string, string>, required: boolean) {
  const r = ruleOf(n);
  const isLeaf = !n.properties && !n.items && !n.additionalProperties;
  const hasOwnRule =
    r !== '' &&
    !(
      n.type === 'object' &&
      !n.additionalProperties &&
      !n['x-kubernetes-preserve-unknown-fields'] &&
      !(n['x-kubernetes-validations'] ?? []).length
    );
  if (isLeaf || hasOwnRule) out.set(path, `${required ? 'required; ' : ''}${r || 'object'}`);
  for (const [k, v] of Object.entries(n.properties ?? {}))
    collect(v, `${path}.${k}`, out, (n.required ?? []).includes(k));
  if (n.items) collect(n.items, `${path}[]`, out, false);
  if (n.additionalProperties) collect(n.additionalProperties, `${path}.*`, out, false);
}

function fieldTable(): string {
  const byPath = new Map<string, Row>();
  for (const k of KINDS) {
    const spec = openApiSchemaFor(k.kind).properties?.spec;
    const rows = new Map<string, string>();
    rows.set(
      'metadata.name',
      `required; ${NAME_RULES[k.nameFormat].what}, ≤${NAME_RULES[k.nameFormat].maxLength}`,
    );
    if (spec) collect(spec, 'spec', rows, k.specRequired);
    for (const [path, rule] of rows) {
      const key = `${path}\u0000${rule}`;
      const row = byPath.get(key) ?? { path, rule, kinds: [] };
      row.kinds.push(k.kind);
      byPath.set(key, row);
    }
  }
  const lines = ['| field | kinds | rule |', '| --- | --- | --- |'];
  const all = KINDS.length;
  for (const r of [...byPath.values()].sort(
    (a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule),
  )) {
    const kinds = r.kinds.length === all ? 'all kinds' : r.kinds.join(', ');
    lines.push(`| \`${r.path}\` | ${kinds} | ${r.rule.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/** The table without the column padding `npm run format` adds. */
function normalise(table: string): string {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .map((c) => (/^\s*-+\s*$/.test(c) ? '---' : c.trim()))
        .join('|'),
    )
    .join('\n');
}

describe('docs/validation.md', () => {
  it('lists every user-written field with the rule the CRDs and the client apply', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, `${DOC} has no ${BEGIN} marker`).toBeGreaterThan(-1);
    const table = fieldTable();
    const current = normalise(doc.slice(start + BEGIN.length, end));
    if (process.env.UPDATE_VALIDATION_DOC === '1' && current !== normalise(table)) {
      writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n\n${table}\n\n${doc.slice(end)}`);
      return;
    }
    expect(current, 'run with UPDATE_VALIDATION_DOC=1 (then npm run format) to regenerate').toBe(
      normalise(table),
    );
  });
});
