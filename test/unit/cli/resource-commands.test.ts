import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kindMeta } from '../../../src/api/kinds-meta.js';
import { validate } from '../../../src/api/validate.js';
import { actionOf } from '../../../src/cli/commands/apply/index.js';
import * as b from '../../../src/cli/commands/create/builders.js';
import { buildFor } from '../../../src/cli/commands/create/index.js';
import { parseDuration } from '../../../src/cli/commands/delete/index.js';
import { isChildOf } from '../../../src/cli/commands/describe/index.js';
import { renderDescribe, statusUrls } from '../../../src/cli/commands/describe/render.js';
import { clean, renderObjectDiff } from '../../../src/cli/commands/diff/index.js';
import { parseKindArgs } from '../../../src/cli/commands/get/index.js';
import { diffLines, unifiedDiff } from '../../../src/cli/diff.js';
import { lookupKind } from '../../../src/cli/kinds.js';
import { renderColumns } from '../../../src/cli/output/table.js';
import { columnsFor } from '../../../src/cli/resources.js';
import { childQuery } from '../../../src/services/resources.js';

describe('unified diff', () => {
  it('matches diff -u hunks', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const c = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
    expect(unifiedDiff('x', 'y', a, c)).toBe(
      '--- x\n+++ y\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n',
    );
    expect(unifiedDiff('x', 'y', '', 'a\nb\n')).toBe('--- x\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('x', 'y', 'a\n', 'a\n')).toBe('');
  });
  it('finds a shortest edit script', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.t !== ' ')).toHaveLength(5);
    expect(ops.filter((o) => o.t !== '+').map((o) => o.line)).toEqual(['a', 'b', 'c', 'a', 'b', 'b', 'a']);
    expect(ops.filter((o) => o.t !== '-').map((o) => o.line)).toEqual(['c', 'b', 'a', 'b', 'a', 'c']);
  });
  it('renders an object diff without bookkeeping fields', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'n',
        resourceVersion: '5',
        uid: 'u',
        generation: 1,
        managedFields: [{}],
      },
      data: { a: '1' },
    };
    const merged = { ...live, metadata: { ...live.metadata, resourceVersion: '6' }, data: { a: '2' } };
    expect(renderObjectDiff('v1.ConfigMap.n.c', clean(live), clean(merged))).toBe(
      'diff -u -N live/v1.ConfigMap.n.c merged/v1.ConfigMap.n.c\n--- live/v1.ConfigMap.n.c\n+++ merged/v1.ConfigMap.n.c\n' +
        '@@ -4,4 +4,4 @@\n   name: c\n   namespace: n\n data:\n-  a: "1"\n+  a: "2"\n',
    );
    expect(
      renderObjectDiff(
        'x',
        clean(live),
        clean({ ...live, metadata: { ...live.metadata, resourceVersion: '9' } }),
      ),
    ).toBe('');
  });
});

describe('describe rendering', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const component = {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'api',
      namespace: 'acme',
      uid: 'u1',
      creationTimestamp: '2026-01-01T11:55:00Z',
      labels: { team: 'payments' },
    },
    spec: { owner: { projectName: 'shop' }, type: 'Service' },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'DataPlaneNotFound',
          message: 'data plane "x" not found',
          lastTransitionTime: '2026-01-01T11:58:00Z',
        },
      ],
      endpoints: [{ name: 'api', url: 'https://api.acme.example/shop' }],
    },
  };
  it('renders fields, spec, conditions, endpoints, children and events', () => {
    const text = renderDescribe({
      object: component,
      children: [
        {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Workload',
          metadata: { name: 'api', creationTimestamp: '2026-01-01T11:56:00Z' },
        },
      ],
      events: [
        {
          type: 'Warning',
          reason: 'ReconcileFailed',
          message: 'no data plane',
          count: 3,
          source: { component: 'component-controller' },
          lastTimestamp: '2026-01-01T11:59:00Z',
        },
        { type: 'Normal', reason: 'Created', message: 'created', lastTimestamp: '2026-01-01T11:55:00Z' },
      ],
      now,
    });
    expect(text).toBe(
      [
        'Name:         api',
        'Organization: acme',
        'Kind:         Component',
        'API Version:  openchoreo.dev/v1alpha1',
        'Labels:       team=payments',
        'Annotations:  <none>',
        'Created:      2026-01-01T11:55:00Z (5m ago)',
        'Ready:        False (DataPlaneNotFound)',
        'Spec:',
        '  owner:',
        '    projectName: shop',
        '  type: Service',
        'Conditions:',
        '  Type    Status   Reason              Last Transition   Message',
        '  Ready   False    DataPlaneNotFound   2m ago            data plane "x" not found',
        'Endpoints:',
        '  https://api.acme.example/shop',
        'Children:',
        '  Kind       Name   Ready     Age',
        '  Workload   api    Unknown   4m',
        'Events:',
        '  Type      Reason            Age        From                   Message',
        '  ----      ------            ----       ----                   -------',
        '  Normal    Created           5m                                created',
        '  Warning   ReconcileFailed   60s (x3)   component-controller   no data plane',
        '',
      ].join('\n'),
    );
  });
  it('finds URLs anywhere in status but not in conditions', () => {
    expect(
      statusUrls({
        a: { url: 'http://x' },
        conditions: [{ message: 'http://y' }],
        b: ['grpc://z:1', 'nope'],
      }),
    ).toEqual(['http://x', 'grpc://z:1']);
  });
  it('knows children by owner reference and by owner fields', () => {
    const project = { kind: 'Project', metadata: { name: 'shop', uid: 'p' } };
    expect(isChildOf(project, { kind: 'Component', spec: { owner: { projectName: 'shop' } } })).toBe(true);
    expect(isChildOf(project, { kind: 'Component', spec: { owner: { projectName: 'other' } } })).toBe(false);
    expect(
      isChildOf(component, {
        kind: 'Workload',
        spec: { owner: { projectName: 'shop', componentName: 'api' } },
      }),
    ).toBe(true);
    expect(
      isChildOf(component, { kind: 'Workload', spec: { owner: { projectName: 'x', componentName: 'api' } } }),
    ).toBe(false);
    expect(isChildOf(component, { kind: 'Release', metadata: { ownerReferences: [{ uid: 'u1' }] } })).toBe(
      true,
    );
  });
});

describe('where describe looks for children', () => {
  const kind = (k: string) => {
    const m = kindMeta(k);
    if (!m) throw new Error(k);
    return m;
  };
  it('a component, or anything of one, reads its own objects: by field where the CRD has it, else by label', () => {
    const component = {
      kind: 'Component',
      metadata: { name: 'api' },
      spec: { owner: { projectName: 'shop' } },
    };
    expect(childQuery(component, kind('Workload'))).toEqual({
      fieldSelector: 'spec.owner.componentName=api',
    });
    expect(childQuery(component, kind('Release'))).toEqual({ fieldSelector: 'spec.owner.componentName=api' });
    expect(childQuery(component, kind('APIBinding'))).toEqual({
      labelSelector: 'openchoreo.dev/component=api',
    });
    expect(childQuery(component, kind('Endpoint'))).toEqual({
      labelSelector: 'openchoreo.dev/component=api',
    });
    // Nothing applied before a component (platform objects, other components) belongs to one.
    for (const k of ['Environment', 'Project', 'ServiceClass', 'Component'])
      expect(childQuery(component, kind(k)), k).toBe('none');
    const binding = {
      kind: 'ServiceBinding',
      spec: { owner: { projectName: 'shop', componentName: 'api' } },
    };
    expect(childQuery(binding, kind('Release'))).toEqual({ fieldSelector: 'spec.owner.componentName=api' });
    const legacy = { kind: 'Deployment', metadata: { labels: { 'openchoreo.dev/component': 'api' } } };
    expect(childQuery(legacy, kind('Endpoint'))).toEqual({ labelSelector: 'openchoreo.dev/component=api' });
  });
  it('a project reads its components and its Releases; a platform object, the namespace', () => {
    const project = { kind: 'Project', metadata: { name: 'shop' } };
    expect(childQuery(project, kind('Component'))).toEqual({ fieldSelector: 'spec.owner.projectName=shop' });
    expect(childQuery(project, kind('Release'))).toEqual({ fieldSelector: 'spec.owner.projectName=shop' });
    expect(childQuery(project, kind('Workload'))).toBe('none');
    expect(childQuery({ kind: 'Environment', metadata: { name: 'dev' } }, kind('Release'))).toBe('all');
  });
});

describe('create builders', () => {
  const ctx = { project: 'shop', component: 'api', environment: 'dev' };
  const cases: [string, Record<string, unknown>][] = [
    ['organization', { displayName: 'ACME' }],
    ['project', { pipeline: 'default' }],
    ['component', { type: 'Service', gitUrl: 'https://github.com/acme/api', branch: 'dev' }],
    ['component', { type: 'WebApplication' }],
    ['environment', { dataplane: 'default', production: true, dnsPrefix: 'prod' }],
    ['dataplane', { publicHost: 'apps.example.com', server: 'https://10.0.0.1:6443', token: 't' }],
    ['buildplane', { kubeconfigSecret: 'bp-kubeconfig' }],
    ['deploymentpipeline', { path: ['development:staging', 'staging:production*'] }],
    ['deploymenttrack', { autoDeploy: true, branch: 'main' }],
    ['deployment', { artifact: 'api-v1' }],
    ['workload', { image: 'ghcr.io/acme/api:1', port: ['api:REST:8080', '9090'] }],
  ];
  it.each(cases)('%s builds a valid object', (kind, flags) => {
    const doc = buildFor(kind, 'x1', 'acme', flags, ctx);
    const r = validate(doc);
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(doc.metadata.namespace).toBe(kind === 'organization' ? undefined : 'acme');
  });
  it('builds promotion paths with approvals', () => {
    expect(
      b.parsePromotionPaths(['development:staging', 'staging:production*,dr*', 'development:qa']),
    ).toEqual([
      { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }, { name: 'qa' }] },
      {
        sourceEnvironmentRef: 'staging',
        targetEnvironmentRefs: [
          { name: 'production', requiresApproval: true },
          { name: 'dr', requiresApproval: true },
        ],
      },
    ]);
    expect(() => b.parsePromotionPaths(['staging'])).toThrow(/invalid --path "staging"/);
  });
  it('parses ports and reports missing inputs', () => {
    expect(b.parsePort('api:REST:8080')).toEqual(['api', { type: 'REST', port: 8080 }]);
    expect(b.parsePort('8080')).toEqual(['http', { type: 'HTTP', port: 8080 }]);
    expect(() => b.parsePort('api:REST:99999')).toThrow(b.BuildError);
    expect(() => buildFor('component', 'c', 'acme', {}, ctx)).toThrow(/--type is required/);
    expect(() => buildFor('workload', 'w', 'acme', {}, ctx)).toThrow(/--image is required/);
    expect(() => buildFor('component', 'c', 'acme', { type: 'Service' }, {})).toThrow(
      /a project is required/,
    );
  });
});

describe('small pure helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5')).toBe(5000);
    expect(parseDuration('soon')).toBeUndefined();
  });
  it('splits kind arguments', () => {
    expect(parseKindArgs('comp/api', ['web'])).toEqual({
      kinds: ['comp'],
      names: ['api', 'web'],
      multi: false,
    });
    expect(parseKindArgs('comp,proj', [])).toEqual({ kinds: ['comp', 'proj'], names: [], multi: true });
    expect(parseKindArgs('openchoreo', []).kinds.length).toBeGreaterThan(20);
  });
  it('decides created / configured / unchanged', () => {
    const o = (rv: string, generation: number) => ({ metadata: { resourceVersion: rv, generation } });
    expect(actionOf(undefined, o('1', 1))).toBe('created');
    expect(actionOf(o('1', 1), o('1', 1))).toBe('unchanged');
    expect(actionOf(o('1', 1), o('2', 2))).toBe('configured');
  });
  it('does not count a controller write between the read and the apply as a change', () => {
    const obj = (rv: string, meta: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
      metadata: { resourceVersion: rv, generation: 1, ...meta },
      spec: { type: 'Service' },
      ...rest,
    });
    const sent = { metadata: { labels: { tier: 'web' } }, spec: { type: 'Service' } };
    const before = obj('1', { labels: { tier: 'web' } });
    // A status write, a finalizer or a controller's own annotation moved the version: unchanged.
    expect(actionOf(before, obj('5', { labels: { tier: 'web' } }, { status: { a: 1 } }), sent)).toBe(
      'unchanged',
    );
    expect(actionOf(before, obj('5', { labels: { tier: 'web' }, finalizers: ['x'] }), sent)).toBe(
      'unchanged',
    );
    expect(
      actionOf(before, obj('5', { labels: { tier: 'web' }, annotations: { 'openchoreo.dev/x': 'y' } }), sent),
    ).toBe('unchanged');
    // What the apply sent did change: configured.
    expect(actionOf(obj('1', { labels: { tier: 'api' } }), obj('5', { labels: { tier: 'web' } }), sent)).toBe(
      'configured',
    );
    expect(
      actionOf(obj('1', { labels: { tier: 'web', old: 'x' } }), obj('5', { labels: { tier: 'web' } }), sent),
    ).toBe('configured');
    const cm = (rv: string, v: string) => ({ metadata: { resourceVersion: rv }, data: { k: v } });
    expect(actionOf(cm('1', 'a'), cm('2', 'b'), { data: { k: 'b' } })).toBe('configured');
    expect(actionOf(cm('1', 'a'), cm('2', 'a'), { data: { k: 'a' } })).toBe('unchanged');
    expect(actionOf(before, { ...obj('5'), metadata: { resourceVersion: '5', generation: 2 } }, sent)).toBe(
      'configured',
    );
  });
  it('builds kubectl-like columns with READY and the -A organization column', () => {
    const comp = lookupKind('comp');
    const cols = columnsFor(
      { choreo: comp, info: { kind: 'Component', group: 'openchoreo.dev', namespaced: true } },
      { allNamespaces: true, now: Date.parse('2026-01-01T12:00:00Z') },
    );
    const text = renderColumns(
      [
        {
          metadata: { name: 'api', namespace: 'acme', creationTimestamp: '2026-01-01T11:00:00Z' },
          spec: { owner: { projectName: 'shop' }, type: 'Service' },
          status: { conditions: [{ type: 'Ready', status: 'False', reason: 'DataPlaneNotFound' }] },
        },
      ],
      cols,
    );
    expect(text).toBe(
      'ORGANIZATION   NAME   PROJECT   TYPE      READY                       AGE\n' +
        'acme           api    shop      Service   False (DataPlaneNotFound)   60m\n',
    );
  });
});

it('the kinds table reaches src/api only through the zod-free kinds-meta module', () => {
  const read = (p: string) => readFileSync(new URL(p, import.meta.url), 'utf8');
  const cliImports = read('../../../src/cli/kinds.ts').match(/^import .*$/gm) ?? [];
  expect(cliImports).toEqual([expect.stringMatching(/from '\.\.\/api\/kinds-meta\.js';$/)]);
  // kinds-meta itself loads nothing at run time (type-only imports are erased).
  const metaImports = read('../../../src/api/kinds-meta.ts').match(/^import .*$/gm) ?? [];
  expect(metaImports.every((l) => l.startsWith('import type '))).toBe(true);
});
