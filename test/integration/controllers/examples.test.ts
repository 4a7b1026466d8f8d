/**
 * The examples organization (examples/acme) through every controller into its cells, on the shared apiserver
 * with the real external CRDs: the Deployments, Services, CronJob, HTTPRoutes, Envoy policies and Cilium
 * policies the renderers promise, checked field by field for one component of each type (Service catalog,
 * WebApplication web-shop, ScheduledTask invoice-mailer, API catalog-public) and each visibility (project:
 * reports, no route; organization: orders on gateway-internal; public: web-shop and catalog on
 * gateway-external), and the network baseline of every cell.
 *
 * `orders` is built from source; no build runs here, so the test applies the Workload its build would create.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { sortForApply } from '../../../src/api/index.js';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import {
  acmeExampleDocuments,
  installCrds,
  installExternalCrds,
  newClient,
  until,
  yamlFiles,
} from '../helpers.js';

const CELL_MODEL = join(import.meta.dirname, '../../../examples/cell-model');
const gvr = (group: string, version: string, resource: string): GVR => ({
  group,
  version,
  resource,
  namespaced: true,
});
const DEPLOYMENTS = gvr('apps', 'v1', 'deployments');
const SERVICES = gvr('', 'v1', 'services');
const CRONJOBS = gvr('batch', 'v1', 'cronjobs');
const HTTPROUTES = gvr('gateway.networking.k8s.io', 'v1', 'httproutes');
const SECURITY = gvr('gateway.envoyproxy.io', 'v1alpha1', 'securitypolicies');
const TRAFFIC = gvr('gateway.envoyproxy.io', 'v1alpha1', 'backendtrafficpolicies');
const CILIUM = gvr('cilium.io', 'v2', 'ciliumnetworkpolicies');

let client: KubeClient;
let ctrl: RunningControllers;
const storefront = dataPlaneNamespaceName('acme', 'storefront', 'dev');
const backOffice = dataPlaneNamespaceName('acme', 'back-office', 'dev');
const ENVS = ['dev', 'test', 'prod'];
const PUBLIC_HOST = 'dev.acme.openchoreoapis.localhost';
const INTERNAL_HOST = 'dev.acme.openchoreoapis.internal';

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  ports?: { containerPort: number; protocol?: string }[];
  resources?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  restartPolicy?: string;
}
interface Route {
  parentRefs: { name: string; namespace?: string }[];
  hostnames: string[];
  rules: {
    matches: { path: { type: string; value: string } }[];
    filters?: { type: string; urlRewrite?: { path: { replacePrefixMatch?: string } } }[];
    backendRefs: { name: string; port: number }[];
  }[];
}
interface Rule {
  toEndpoints?: { matchLabels?: Record<string, string> }[];
  fromEndpoints?: { matchLabels?: Record<string, string> }[];
  toFQDNs?: Record<string, string>[];
  toPorts?: { ports: { port: string; protocol: string }[] }[];
}
interface CnpSpec {
  endpointSelector: { matchLabels?: Record<string, string> };
  enableDefaultDeny?: { ingress: boolean; egress: boolean };
  ingress: Rule[];
  egress: Rule[];
}

const specOf = <T>(o: KubeObject | undefined): T => (o?.spec ?? {}) as T;
const mainOf = (d: KubeObject | undefined) =>
  specOf<{ template: { spec: PodSpec } }>(d).template.spec.containers.find((c) => c.name === 'main');
const envValue = (c: Container | undefined, name: string) => c?.env?.find((e) => e.name === name);
/** The gateways (by name) whose ingress rules reach the policy's pods, with the ports they may reach. */
function gatewayIngress(spec: CnpSpec): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of spec.ingress) {
    const gw = r.fromEndpoints?.[0]?.matchLabels?.['gateway.envoyproxy.io/owning-gateway-name'];
    if (gw) out[gw] = (r.toPorts ?? []).flatMap((t) => t.ports.map((p) => p.port));
  }
  return out;
}

/** Wait until `fetch` returns exactly `n` items (or at least `n` with `atLeast`). */
async function waitCount(
  fetch: () => Promise<KubeObject[]>,
  n: number,
  what: string,
  atLeast = false,
): Promise<KubeObject[]> {
  return until(
    async () => {
      const items = await fetch();
      return (atLeast ? items.length >= n : items.length === n) ? items : undefined;
    },
    what,
    120_000,
  );
}
const routeTo = (routes: KubeObject[], gateway: string, path: string) =>
  routes.find((r) => {
    const s = specOf<Route>(r);
    return s.parentRefs[0]?.name === gateway && s.rules[0]?.matches[0]?.path.value === path;
  });
const cellPolicyOf = async (ns: string, component: string) =>
  until(
    async () =>
      labelled(await list(CILIUM, ns), component).find((o) =>
        o.metadata?.name?.startsWith(`${component}-cell-`),
      ),
    `the ${component} cell CiliumNetworkPolicy`,
    120_000,
  );

const list = async (ref: GVR, namespace: string) => (await client.listAll(ref, { namespace })).items;
const labelled = (items: KubeObject[], component: string) =>
  items.filter((o) => o.metadata?.labels?.['component-name'] === component);

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  await installExternalCrds(client);
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  const docs = [
    ...acmeExampleDocuments(),
    ...yamlFiles(CELL_MODEL).flatMap((f) =>
      parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubeObject),
    ),
  ];
  for (const doc of sortForApply(docs)) {
    await until(
      async () => client.apply(doc, { fieldManager: 'examples-test', force: true }).then(() => true),
      `${doc.kind}/${doc.metadata?.name} to apply (its namespace may still be coming)`,
      60_000,
    );
  }
}, 240_000);

afterAll(async () => {
  await ctrl?.stop();
  await client?.delete(
    { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'organizations', namespaced: false },
    'acme',
  );
  client?.close();
});

describe('examples/acme end to end', () => {
  it('Service (catalog): Deployment and Service field by field, from the workload and the class', async () => {
    const [dep] = await waitCount(
      async () => labelled(await list(DEPLOYMENTS, storefront), 'catalog'),
      1,
      'the catalog Deployment',
    );
    expect(dep?.metadata?.labels).toMatchObject({
      'organization-name': 'acme',
      'project-name': 'storefront',
      'environment-name': 'dev',
      'component-name': 'catalog',
      'openchoreo.dev/managed-by': 'release-controller',
    });
    const spec = specOf<{
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { spec: PodSpec };
    }>(dep);
    expect(spec.replicas).toBe(1);
    expect(spec.selector.matchLabels).toMatchObject({
      'component-name': 'catalog',
      'project-name': 'storefront',
    });
    expect(spec.template.spec.securityContext).toEqual({ runAsNonRoot: true });
    const main = mainOf(dep);
    expect(main).toMatchObject({
      image: 'ghcr.io/acme/catalog:2.3.0',
      args: ['--listen=:8080'],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 10 },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    });
    expect(main?.ports).toEqual([expect.objectContaining({ containerPort: 8080, protocol: 'TCP' })]);
    expect(envValue(main, 'LOG_LEVEL')).toEqual({ name: 'LOG_LEVEL', value: 'info' });
    // A configuration group value: from the binding's ConfigMap, holding the non-production value.
    const ref = envValue(main, 'PAYMENT_GATEWAY_URL')?.valueFrom as {
      configMapKeyRef: { name: string; key: string };
    };
    expect(ref.configMapKeyRef.key).toBe('payment-gateway-url');
    const cm = await until(
      () =>
        client.getOrUndefined<KubeObject & { data?: Record<string, string> }>(
          gvr('', 'v1', 'configmaps'),
          ref.configMapKeyRef.name,
          { namespace: storefront },
        ),
      'the configuration ConfigMap',
      90_000,
    );
    expect(cm.data).toEqual({ 'payment-gateway-url': 'https://sandbox.payments.example' });

    const [svc] = await waitCount(
      async () => labelled(await list(SERVICES, storefront), 'catalog'),
      1,
      'the catalog Service',
    );
    const s = specOf<{
      type: string;
      selector: Record<string, string>;
      ports: { port: number; targetPort: number; protocol: string }[];
    }>(svc);
    expect(svc?.metadata?.name).toBe(dep?.metadata?.name);
    expect(s.type).toBe('ClusterIP');
    expect(s.selector).toMatchObject({ 'component-name': 'catalog', 'environment-name': 'dev' });
    expect(s.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: 8080, protocol: 'TCP' })]);
  });

  it('organization and public visibility (catalog): one route per gateway, its policies, gateway ingress', async () => {
    const routes = await waitCount(
      async () => labelled(await list(HTTPROUTES, storefront), 'catalog'),
      3,
      'the catalog HTTPRoutes (Service API twice, API object once)',
    );
    const backend = labelled(await list(SERVICES, storefront), 'catalog')[0]?.metadata?.name;
    for (const [gateway, host] of [
      ['gateway-internal', INTERNAL_HOST],
      ['gateway-external', PUBLIC_HOST],
    ] as const) {
      const r = routeTo(routes, gateway, '/storefront/catalog');
      expect(r, `${gateway} route`).toBeDefined();
      const s = specOf<Route>(r);
      expect(s.parentRefs).toEqual([
        expect.objectContaining({ name: gateway, namespace: 'openchoreo-data-plane' }),
      ]);
      expect(s.hostnames).toEqual([host]);
      expect(s.rules[0]?.matches[0]?.path).toEqual({ type: 'PathPrefix', value: '/storefront/catalog' });
      expect(s.rules[0]?.backendRefs).toEqual([expect.objectContaining({ name: backend, port: 8080 })]);
    }
    // The public route carries the public-api class: JWT + CORS, rate limit + circuit breaker; the internal one
    // only the class defaults (the circuit breaker).
    const pub = routeTo(routes, 'gateway-external', '/storefront/catalog')?.metadata?.name;
    const internal = routeTo(routes, 'gateway-internal', '/storefront/catalog')?.metadata?.name;
    const targeting = (items: KubeObject[], route: string | undefined) =>
      items.filter((p) =>
        specOf<{ targetRefs: { name: string }[] }>(p).targetRefs.some((t) => t.name === route),
      );
    const security = await waitCount(
      async () => targeting(await list(SECURITY, storefront), pub),
      1,
      'the public SecurityPolicy',
    );
    expect(specOf(security[0])).toMatchObject({
      jwt: {
        providers: [
          {
            remoteJWKS: { uri: 'https://id.acme.example/.well-known/jwks.json' },
            issuer: 'https://id.acme.example',
            audiences: ['storefront'],
          },
        ],
      },
      cors: { allowOrigins: ['https://shop.acme.example'], allowMethods: ['GET', 'POST'] },
    });
    const traffic = await waitCount(
      async () => targeting(await list(TRAFFIC, storefront), pub),
      1,
      'the public BackendTrafficPolicy',
    );
    expect(specOf(traffic[0])).toMatchObject({
      rateLimit: { type: 'Local', local: { rules: [{ limit: { requests: 60, unit: 'Minute' } }] } },
      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50 },
    });
    expect(targeting(await list(SECURITY, storefront), internal)).toEqual([]);
    expect(specOf(targeting(await list(TRAFFIC, storefront), internal)[0])).toMatchObject({
      circuitBreaker: { maxConnections: 100 },
    });

    // The cell policy lets each gateway reach port 8080, and nothing else in.
    const cnp = specOf<CnpSpec>(await cellPolicyOf(storefront, 'catalog'));
    expect(cnp.enableDefaultDeny).toEqual({ ingress: true, egress: true });
    expect(cnp.endpointSelector.matchLabels).toMatchObject({ 'component-name': 'catalog' });
    expect(gatewayIngress(cnp)).toEqual({ 'gateway-external': ['8080'], 'gateway-internal': ['8080'] });
  });

  it('organization only (orders): a route on gateway-internal, none on gateway-external', async () => {
    const routes = await waitCount(
      async () => labelled(await list(HTTPROUTES, storefront), 'orders'),
      1,
      'the orders HTTPRoute',
    );
    const s = specOf<Route>(routes[0]);
    expect(s.parentRefs[0]?.name).toBe('gateway-internal');
    expect(s.hostnames).toEqual([INTERNAL_HOST]);
    expect(s.rules[0]?.matches[0]?.path.value).toBe('/storefront/orders/orders');
    expect(s.rules[0]?.filters?.[0]?.urlRewrite?.path.replacePrefixMatch).toBe('/orders');
    const cnp = specOf<CnpSpec>(await cellPolicyOf(storefront, 'orders'));
    expect(gatewayIngress(cnp)).toEqual({ 'gateway-internal': ['8080'] });
  });

  it('project only (reports): Deployment and Service, no route, no gateway ingress', async () => {
    await waitCount(
      async () => labelled(await list(DEPLOYMENTS, backOffice), 'reports'),
      1,
      'the reports Deployment',
    );
    const [svc] = await waitCount(
      async () => labelled(await list(SERVICES, backOffice), 'reports'),
      1,
      'the reports Service',
    );
    expect(specOf<{ ports: { port: number }[] }>(svc).ports.map((p) => p.port)).toEqual([8080]);
    expect(labelled(await list(HTTPROUTES, backOffice), 'reports')).toEqual([]);
    // No policy of its own: it would allow nothing beyond the cell baseline, which isolates its pods.
    await until(
      () => client.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', { namespace: backOffice }),
      'the back-office cell baseline',
    );
    expect(labelled(await list(CILIUM, backOffice), 'reports')).toEqual([]);
  });

  it('WebApplication (web-shop): public route on gateway-external and its connections injected', async () => {
    const [dep] = await waitCount(
      async () => labelled(await list(DEPLOYMENTS, storefront), 'web-shop'),
      1,
      'the web-shop Deployment',
    );
    const main = mainOf(dep);
    expect(main?.image).toBe('ghcr.io/acme/web-shop:1.8.1');
    expect(main?.resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '250m', memory: '256Mi' },
    });
    const catalogSvc = labelled(await list(SERVICES, storefront), 'catalog')[0]?.metadata?.name;
    const ordersSvc = labelled(await list(SERVICES, storefront), 'orders')[0]?.metadata?.name;
    expect(envValue(main, 'CATALOG_URL')?.value).toBe(`http://${catalogSvc}:8080`);
    expect(envValue(main, 'ORDERS_HOST')?.value).toBe(ordersSvc);
    expect(envValue(main, 'ORDERS_PORT')?.value).toBe('8080');

    const [route] = await waitCount(
      async () => labelled(await list(HTTPROUTES, storefront), 'web-shop'),
      1,
      'the web-shop HTTPRoute',
    );
    const s = specOf<Route>(route);
    expect(s.parentRefs).toEqual([
      expect.objectContaining({ name: 'gateway-external', namespace: 'openchoreo-data-plane' }),
    ]);
    expect(s.hostnames).toEqual(['web-shop-dev.acme.openchoreoapis.localhost']);
    expect(s.rules[0]?.matches[0]?.path.value).toBe('/');
    expect(s.rules[0]?.backendRefs[0]?.port).toBe(8080);
    const cnp = specOf<CnpSpec>(await cellPolicyOf(storefront, 'web-shop'));
    expect(gatewayIngress(cnp)).toEqual({ 'gateway-external': ['8080'] });
  });

  it('ScheduledTask (invoice-mailer): a CronJob from the class, connections injected, southbound egress to SMTP only', async () => {
    const [job] = await waitCount(
      async () => labelled(await list(CRONJOBS, backOffice), 'invoice-mailer'),
      1,
      'the invoice-mailer CronJob',
    );
    const s = specOf<{
      schedule: string;
      concurrencyPolicy: string;
      jobTemplate: { spec: { backoffLimit: number; template: { spec: PodSpec } } };
    }>(job);
    expect(s.schedule).toBe('30 1 * * *');
    expect(s.concurrencyPolicy).toBe('Forbid');
    expect(s.jobTemplate.spec.backoffLimit).toBe(2);
    const pod = s.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBeDefined();
    const main = pod.containers.find((c) => c.name === 'main');
    expect(main).toMatchObject({
      image: 'ghcr.io/acme/invoice-mailer:0.9.0',
      command: ['/app/mailer'],
      args: ['--since=24h'],
    });
    const reportsSvc = labelled(await list(SERVICES, backOffice), 'reports')[0]?.metadata?.name;
    expect(envValue(main, 'REPORTS_ADDR')?.value).toBe(`${reportsSvc}:8080`);
    expect(envValue(main, 'SMTP_HOST')?.value).toBe('smtp.acme.example');
    expect(envValue(main, 'SMTP_PORT')?.value).toBe('587');

    const cnp = specOf<CnpSpec>(await cellPolicyOf(backOffice, 'invoice-mailer'));
    expect(cnp.egress.filter((r) => r.toFQDNs)).toEqual([
      {
        toFQDNs: [{ matchName: 'smtp.acme.example' }],
        toPorts: [{ ports: [{ port: '587', protocol: 'TCP' }] }],
      },
    ]);
    // reports is in the same cell: no eastbound rule for it.
    expect(cnp.egress.filter((r) => JSON.stringify(r).includes('authentication'))).toEqual([]);
  });

  it('API (catalog-public): its own public route and policies, routing to the catalog Service', async () => {
    const routes = await waitCount(
      async () => labelled(await list(HTTPROUTES, storefront), 'catalog'),
      3,
      'the catalog HTTPRoutes',
    );
    const r = routes.find((x) =>
      specOf<Route>(x).rules[0]?.matches[0]?.path.value.startsWith('/storefront/catalog/products'),
    );
    expect(r, 'the API route').toBeDefined();
    const s = specOf<Route>(r);
    expect(s.parentRefs[0]?.name).toBe('gateway-external');
    expect(s.hostnames).toEqual([PUBLIC_HOST]);
    expect(s.rules[0]?.backendRefs[0]).toMatchObject({
      name: labelled(await list(SERVICES, storefront), 'catalog')[0]?.metadata?.name,
      port: 8080,
    });
    const sp = await waitCount(
      async () =>
        (await list(SECURITY, storefront)).filter((p) =>
          specOf<{ targetRefs: { name: string }[] }>(p).targetRefs.some((t) => t.name === r?.metadata?.name),
        ),
      1,
      'the API SecurityPolicy',
    );
    expect(specOf(sp[0])).toMatchObject({ jwt: { providers: [{ issuer: 'https://id.acme.example' }] } });
  });

  it('the cell model (examples/cell-model): the artifact in the storefront cell, its Endpoint routed on both gateways', async () => {
    const deps = await until(
      async () => {
        const d = (await list(DEPLOYMENTS, storefront)).filter(
          (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
        );
        return d.length === 1 ? d : undefined;
      },
      'the stock-dev Deployment',
      90_000,
    );
    const spec = (deps[0]?.spec ?? {}) as {
      replicas: number;
      template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } };
    };
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/stock:1.4.0');
    expect(spec.template.spec.containers[0]?.env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    const routes = await until(
      async () => {
        const r = (await list(HTTPROUTES, storefront)).filter(
          (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
        );
        return r.length === 2 ? r : undefined;
      },
      'the stock-api HTTPRoutes',
      90_000,
    );
    const hosts = routes.flatMap((r) => (r.spec as { hostnames: string[] }).hostnames).sort();
    expect(hosts).toEqual(['dev.acme.openchoreoapis.internal', 'dev.acme.openchoreoapis.localhost']);
    expect(
      (await list(TRAFFIC, storefront)).filter(
        (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
      ),
    ).toHaveLength(1);
  });

  it('every cell has its network baseline (default deny, in-cell and DNS only)', async () => {
    for (const project of ['storefront', 'back-office']) {
      for (const env of ENVS) {
        const ns = dataPlaneNamespaceName('acme', project, env);
        const b = await until(
          () => client.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', { namespace: ns }),
          `the baseline of ${ns}`,
          90_000,
        );
        const spec = specOf<CnpSpec>(b);
        expect(spec.endpointSelector).toEqual({});
        expect(spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
        expect(spec.ingress).toEqual([{ fromEndpoints: [{}] }, { fromEntities: ['host'] }]);
        expect(spec.egress[0]).toEqual({ toEndpoints: [{}] });
        expect(spec.egress[1]?.toEndpoints?.[0]?.matchLabels).toEqual({
          'k8s:io.kubernetes.pod.namespace': 'kube-system',
          'k8s:k8s-app': 'kube-dns',
        });
        expect(spec.egress).toHaveLength(2);
        expect(b.metadata?.labels).toMatchObject({
          'openchoreo.dev/project': project,
          'openchoreo.dev/environment': env,
        });
      }
    }
  });
});
