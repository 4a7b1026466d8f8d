import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  executeTemplate,
  findResults,
  JsonPathError,
  relaxedExpression,
} from '../../../src/cli/output/jsonpath.js';

// The input of kubectl's JSONPath reference page (kubernetes.io/docs/reference/kubectl/jsonpath/).
const doc = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('kubectl JSONPath reference examples', () => {
  it.each([
    ['kind is {.kind}', 'kind is List'],
    ['{.kind}', 'List'],
    ["{['kind']}", 'List'],
    ['{$.kind}', 'List'],
    ['{..name}', '127.0.0.1 127.0.0.2 myself e2e'],
    ['{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'],
    ['{.users[0].name}', 'myself'],
    ['{.users[?(@.name=="e2e")].user.password}', 'secret'],
    [
      '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ],
    ["{range .items[*]}{.metadata.name}{'\\t'}{end}", '127.0.0.1\t127.0.0.2\t'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
  ])('%s', (template, want) => {
    expect(executeTemplate(template, doc)).toBe(want);
  });

  it('{@} and {$} print the whole input as JSON', () => {
    expect(executeTemplate('{@}', { a: 1 })).toBe('{"a":1}');
    expect(executeTemplate('{$}', { a: [1, 2] })).toBe('{"a":[1,2]}');
  });
});

describe('kubectl dialect details', () => {
  it('range/end with double-quoted escapes, as in the kubectl cheat sheet', () => {
    const list = {
      items: [
        { metadata: { name: 'a' }, status: { phase: 'Running' } },
        { metadata: { name: 'b' }, status: { phase: 'Pending' } },
      ],
    };
    expect(executeTemplate('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', list)).toBe(
      'a\tRunning\nb\tPending\n',
    );
  });
  it('nested ranges', () => {
    expect(
      executeTemplate(
        '{range .items[*]}{.metadata.name}:{range .status.addresses[*]}{.address},{end};{end}',
        doc,
      ),
    ).toBe('127.0.0.1:127.0.0.1,;127.0.0.2:127.0.0.2,127.0.0.3,;');
  });
  it('filters on conditions (Ready status)', () => {
    const obj = {
      status: {
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'EnvironmentNotFound' },
        ],
      },
    };
    expect(executeTemplate('{.status.conditions[?(@.type=="Ready")].status}', obj)).toBe('False');
    expect(executeTemplate("{.status.conditions[?(@.type!='Ready')].type}", obj)).toBe('Synced');
    expect(executeTemplate('{.status.conditions[?(@.reason)].reason}', obj)).toBe('EnvironmentNotFound');
  });
  it('numeric filters, slices, negative indices and unions', () => {
    const o = { xs: [{ n: 1 }, { n: 5 }, { n: 10 }], m: { a: 1, b: 2, c: 3 } };
    expect(executeTemplate('{.xs[?(@.n > 2)].n}', o)).toBe('5 10');
    expect(executeTemplate('{.xs[?(@.n<=5)].n}', o)).toBe('1 5');
    expect(executeTemplate('{.xs[-1].n}', o)).toBe('10');
    expect(executeTemplate('{.xs[0:2].n}', o)).toBe('1 5');
    expect(executeTemplate('{.xs[::2].n}', o)).toBe('1 10');
    expect(executeTemplate('{.xs[-2:].n}', o)).toBe('5 10');
    expect(executeTemplate('{.xs[0,2].n}', o)).toBe('1 10');
    expect(executeTemplate("{.m['a','c']}", o)).toBe('1 3');
    expect(executeTemplate('{.m.*}', o)).toBe('1 2 3');
    expect(executeTemplate('{.m[*]}', o)).toBe('1 2 3');
  });
  it('prints scalars as text and objects/arrays as compact JSON', () => {
    const o = { s: 'x', n: 1.5, b: true, z: null, arr: [1, 'a'], obj: { k: 'v' } };
    expect(executeTemplate('{.s} {.n} {.b} {.z} {.arr} {.obj}', o)).toBe('x 1.5 true null [1,"a"] {"k":"v"}');
  });
  it('literal text outside actions is kept verbatim', () => {
    expect(executeTemplate('name=({.a}) done\n', { a: 'x' })).toBe('name=(x) done\n');
  });
  it('missing keys print nothing by default, and fail when not allowed', () => {
    expect(executeTemplate('[{.nope.deeper}]', { a: 1 })).toBe('[]');
    expect(executeTemplate('{range .nope[*]}x{end}', {})).toBe('');
    expect(() => compileTemplate('{.nope}', { allowMissingKeys: false })({ a: 1 })).toThrow(
      /nope is not found/,
    );
    // recursive descent never counts as missing
    expect(compileTemplate('{..name}', { allowMissingKeys: false })(doc)).toBe(
      '127.0.0.1 127.0.0.2 myself e2e',
    );
  });
  it('rejects malformed templates', () => {
    expect(() => compileTemplate('{.a')).toThrow(JsonPathError);
    expect(() => compileTemplate('{range .items[*]}{.a}')).toThrow(/missing \{end\}/);
    expect(() => compileTemplate('{end}')).toThrow(/not in range/);
    expect(() => compileTemplate('{.a[?(@.x == )]}')).toThrow(JsonPathError);
    expect(() => compileTemplate('{.a[1:2:3:4]}')).toThrow(JsonPathError);
  });
  it('findResults and the relaxed syntax used by custom-columns and --sort-by', () => {
    expect(relaxedExpression('.metadata.name')).toBe('{.metadata.name}');
    expect(relaxedExpression('metadata.name')).toBe('{.metadata.name}');
    expect(relaxedExpression('{.metadata.name}')).toBe('{.metadata.name}');
    expect(findResults('.items[*].metadata.name', doc)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(() => relaxedExpression('')).toThrow(JsonPathError);
  });
});
