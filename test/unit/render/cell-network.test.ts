/**
 * The four directions of the Cell model, derived from the rendered CiliumNetworkPolicies of a two-project
 * example. Project shop: frontend (public API) → backend (project-only endpoint); backend → billing's payments
 * (a connection) and → api.stripe.com:443 and *.s3.amazonaws.com:443 (external connections of its Workload,
 * derived as the controllers do with externalServicesOf). Project billing: payments (Organization API), ledger
 * (project-only). Each cell also holds its baseline (renderCellBaseline, applied by the project controller), as
 * deployed: ledger's own policy would allow nothing more, so it has none and the baseline alone isolates it.
 */
import { describe, expect, it } from 'vitest';
import type {
  APIClass,
  DataPlane,
  Environment,
  ServiceBinding,
  ServiceClass,
} from '../../../src/api/index.js';
import { bindingWorkloadName, dataPlaneNamespaceName } from '../../../src/api/index.js';
import type { KubeObject } from '../../../src/kube/client.js';
import {
  externalServicesOf,
  type RenderContext,
  type ResolvedConnection,
  renderCellBaseline,
  renderServiceBinding,
} from '../../../src/render/index.js';
import { type AllowedPair, allowedPairs, type PodInfo } from '../../oracles/allowed.js';

const org = 'acme';
const environment = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'development', namespace: org },
  spec: { isProduction: false },
} as Environment;
const dataPlane = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'DataPlane',
  metadata: { name: 'dp', namespace: org },
  spec: {
    registry: { prefix: 'r' },
    kubernetesCluster: { kubeconfigSecretRef: { name: 'k', key: 'kubeconfig' } },
    gateway: { publicVirtualHost: 'choreoapis.localhost', organizationVirtualHost: 'choreoapis.internal' },
  },
} as DataPlane;
const cls = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'ServiceClass',
  metadata: { name: 'default' },
} as ServiceClass;
const apiClasses = {
  default: {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'APIClass',
    metadata: { name: 'default' },
    spec: { restPolicy: { defaults: {}, public: {}, organization: {} } },
  } as APIClass,
};
const ns = (project: string) => dataPlaneNamespaceName(org, project, 'development');

interface Comp {
  project: string;
  component: string;
  port: number;
  level?: 'Organization' | 'Public';
  connections?: { name: string; to: Comp }[];
  externals?: { name: string; host: string; ports: number[] }[];
}

function bindingOf(c: Comp): ServiceBinding {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'ServiceBinding',
    metadata: { name: c.component, namespace: org },
    spec: {
      owner: { projectName: c.project, componentName: c.component },
      environment: 'development',
      className: 'default',
      releaseState: 'Active',
      workloadSpec: {
        containers: { main: { image: `r/${c.component}:1` } },
        endpoints: { api: { type: 'REST', port: c.port } },
        connections: Object.fromEntries([
          ...(c.connections ?? []).map((x) => [
            x.name,
            {
              type: 'api' as const,
              params: { componentName: x.to.component, endpoint: 'api' },
              inject: { env: [{ name: `${x.name.toUpperCase()}_URL`, value: '{{ .url }}' }] },
            },
          ]),
          ...(c.externals ?? []).map((x) => [
            x.name,
            {
              type: 'external' as const,
              host: x.host,
              ports: x.ports,
              inject: { env: [{ name: `${x.name.toUpperCase()}_URL`, value: '{{ .url }}' }] },
            },
          ]),
        ]),
      },
      apis: c.level
        ? {
            api: {
              className: 'default',
              type: 'REST',
              rest: { backend: { port: c.port }, exposeLevels: [c.level] },
            },
          }
        : undefined,
    },
  } as ServiceBinding;
}

function policiesOf(c: Comp): KubeObject[] {
  const binding = bindingOf(c);
  const connections: ResolvedConnection[] = (c.connections ?? []).map((x) => ({
    name: x.name,
    component: x.to.component,
    project: x.to.project,
    namespace: ns(x.to.project),
    endpoint: 'api',
    access: { host: bindingWorkloadName(x.to.component), port: x.to.port, scheme: 'http' },
  }));
  const ctx: RenderContext = {
    organization: org,
    project: c.project,
    component: c.component,
    environment,
    dataPlane,
    namespace: ns(c.project),
    connections,
    configurationGroups: {},
    externalServices: externalServicesOf(binding.spec.workloadSpec),
  };
  return renderServiceBinding(binding, cls, apiClasses, ctx)
    .resources.map((r) => r.object)
    .filter((o) => o.kind === 'CiliumNetworkPolicy');
}

const payments: Comp = { project: 'billing', component: 'payments', port: 8080, level: 'Organization' };
const ledger: Comp = { project: 'billing', component: 'ledger', port: 9000 };
const backend: Comp = {
  project: 'shop',
  component: 'backend',
  port: 8080,
  connections: [{ name: 'payments', to: payments }],
  externals: [
    { name: 'stripe', host: 'api.stripe.com', ports: [443] },
    { name: 'buckets', host: '*.s3.amazonaws.com', ports: [443] },
  ],
};
const frontend: Comp = {
  project: 'shop',
  component: 'frontend',
  port: 3000,
  level: 'Public',
  connections: [{ name: 'backend', to: backend }],
};
const comps = [frontend, backend, payments, ledger];

const pod = (c: Comp): PodInfo => ({
  name: `${c.project}/${c.component}`,
  namespace: ns(c.project),
  labels: {
    'organization-name': org,
    'project-name': c.project,
    'environment-name': 'development',
    'component-name': c.component,
  },
  ports: [c.port],
});
const gateway = (name: string): PodInfo => ({
  name,
  namespace: 'openchoreo-data-plane',
  labels: { 'gateway.envoyproxy.io/owning-gateway-name': name },
  ports: [443],
});
const pods: PodInfo[] = [
  ...comps.map(pod),
  gateway('gateway-external'),
  gateway('gateway-internal'),
  { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: [53] },
  // a pod of another organization, and external hosts: declared (stripe) and not (evil)
  {
    name: 'other-org/intruder',
    namespace: 'dp-other-x-development-00000000',
    labels: { 'organization-name': 'other', 'component-name': 'intruder' },
    ports: [8080],
  },
  ...[
    'api.stripe.com',
    'evil.example.com',
    'eu.s3.amazonaws.com',
    's3.amazonaws.com',
    'a.b.s3.amazonaws.com',
  ].map((fqdn): PodInfo => ({ name: fqdn, namespace: '', labels: {}, ports: [80, 443], fqdn })),
];

const workloads = new Set(comps.map((c) => `${c.project}/${c.component}`));

describe('cell network: the four directions', () => {
  const cells = [...new Set(comps.map((c) => ns(c.project)))];
  const policies = [...cells.map(renderCellBaseline), ...comps.flatMap(policiesOf)];
  // flows that touch a workload (infrastructure pods have no policies of ours: they talk freely among themselves)
  const got = allowedPairs(policies, pods).filter(
    (p) => workloads.has(p.source) || workloads.has(p.destination),
  );
  const row = (source: string, destination: string, port: number): AllowedPair => ({
    source,
    destination,
    port,
  });

  it('allows exactly the intended table', () => {
    const intended: AllowedPair[] = [
      // in-cell (project visibility): every pod of a cell reaches every other on its endpoint port
      row('billing/ledger', 'billing/payments', 8080),
      row('billing/payments', 'billing/ledger', 9000),
      row('shop/backend', 'shop/frontend', 3000),
      row('shop/frontend', 'shop/backend', 8080),
      // DNS
      row('billing/ledger', 'kube-dns', 53),
      row('billing/payments', 'kube-dns', 53),
      row('shop/backend', 'kube-dns', 53),
      row('shop/frontend', 'kube-dns', 53),
      // north: gateway-external → public endpoints only
      row('gateway-external', 'shop/frontend', 3000),
      // west: gateway-internal → organization endpoints only
      row('gateway-internal', 'billing/payments', 8080),
      // east: only the declared connection across cells
      row('shop/backend', 'billing/payments', 8080),
      // south: only the declared external services, on their declared port (a wildcard covers one label)
      row('shop/backend', 'api.stripe.com', 443),
      row('shop/backend', 'eu.s3.amazonaws.com', 443),
    ];
    const key = (p: AllowedPair) => `${p.source} ${p.destination} ${p.port}`;
    expect(got.map(key).sort()).toEqual(intended.map(key).sort());
  });

  it('denies what is not declared', () => {
    const has = (s: string, d: string) => got.some((p) => p.source === s && p.destination === d);
    expect(has('shop/frontend', 'billing/payments')).toBe(false); // no connection
    expect(has('shop/backend', 'billing/ledger')).toBe(false); // project-only endpoint
    expect(has('gateway-external', 'billing/payments')).toBe(false); // organization, not public
    expect(has('gateway-internal', 'shop/frontend')).toBe(false); // public, not organization
    expect(has('other-org/intruder', 'billing/payments')).toBe(false); // another organization
    expect(has('shop/backend', 'evil.example.com')).toBe(false); // undeclared external
    expect(has('shop/frontend', 'api.stripe.com')).toBe(false); // declared by backend, not by frontend
    expect(got.some((p) => p.destination === 'api.stripe.com' && p.port === 80)).toBe(false); // undeclared port
    expect(has('shop/backend', 's3.amazonaws.com')).toBe(false); // the wildcard needs a label
    expect(has('shop/backend', 'a.b.s3.amazonaws.com')).toBe(false); // … exactly one
  });

  it('a binding whose policy would allow nothing beyond its cell baseline gets none', () => {
    const kinds = (c: Comp) => policiesOf(c).map((p) => p.metadata?.name);
    expect(kinds(ledger)).toEqual([]); // project-only endpoint, no connection, no external service
    expect(kinds(payments)).toHaveLength(1); // an Organization API: gateway-internal and east ingress
    expect(kinds(backend)).toHaveLength(1); // a connection to another cell and external services
    // the same flows as with a policy of its own: without the baseline, ledger would be open
    const withoutBaselines = allowedPairs(comps.flatMap(policiesOf), pods);
    expect(
      withoutBaselines.some((p) => p.destination === 'billing/ledger' && p.source === 'other-org/intruder'),
    ).toBe(true);
  });

  it('the eastbound rules require mutual authentication', () => {
    const backendPolicy = policiesOf(backend)[0] as { spec: { egress: Record<string, unknown>[] } };
    const east = backendPolicy.spec.egress.filter((r) => JSON.stringify(r).includes(ns('billing')));
    expect(east).toHaveLength(1);
    expect(east[0]?.authentication).toEqual({ mode: 'required' });
  });
});

describe('cell network: southbound declarations', () => {
  it('one egress rule per declared host and port, a wildcard as matchPattern, and the URL injected', () => {
    const b = bindingOf(backend);
    const services = externalServicesOf(b.spec.workloadSpec);
    expect(services).toEqual([
      { name: 'buckets', host: '*.s3.amazonaws.com', port: 443 },
      { name: 'stripe', host: 'api.stripe.com', port: 443 },
    ]);
    const egress = (policiesOf(backend)[0] as { spec: { egress: Record<string, unknown>[] } }).spec.egress;
    expect(egress.filter((r) => 'toFQDNs' in r)).toEqual([
      {
        toFQDNs: [{ matchPattern: '*.s3.amazonaws.com' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
      {
        toFQDNs: [{ matchName: 'api.stripe.com' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
    ]);
  });
});
