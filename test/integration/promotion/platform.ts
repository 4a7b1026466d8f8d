/**
 * The set-up the promotion tests share (integration and e2e): CRDs, the developer/release-manager roles and
 * admission policies, every controller a Service needs from Component to Ready plus the promotion controllers
 * (in-process), a stand-in kubelet, an organization with development → staging → production (production needs
 * an approval), project `shop`, the `restricted` user bound to choreoctl-developer, and Service components.
 */
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { DEVELOPER_ROLE, promotionAccessObjects } from '../../../src/services/promotion-access.js';
import { conditionOf, installCrds, installExternalCrds, until } from '../helpers.js';
import { simulatePods } from './pods.js';

const API = 'openchoreo.dev/v1alpha1';
const DP_CRDS = new Set([
  'httproutes.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'securitypolicies.gateway.envoyproxy.io',
  'backendtrafficpolicies.gateway.envoyproxy.io',
  'httproutefilters.gateway.envoyproxy.io',
  'ciliumnetworkpolicies.cilium.io',
]);
const CONTROLLERS = [
  'organization',
  'dataplane',
  'environment',
  'deploymentpipeline',
  'project',
  'release',
  'component',
  'service',
  'servicebinding',
  'componentrevision',
  'promotion',
];
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false };

export function serviceApp(org: string, name: string, image: string): KubeObject[] {
  const meta = { name, namespace: org };
  const owner = { projectName: 'shop', componentName: name };
  return [
    {
      apiVersion: API,
      kind: 'Component',
      metadata: meta,
      spec: { owner: { projectName: 'shop' }, type: 'Service' },
    },
    { apiVersion: API, kind: 'Workload', metadata: meta, spec: { owner, containers: { main: { image } } } },
    { apiVersion: API, kind: 'Service', metadata: meta, spec: { owner, workloadName: name } },
  ];
}

export interface PromotionPlatform {
  stop(): Promise<void>;
}

export async function startPromotionPlatform(
  client: KubeClient,
  org: string,
  apps: [name: string, image: string][],
  log: (m: string) => void,
): Promise<PromotionPlatform> {
  const meta = (name: string) => ({ name, namespace: org });
  await installCrds(client);
  await installExternalCrds(client, (crd) => DP_CRDS.has(String(crd.metadata?.name)));
  for (const o of promotionAccessObjects((name, namespace) => ({
    name,
    ...(namespace ? { namespace } : {}),
  }))) {
    await client.apply(o, { fieldManager: 'choreoctl-test', force: true });
  }
  const cells = new Set(
    ['development', 'staging', 'production'].map((e) => dataPlaneNamespaceName(org, 'shop', e)),
  );
  const stopPods = simulatePods(client, `sim-${org}`, (ns) => cells.has(ns));
  const ctrl: RunningControllers = runControllers({
    client,
    controllers: CONTROLLERS,
    handleSignals: false,
    log,
  });
  await ctrl.started;
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => client.getOrUndefined(KUBE_REF.Namespace, org), 'the organization namespace');
  await client.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('restricted-developer'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DEVELOPER_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  } as KubeObject);
  await client.create({
    apiVersion: API,
    kind: 'DataPlane',
    metadata: meta('default'),
    spec: {
      registry: { prefix: 'registry.local:5000' },
      gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
    },
  });
  for (const e of ['development', 'staging', 'production']) {
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: meta(e),
      spec: { dataPlaneRef: 'default' },
    });
  }
  await client.create({
    apiVersion: API,
    kind: 'DeploymentPipeline',
    metadata: meta('default'),
    spec: {
      promotionPaths: [
        { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }] },
        {
          sourceEnvironmentRef: 'staging',
          targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
        },
      ],
    },
  });
  await client.create({
    apiVersion: API,
    kind: 'Project',
    metadata: meta('shop'),
    spec: { deploymentPipelineRef: 'default' },
  });
  await client.create({ apiVersion: API, kind: 'ServiceClass', metadata: meta('default'), spec: {} });
  for (const [name, image] of apps) for (const o of serviceApp(org, name, image)) await client.create(o);
  await until(
    async () =>
      conditionOf(await client.getOrUndefined(REF.DataPlane, 'default', { namespace: org }))?.status ===
      'True',
    'the DataPlane Ready',
    60_000,
  );
  return {
    async stop() {
      await client.delete(REF.Organization, org).catch(() => {});
      await until(
        async () => !(await client.getOrUndefined(REF.Organization, org)),
        'the org to be gone',
        120_000,
      ).catch(() => {});
      stopPods();
      await client.delete(NODES, `sim-${org}`).catch(() => {});
      await ctrl.stop();
    },
  };
}
