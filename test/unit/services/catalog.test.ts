// The service catalog: bindings' status.endpoints and legacy Endpoints → sorted catalog entries; the loader.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validate } from '../../../src/api/index.js';
import type { KubeList, KubeObject, ListOptions } from '../../../src/kube/client.js';
import type { GVR, ResourceRef } from '../../../src/kube/discovery.js';
import { errorFromStatus } from '../../../src/kube/errors.js';
import {
  accessUrl,
  buildCatalog,
  CATALOG_SOURCES,
  catalogSources,
  type EndpointCatalogEntry,
  loadCatalog,
} from '../../../src/services/catalog.js';

const V = 'openchoreo.dev/v1alpha1';
const T0 = '2025-01-01T00:00:00Z';

const labels = (project: string, component: string, environment: string) => ({
  'openchoreo.dev/organization': 'acme',
  'openchoreo.dev/project': project,
  'openchoreo.dev/component': component,
  'openchoreo.dev/environment': environment,
});

const ready = (status: string, reason: string, observedGeneration = 1) => ({
  type: 'Ready',
  status,
  reason,
  message: reason,
  lastTransitionTime: T0,
  observedGeneration,
});

function serviceBinding(
  name: string,
  opts: { project: string; component: string; env: string; endpoints?: unknown[]; ns?: string },
): KubeObject {
  return {
    apiVersion: V,
    kind: 'ServiceBinding',
    metadata: {
      name,
      namespace: opts.ns ?? 'acme',
      generation: 1,
      creationTimestamp: T0,
      labels: labels(opts.project, opts.component, opts.env),
    },
    spec: {
      owner: { projectName: opts.project, componentName: opts.component },
      environment: opts.env,
      className: 'default',
      workloadSpec: { containers: { main: { image: 'nginx' } } },
    },
    ...(opts.endpoints
      ? { status: { conditions: [ready('True', 'Ready')], endpoints: opts.endpoints } }
      : {}),
  };
}

const projectAccess = (host: string, port: number) => ({
  host,
  port,
  scheme: 'http',
  uri: `http://${host}:${port}`,
});

const row = (e: EndpointCatalogEntry) =>
  [
    e.metadata.namespace,
    `${e.owner.projectName}/${e.owner.componentName}`,
    e.environment,
    e.metadata.name,
    e.visibility,
    e.type,
    e.url,
    e.ready.status,
  ].join(' ');

describe('buildCatalog', () => {
  it('makes one entry per endpoint and visibility, with the binding owner, environment, readiness and age', () => {
    const b = serviceBinding('orders-dev', {
      project: 'shop',
      component: 'orders',
      env: 'development',
      endpoints: [
        {
          name: 'rest',
          type: 'REST',
          project: projectAccess('orders-1c168adb', 8080),
          organization: {
            host: 'development.choreoapis.internal',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders/api',
            uri: 'https://development.choreoapis.internal:8443/shop/orders/api',
          },
          // No uri: the URL is composed from scheme, host, port and basePath.
          public: {
            host: 'development.choreoapis.localhost',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders/api',
          },
        },
      ],
    });
    expect(validate(b).ok).toBe(true);
    const entries = buildCatalog({ bindings: [b] });
    expect(entries.map(row)).toEqual([
      'acme shop/orders development rest Project REST http://orders-1c168adb:8080 True',
      'acme shop/orders development rest Organization REST https://development.choreoapis.internal:8443/shop/orders/api True',
      'acme shop/orders development rest Public REST https://development.choreoapis.localhost:8443/shop/orders/api True',
    ]);
    const pub = entries[2] as EndpointCatalogEntry;
    expect(pub).toEqual({
      apiVersion: V,
      kind: 'EndpointCatalogEntry',
      metadata: {
        name: 'rest',
        namespace: 'acme',
        labels: labels('shop', 'orders', 'development'),
        creationTimestamp: T0,
      },
      owner: { projectName: 'shop', componentName: 'orders' },
      environment: 'development',
      visibility: 'Public',
      type: 'REST',
      url: 'https://development.choreoapis.localhost:8443/shop/orders/api',
      address: {
        host: 'development.choreoapis.localhost',
        port: 8443,
        scheme: 'https',
        basePath: '/shop/orders/api',
      },
      ready: { status: 'True', reason: 'Ready', message: 'Ready' },
      source: { apiVersion: V, kind: 'ServiceBinding', name: 'orders-dev' },
    });
  });

  it('reads the endpoints the Service renderer reports (golden fixture)', () => {
    const expected = parse(
      readFileSync(new URL('../../fixtures/render/service-apis/expected.yaml', import.meta.url), 'utf8'),
    ) as { endpoints: unknown[] };
    const b = serviceBinding('orders', {
      project: 'shop',
      component: 'orders',
      env: 'dev',
      endpoints: expected.endpoints,
    });
    const entries = buildCatalog({ bindings: [b] });
    const count = expected.endpoints
      .map((e) => ['project', 'organization', 'public'].filter((k) => k in (e as object)).length)
      .reduce((a, n) => a + n, 0);
    expect(entries).toHaveLength(count);
    expect(entries.map((e) => `${e.metadata.name} ${e.visibility} ${e.url}`)).toContain(
      'internal Organization https://dev.internal.example.com:8443/shop/orders/internal',
    );
  });

  it('lists nothing for a binding without status, and for ScheduledTaskBindings or unknown kinds', () => {
    const pending = serviceBinding('orders-dev', { project: 'shop', component: 'orders', env: 'dev' });
    const task = { ...pending, kind: 'ScheduledTaskBinding', status: { endpoints: [] } };
    const other = { ...serviceBinding('x', { project: 'p', component: 'c', env: 'dev', endpoints: [] }) };
    expect(buildCatalog({ bindings: [pending, task, { ...other, kind: 'Workload' }] })).toEqual([]);
  });

  it('an APIBinding exposed at organization and public, owner from labels or from its API', () => {
    const apiBinding = (name: string, withLabels: boolean): KubeObject => ({
      apiVersion: V,
      kind: 'APIBinding',
      metadata: {
        name,
        namespace: 'acme',
        creationTimestamp: T0,
        generation: 2,
        ...(withLabels ? { labels: labels('shop', 'orders', 'staging') } : {}),
      },
      spec: { apiClassName: 'default', apiName: 'orders-api', environmentName: 'staging' },
      status: {
        // Written for generation 1: stale.
        conditions: [ready('True', 'Ready', 1)],
        endpoints: [
          {
            name: 'orders-api',
            type: 'REST',
            organization: {
              host: 'staging.choreoapis.internal',
              port: 8443,
              scheme: 'https',
              basePath: '/o',
            },
            public: { host: 'staging.choreoapis.localhost', port: 443, scheme: 'https', basePath: '/o' },
          },
        ],
      },
    });
    const api: KubeObject = {
      apiVersion: V,
      kind: 'API',
      metadata: { name: 'orders-api', namespace: 'acme' },
      spec: { owner: { projectName: 'shop', componentName: 'orders' } },
    };
    const labelled = buildCatalog({ bindings: [apiBinding('a', true)] });
    expect(labelled.map(row)).toEqual([
      'acme shop/orders staging orders-api Organization REST https://staging.choreoapis.internal:8443/o Unknown',
      // https:443 leaves the port out.
      'acme shop/orders staging orders-api Public REST https://staging.choreoapis.localhost/o Unknown',
    ]);
    expect(labelled[0]?.ready.reason).toBe('Stale');
    const bare = apiBinding('b', false);
    expect(buildCatalog({ bindings: [bare] }).map((e) => e.owner)).toEqual([
      { projectName: '', componentName: '' },
      { projectName: '', componentName: '' },
    ]);
    expect(buildCatalog({ bindings: [bare], apis: [api] }).map(row)).toEqual(labelled.map(row));
  });

  it('a legacy Endpoint: public by default, organization and public when enabled, URL from status.address', () => {
    const legacy = (name: string, spec: Record<string, unknown>, address?: string): KubeObject => ({
      apiVersion: V,
      kind: 'Endpoint',
      metadata: {
        name,
        namespace: 'acme',
        creationTimestamp: T0,
        labels: labels('legacy', 'billing', 'production'),
      },
      spec: {
        type: 'REST',
        backendRef: { type: 'componentRef', componentRef: { port: 8080 } },
        ...spec,
      },
      status: {
        conditions: [ready('False', 'EndpointReady')],
        ...(address ? { address } : {}),
      },
    });
    const plain = legacy('billing-ep', {}, 'https://prod.example.com/legacy/billing');
    const both = legacy('billing-both', {
      networkVisibilities: { organization: { enable: true }, public: { enable: true } },
    });
    const none = legacy('billing-hidden', { networkVisibilities: { public: { enable: false } } });
    for (const o of [plain, both, none]) expect(validate(o).ok).toBe(true);
    const entries = buildCatalog({ bindings: [], endpoints: [none, both, plain] });
    expect(entries.map(row)).toEqual([
      'acme legacy/billing production billing-both Organization REST  False',
      'acme legacy/billing production billing-both Public REST  False',
      'acme legacy/billing production billing-ep Public REST https://prod.example.com/legacy/billing False',
    ]);
    expect(entries[0]?.ready).toEqual({ status: 'False', reason: 'EndpointReady', message: 'EndpointReady' });
    expect(entries[0]?.source).toEqual({ apiVersion: V, kind: 'Endpoint', name: 'billing-both' });
  });

  it('sorts by organization, project, component, environment, endpoint, then visibility narrowest first', () => {
    const ep = (name: string, levels: string[]) => ({
      name,
      type: 'HTTP',
      ...Object.fromEntries(levels.map((l) => [l, projectAccess(`${name}-host`, 80)])),
    });
    const bindings = [
      serviceBinding('z', {
        ns: 'beta',
        project: 'a',
        component: 'a',
        env: 'dev',
        endpoints: [ep('e', ['project'])],
      }),
      serviceBinding('y', {
        project: 'shop',
        component: 'web',
        env: 'prod',
        endpoints: [ep('b', ['public', 'project']), ep('a', ['organization'])],
      }),
      serviceBinding('x', {
        project: 'shop',
        component: 'web',
        env: 'dev',
        endpoints: [ep('z', ['project'])],
      }),
      serviceBinding('w', {
        project: 'shop',
        component: 'api',
        env: 'prod',
        endpoints: [ep('q', ['public'])],
      }),
      serviceBinding('v', { project: 'ads', component: 'zz', env: 'prod', endpoints: [ep('q', ['public'])] }),
    ];
    const entries = buildCatalog({ bindings });
    expect(entries.map((e) => `${row(e).split(' ').slice(0, 5).join(' ')}`)).toEqual([
      'acme ads/zz prod q Public',
      'acme shop/api prod q Public',
      'acme shop/web dev z Project',
      'acme shop/web prod a Organization',
      'acme shop/web prod b Project',
      'acme shop/web prod b Public',
      'beta a/a dev e Project',
    ]);
    // The reported uri is shown as is; a composed URL leaves http:80 out.
    expect(entries[0]?.url).toBe('http://q-host:80');
    expect(accessUrl({ host: 'h', port: 80, scheme: 'http' })).toBe('http://h');
    expect(accessUrl({ host: 'h', port: 9000 })).toBe('h:9000');
    expect(catalogSources(entries).map((s) => s.name)).toEqual(['v', 'w', 'x', 'y', 'z']);
  });
});

describe('loadCatalog', () => {
  it('lists every source in parallel, keeps the label selector, and survives a missing CRD', async () => {
    const calls: { resource: string; opts: ListOptions }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const kube = {
      async listAll<T>(
        r: ResourceRef,
        opts: ListOptions = {},
      ): Promise<{ items: T[]; resourceVersion: string }> {
        const resource = (r as GVR).resource;
        calls.push({ resource, opts });
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((res) => setTimeout(res, 5));
        inFlight--;
        if (resource === 'endpoints') {
          throw errorFromStatus({
            kind: 'Status',
            code: 404,
            reason: 'NotFound',
            message: 'the server could not find the requested resource',
          });
        }
        const items: KubeObject[] =
          resource === 'servicebindings'
            ? [
                // Lists carry no kind: the loader puts it back.
                {
                  ...serviceBinding('orders-dev', {
                    project: 'shop',
                    component: 'orders',
                    env: 'dev',
                    endpoints: [{ name: 'rest', type: 'REST', project: projectAccess('h', 8080) }],
                  }),
                  kind: undefined,
                },
              ]
            : [];
        return { items: items as T[], resourceVersion: '1' } satisfies Omit<KubeList<T>, 'metadata'> & {
          resourceVersion: string;
        };
      },
    };
    const r = await loadCatalog(kube, { namespace: 'acme', labelSelector: 'team=pay' });
    expect(r.missing).toEqual(['endpoints.openchoreo.dev']);
    expect(r.entries.map(row)).toEqual(['acme shop/orders dev rest Project REST http://h:8080 True']);
    expect(calls.map((c) => c.resource).sort()).toEqual(CATALOG_SOURCES.map((s) => s.resource).sort());
    expect(calls.every((c) => c.opts.namespace === 'acme' && c.opts.labelSelector === 'team=pay')).toBe(true);
    expect(maxInFlight).toBe(CATALOG_SOURCES.length);
  });

  it('fails on other errors (e.g. Forbidden) instead of showing a partial catalog', async () => {
    const kube = {
      async listAll(): Promise<never> {
        throw errorFromStatus({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'forbidden' });
      },
    };
    await expect(loadCatalog(kube)).rejects.toThrow('forbidden');
  });
});
