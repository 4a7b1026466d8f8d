import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toYAML } from '../../../src/cli/output/yaml.js';

const OPTIONS = { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Strings like those of Kubernetes objects, and ones that need quoting or a block scalar. */
const text = fc.oneof(
  fc.constantFrom(
    'default',
    'openchoreo.dev/component',
    '2026-12-01T09:00:00Z',
    'c821ca4a-b7cb-400f-8076-fb7c23e0040d',
    'namespace "x" is ready',
    'http://orders:8080/api',
    'True',
    'true',
    'null',
    '~',
    '42',
    '0x1F',
    '1e3',
    '.inf',
    '-1.5',
    'a: b',
    'a #b',
    'ends:',
    ' lead',
    'trail ',
    'multi\nline',
    '',
    '@at',
    '- dash',
    '*star',
    "it's",
    'é',
    'key=value,x',
    '.',
    'k:{"type":"Ready"}',
    '{"apiVersion":"v1","kind":"X"}',
    '[1,2]',
    '"quoted"',
    `both ' and "`,
    'back\\slash',
    'tab\there',
    '?q',
    '!tag',
    '&anchor',
    '%pct',
    '|pipe',
    '>gt',
    '`tick',
    '{"apiVersion":"v1","kind":"ConfigMap"}\n',
    'line one\nline two',
    'a\n\nb\n',
    'a\n\n',
    ' lead\nx',
    'trail \nx',
    '\nfirst empty',
  ),
  fc.string({
    unit: fc.constantFrom(...'aZ09-./: #"\'_@={}[],\\!&*?|>%`'.split(''), '\n'),
  }),
);
const leaf = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.double());
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(text, tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('toYAML', () => {
  it('prints exactly what the yaml library prints (kubectl layout), for any JSON-like data', () => {
    fc.assert(
      fc.property(fc.dictionary(text, tree, { maxKeys: 5 }), (data) => {
        expect(toYAML(data)).toBe(stringify(data, OPTIONS));
      }),
      { numRuns: 2000 },
    );
  });
  it('prints a Kubernetes object the same way', () => {
    const obj = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'orders',
        namespace: 'acme',
        labels: { 'openchoreo.dev/project': 'shop' },
        annotations: {},
        managedFields: [{ manager: 'choreoctl', fieldsV1: { 'f:spec': { 'f:type': {} } } }],
      },
      spec: { owner: { projectName: 'shop' }, type: 'Service', ports: [8080, 9090], list: [[1, 2], []] },
      status: { conditions: [{ type: 'Ready', status: 'True', message: 'All 3 resources are deployed' }] },
    };
    expect(toYAML(obj)).toBe(stringify(obj, OPTIONS));
    expect(toYAML({ items: [obj, obj] })).toBe(stringify({ items: [obj, obj] }, OPTIONS));
  });
});
