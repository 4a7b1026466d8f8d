/**
 * End-to-end test of `choreoctl get endpoints` (the service catalog) with the BUILT CLI against the real
 * kube-apiserver (`npm run build` first). Bindings get their `status.endpoints` through the status subresource,
 * as the binding controllers write them; a legacy Endpoint gets `status.address` the same way.
 *
 * Binding controllers of other test files may run cluster-wide in parallel: every binding here is given the
 * Ready condition they would write themselves (its class does not exist in these namespaces), and they keep
 * the endpoints on such a failure, so the rows do not depend on whether a controller saw these objects.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/kube/client.js';
import type { EndpointCatalogEntry } from '../../src/services/catalog.js';
import { uniqueName } from '../integration/helpers.js';
import { e2eOrganizations } from './harness.js';

const V = 'openchoreo.dev/v1alpha1';

// Names sort: `org` before `other` (uniqueName appends the same kind of suffix to both).
const org = uniqueName('e2e-cat-a');
const other = uniqueName('e2e-cat-b');
const h = e2eOrganizations({ prefix: 'e2e-cat', organizations: [org, other], stripFinalNewline: false });

async function cli(args: string[]) {
  const r = await h.cli(args);
  expect(r.stdout).not.toContain('\u001b');
  return r;
}

const hierarchy = (ns: string, project: string, component: string, environment: string) => ({
  'openchoreo.dev/organization': ns,
  'openchoreo.dev/project': project,
  'openchoreo.dev/component': component,
  'openchoreo.dev/environment': environment,
});

const notFound = (kind: string, ns: string, name = 'default') => ({
  type: 'Ready',
  status: 'False',
  reason: `${kind}NotFound`,
  message: `${kind} "${name}" not found in namespace "${ns}"`,
  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  observedGeneration: 1,
});

/** Creates the object, then writes its status through the status subresource. */
async function withStatus(obj: KubeObject, status: Record<string, unknown> | undefined): Promise<void> {
  const created = await h.kube.create(obj);
  if (status) await h.kube.replaceStatus({ ...created, status });
}

const workload = (endpoint: string, type: string, port: number) => ({
  containers: { main: { image: 'ghcr.io/acme/app:1.0.0' } },
  endpoints: { [endpoint]: { type, port } },
});

beforeAll(async () => {
  // org: a Service exposing `rest` at every level and `admin` in the project only.
  await withStatus(
    {
      apiVersion: V,
      kind: 'ServiceBinding',
      metadata: {
        name: 'orders-development',
        namespace: org,
        labels: { ...hierarchy(org, 'shop', 'orders', 'development'), team: 'orders' },
      },
      spec: {
        owner: { projectName: 'shop', componentName: 'orders' },
        environment: 'development',
        workloadSpec: workload('rest', 'REST', 8080),
      },
    },
    {
      conditions: [notFound('ServiceClass', org)],
      endpoints: [
        {
          name: 'admin',
          type: 'HTTP',
          project: { host: 'orders-1a2b', port: 9090, scheme: 'http', uri: 'http://orders-1a2b:9090' },
        },
        {
          name: 'rest',
          type: 'REST',
          project: { host: 'orders-1a2b', port: 8080, scheme: 'http', uri: 'http://orders-1a2b:8080' },
          organization: {
            host: 'development.choreoapis.internal',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders',
          },
          public: {
            host: 'development.choreoapis.localhost',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders',
            uri: 'https://development.choreoapis.localhost:8443/shop/orders',
          },
        },
      ],
    },
  );
  // org: a web application, public.
  await withStatus(
    {
      apiVersion: V,
      kind: 'WebApplicationBinding',
      metadata: {
        name: 'storefront-development',
        namespace: org,
        labels: hierarchy(org, 'shop', 'storefront', 'development'),
      },
      spec: {
        owner: { projectName: 'shop', componentName: 'storefront' },
        environment: 'development',
        workloadSpec: workload('http', 'HTTP', 80),
      },
    },
    {
      conditions: [notFound('WebApplicationClass', org)],
      endpoints: [
        {
          name: 'http',
          type: 'HTTP',
          project: { host: 'storefront-9f8e', port: 80, scheme: 'http', uri: 'http://storefront-9f8e' },
          public: {
            host: 'storefront-development.choreoapps.localhost',
            port: 8443,
            scheme: 'https',
            basePath: '/',
          },
        },
      ],
    },
  );
  // org: an API bound in staging, organization + public; owner only from its labels.
  await withStatus(
    {
      apiVersion: V,
      kind: 'APIBinding',
      metadata: {
        name: 'orders-api-staging',
        namespace: org,
        labels: hierarchy(org, 'shop', 'orders', 'staging'),
      },
      spec: { apiClassName: 'default', apiName: 'orders-api', environmentName: 'staging' },
    },
    {
      conditions: [notFound('APIClass', org)],
      endpoints: [
        {
          name: 'orders-api',
          type: 'REST',
          organization: {
            host: 'staging.choreoapis.internal',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders/v1',
          },
          public: {
            host: 'staging.choreoapis.localhost',
            port: 8443,
            scheme: 'https',
            basePath: '/shop/orders/v1',
          },
        },
      ],
    },
  );
  // org: a binding the controller has not reported endpoints for yet: no rows.
  await withStatus(
    {
      apiVersion: V,
      kind: 'ServiceBinding',
      metadata: {
        name: 'cart-development',
        namespace: org,
        labels: hierarchy(org, 'shop', 'cart', 'development'),
      },
      spec: {
        owner: { projectName: 'shop', componentName: 'cart' },
        environment: 'development',
        workloadSpec: workload('grpc', 'gRPC', 5000),
      },
    },
    undefined,
  );
  // other: a legacy Endpoint, public by default (no networkVisibilities), Ready with its address.
  await withStatus(
    {
      apiVersion: V,
      kind: 'Endpoint',
      metadata: {
        name: 'billing-rest',
        namespace: other,
        labels: hierarchy(other, 'legacy', 'billing', 'production'),
      },
      spec: { type: 'REST', backendRef: { type: 'componentRef', componentRef: { port: 8080 } } },
    },
    {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'EndpointReady',
          message: 'Endpoint is ready',
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
      address: 'https://prod.choreoapis.localhost/legacy/billing',
    },
  );
});

/** Table lines split on runs of 2+ spaces (cells never contain two spaces). */
const cells = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));

describe('get endpoints (the service catalog)', () => {
  it('-n: one row per endpoint × visibility, sorted, with owner, environment, type, URL, readiness and age', async () => {
    const r = await cli(['get', 'endpoints', '-n', org]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const rows = cells(r.stdout);
    expect(rows[0]).toEqual(['NAME', 'OWNER', 'ENVIRONMENT', 'VISIBILITY', 'TYPE', 'URL', 'READY', 'AGE']);
    expect(rows.slice(1).map((c) => c.slice(0, 7))).toEqual([
      [
        'admin',
        'shop/orders',
        'development',
        'Project',
        'HTTP',
        'http://orders-1a2b:9090',
        'False (ServiceClassNotFound)',
      ],
      [
        'rest',
        'shop/orders',
        'development',
        'Project',
        'REST',
        'http://orders-1a2b:8080',
        'False (ServiceClassNotFound)',
      ],
      [
        'rest',
        'shop/orders',
        'development',
        'Organization',
        'REST',
        // No uri in the status: composed from scheme, host, port and basePath.
        'https://development.choreoapis.internal:8443/shop/orders',
        'False (ServiceClassNotFound)',
      ],
      [
        'rest',
        'shop/orders',
        'development',
        'Public',
        'REST',
        'https://development.choreoapis.localhost:8443/shop/orders',
        'False (ServiceClassNotFound)',
      ],
      [
        'orders-api',
        'shop/orders',
        'staging',
        'Organization',
        'REST',
        'https://staging.choreoapis.internal:8443/shop/orders/v1',
        'False (APIClassNotFound)',
      ],
      [
        'orders-api',
        'shop/orders',
        'staging',
        'Public',
        'REST',
        'https://staging.choreoapis.localhost:8443/shop/orders/v1',
        'False (APIClassNotFound)',
      ],
      [
        'http',
        'shop/storefront',
        'development',
        'Project',
        'HTTP',
        'http://storefront-9f8e',
        'False (WebApplicationClassNotFound)',
      ],
      [
        'http',
        'shop/storefront',
        'development',
        'Public',
        'HTTP',
        'https://storefront-development.choreoapps.localhost:8443/',
        'False (WebApplicationClassNotFound)',
      ],
    ]);
    for (const row of rows.slice(1)) expect(row[7]).toMatch(/^\d+s$/);

    const wide = await cli(['get', 'endpoints', '-n', org, '-o', 'wide']);
    expect(cells(wide.stdout)[0]?.at(-1)).toBe('SOURCE');
    expect(cells(wide.stdout)[1]?.at(-1)).toBe('servicebinding/orders-development');
  });

  it('-A: every organization, with an ORGANIZATION column; the legacy Endpoint is there', async () => {
    const r = await cli(['get', 'endpoints', '-A']);
    expect(r.exitCode).toBe(0);
    const rows = cells(r.stdout);
    expect(rows[0]).toEqual([
      'ORGANIZATION',
      'NAME',
      'OWNER',
      'ENVIRONMENT',
      'VISIBILITY',
      'TYPE',
      'URL',
      'READY',
      'AGE',
    ]);
    const ours = rows.slice(1).filter((c) => c[0] === org || c[0] === other);
    expect(ours).toHaveLength(9);
    expect(ours.at(-1)?.slice(0, 8)).toEqual([
      other,
      'billing-rest',
      'legacy/billing',
      'production',
      'Public',
      'REST',
      'https://prod.choreoapis.localhost/legacy/billing',
      'True',
    ]);
    // Sorted by organization first: every row of org comes before the row of other.
    expect(ours.findIndex((c) => c[0] === other)).toBe(8);
  });

  it('-o json: a v1 List of EndpointCatalogEntry items', async () => {
    const r = await cli(['get', 'endpoints', '-n', other, '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: EndpointCatalogEntry[] };
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    const [e] = list.items;
    expect(e).toMatchObject({
      apiVersion: V,
      kind: 'EndpointCatalogEntry',
      metadata: { name: 'billing-rest', namespace: other },
      owner: { projectName: 'legacy', componentName: 'billing' },
      environment: 'production',
      visibility: 'Public',
      type: 'REST',
      url: 'https://prod.choreoapis.localhost/legacy/billing',
      ready: { status: 'True', reason: 'EndpointReady' },
      source: { apiVersion: V, kind: 'Endpoint', name: 'billing-rest' },
    });
    const yaml = await cli(['get', 'endpoints', '-n', org, '-o', 'yaml']);
    expect((parse(yaml.stdout) as { items: unknown[] }).items).toHaveLength(8);
    const jp = await cli([
      'get',
      'endpoints',
      '-n',
      org,
      '-o',
      'jsonpath={.items[?(@.visibility=="Public")].url}',
    ]);
    expect(jp.stdout.split(' ')).toEqual([
      'https://development.choreoapis.localhost:8443/shop/orders',
      'https://staging.choreoapis.localhost:8443/shop/orders/v1',
      'https://storefront-development.choreoapps.localhost:8443/',
    ]);
    const cc = await cli([
      'get',
      'endpoints',
      '-n',
      org,
      '-o',
      'custom-columns=NAME:.metadata.name,LEVEL:.visibility',
      '--sort-by',
      '.visibility',
      '--no-headers',
    ]);
    expect(cells(cc.stdout).map((c) => c[1])).toEqual([
      'Organization',
      'Organization',
      'Project',
      'Project',
      'Project',
      'Public',
      'Public',
      'Public',
    ]);
  });

  it('-o name: the objects the endpoints come from, once each', async () => {
    const r = await cli(['get', 'endpoints', '-n', org, '-o', 'name']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      'servicebinding.openchoreo.dev/orders-development\n' +
        'apibinding.openchoreo.dev/orders-api-staging\n' +
        'webapplicationbinding.openchoreo.dev/storefront-development\n',
    );
  });

  it('-l selects on the owners labels; an empty result says so', async () => {
    const r = await cli(['get', 'endpoints', '-n', org, '-l', 'team=orders', '-o', 'name']);
    expect(r.stdout).toBe('servicebinding.openchoreo.dev/orders-development\n');
    const byComponent = await cli([
      'get',
      'endpoints',
      '-A',
      '-l',
      'openchoreo.dev/component=billing',
      '--no-headers',
    ]);
    expect(cells(byComponent.stdout).map((c) => c.slice(0, 2))).toEqual([[other, 'billing-rest']]);
    const none = await cli(['get', 'endpoints', '-n', org, '-l', 'team=nobody']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`No endpoints found in ${org} organization.\n`);
  });

  it('-w is refused with a way out; names and the qualified kind still address legacy Endpoint objects', async () => {
    const w = await cli(['get', 'endpoints', '-n', org, '-w']);
    expect(w.exitCode).toBe(2);
    expect(w.stderr).toContain('--watch is not supported for the endpoint catalog');
    expect(w.stderr).toContain('choreoctl get servicebindings -w');

    const one = await cli(['get', 'endpoint', 'billing-rest', '-n', other]);
    expect(one.exitCode).toBe(0);
    expect(cells(one.stdout)).toEqual([
      ['NAME', 'TYPE', 'ADDRESS', 'READY', 'AGE'],
      [
        'billing-rest',
        'REST',
        'https://prod.choreoapis.localhost/legacy/billing',
        'True',
        expect.stringMatching(/^\d+s$/),
      ],
    ]);
    const raw = await cli(['get', 'endpoints.openchoreo.dev', '-n', other, '-o', 'name']);
    expect(raw.stdout).toBe('endpoint.openchoreo.dev/billing-rest\n');
    const missing = await cli(['get', 'endpoint', 'nope', '-n', other]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('endpoints.openchoreo.dev "nope" not found');
    const d = await cli(['describe', 'endpoint', 'billing-rest', '-n', other]);
    expect(d.exitCode).toBe(0);
    expect(d.stdout).toContain('billing-rest');
    expect(d.stdout).toContain('https://prod.choreoapis.localhost/legacy/billing');
  });
});
