import { describe, expect, it } from 'vitest';
import {
  parseCustomColumns,
  parseCustomColumnsFile,
  renderCustomColumns,
} from '../../../src/cli/output/custom-columns.js';
import { JsonPathError } from '../../../src/cli/output/jsonpath.js';
import {
  type KubeObject,
  nameOf,
  OutputFormatError,
  parseOutputFormat,
  printObjects,
} from '../../../src/cli/output/printers.js';
import { sortByJsonPath } from '../../../src/cli/output/sort.js';

const comp = (name: string, ready: string, created: string, replicas?: number): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'acme', creationTimestamp: created },
  spec: { ...(replicas === undefined ? {} : { replicas }) },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

const items = [
  comp('web', 'True', '2025-01-03T00:00:00Z', 3),
  comp('api', 'False', '2025-01-01T00:00:00Z', 10),
  comp('db', 'True', '2025-01-02T00:00:00Z'),
];

describe('custom-columns', () => {
  it('parses NAME:expr pairs, keeping filters with commas/colons intact', () => {
    const cols = parseCustomColumns(
      'NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,X:{.a[0,1]}',
    );
    expect(cols).toEqual([
      { header: 'NAME', expression: '{.metadata.name}' },
      { header: 'READY', expression: '{.status.conditions[?(@.type=="Ready")].status}' },
      { header: 'X', expression: '{.a[0,1]}' },
    ]);
  });
  it('reports kubectl-style errors', () => {
    expect(() => parseCustomColumns('')).toThrow(
      'custom-columns format specified but no custom columns given',
    );
    expect(() => parseCustomColumns('NAME')).toThrow(
      'unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>',
    );
    expect(() => parseCustomColumns(':.a')).toThrow(JsonPathError);
    expect(() => parseCustomColumns('A:.a[')).toThrow(JsonPathError);
  });
  it('renders <none> for missing values and joins multiple results with commas', () => {
    const cols = parseCustomColumns(
      'NAME:.metadata.name,REPLICAS:.spec.replicas,TYPES:.status.conditions[*].type',
    );
    expect(renderCustomColumns(cols, items.slice(1))).toBe(
      'NAME   REPLICAS   TYPES\napi    10         Ready\ndb     <none>     Ready\n',
    );
  });
  it('reads custom-columns-file (headers line, expressions line)', () => {
    expect(parseCustomColumnsFile('NAME   READY\n.metadata.name   .status.conditions[0].status\n')).toEqual([
      { header: 'NAME', expression: '{.metadata.name}' },
      { header: 'READY', expression: '{.status.conditions[0].status}' },
    ]);
    expect(() => parseCustomColumnsFile('A B\n.a\n')).toThrow(/does not match/);
  });
});

describe('--sort-by', () => {
  it('sorts strings, timestamps and numbers; missing values first; stable', () => {
    const names = (xs: KubeObject[]) => xs.map((x) => x.metadata?.name);
    expect(names(sortByJsonPath(items, '{.metadata.name}'))).toEqual(['api', 'db', 'web']);
    expect(names(sortByJsonPath(items, '.metadata.creationTimestamp'))).toEqual(['api', 'db', 'web']);
    expect(names(sortByJsonPath(items, '.spec.replicas'))).toEqual(['db', 'web', 'api']);
    expect(names(sortByJsonPath(items, '.status.conditions[0].status'))).toEqual(['api', 'web', 'db']);
  });
  it('fails when no item has the field', () => {
    expect(() => sortByJsonPath(items, '.nope')).toThrow(/couldn't find any field/);
  });
});

describe('output formats', () => {
  it('-o name is kind.group/name', () => {
    expect(nameOf(items[0] as KubeObject)).toBe('component.openchoreo.dev/web');
    expect(nameOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toBe('pod/p');
    expect(printObjects(items, parseOutputFormat('name'))).toBe(
      'component.openchoreo.dev/web\ncomponent.openchoreo.dev/api\ncomponent.openchoreo.dev/db\n',
    );
  });
  it('json: one object as itself, several as a v1 List, 2-space indent', () => {
    const one = printObjects([items[0] as KubeObject], parseOutputFormat('json'), { single: true });
    expect(JSON.parse(one)).toEqual(items[0]);
    expect(one.split('\n')[1]).toBe('  "apiVersion": "openchoreo.dev/v1alpha1",');
    const list = JSON.parse(printObjects(items, parseOutputFormat('json')));
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items).toHaveLength(3);
  });
  it('yaml: kubectl layout (sequences not indented)', () => {
    const out = printObjects(items.slice(0, 1), parseOutputFormat('yaml'));
    expect(
      out.startsWith('apiVersion: v1\nkind: List\nitems:\n- apiVersion: openchoreo.dev/v1alpha1\n'),
    ).toBe(true);
  });
  it('jsonpath runs against the List for lists and the object for single', () => {
    expect(printObjects(items, parseOutputFormat('jsonpath={.items[*].metadata.name}'))).toBe('web api db');
    expect(
      printObjects([items[0] as KubeObject], parseOutputFormat('jsonpath={.metadata.name}'), {
        single: true,
      }),
    ).toBe('web');
  });
  it('tables, wide and --sort-by', () => {
    const columns = [
      { header: 'NAME', value: (o: KubeObject) => o.metadata?.name ?? '' },
      { header: 'NS', value: (o: KubeObject) => o.metadata?.namespace ?? '', wide: true },
    ];
    expect(printObjects(items, parseOutputFormat(undefined), { columns, sortBy: '.metadata.name' })).toBe(
      'NAME\napi\ndb\nweb\n',
    );
    expect(printObjects(items.slice(0, 1), parseOutputFormat('wide'), { columns })).toBe(
      'NAME   NS\nweb    acme\n',
    );
    expect(printObjects([], parseOutputFormat(undefined), { columns })).toBe('');
  });
  it('rejects unknown formats and empty templates', () => {
    expect(() => parseOutputFormat('xml')).toThrow(OutputFormatError);
    expect(() => parseOutputFormat('xml')).toThrow(/allowed formats are: json,yaml,name,wide,jsonpath/);
    expect(() => parseOutputFormat('jsonpath=')).toThrow(/no template given/);
    expect(() => parseOutputFormat('jsonpath={.a')).toThrow(OutputFormatError);
    expect(() => parseOutputFormat('json=x')).toThrow(OutputFormatError);
  });
  it('reads *-file formats through the given reader', () => {
    const f = parseOutputFormat('jsonpath-file=/t', () => '{.kind}');
    expect(f.kind === 'jsonpath' && f.render({ kind: 'X' })).toBe('X');
  });
});
