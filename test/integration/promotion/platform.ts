/**
 * The set-up the promotion tests share (integration and e2e): a control plane of their own with simulated nodes
 * (kube-scheduler + kwok, so pods are scheduled and become Ready, Deployments Available, bindings Ready through
 * the real kube-controller-manager), CRDs, the developer/release-manager roles and admission policies, every
 * controller a Service needs from Component to Ready plus the promotion controllers (in-process), an
 * organization with development → staging → production (production needs an approval), project `shop`, the
 * `restricted` user bound to choreoctl-developer, and Service components.
 */
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { startControlPlane } from '../../../src/local/controlplane.js';
import { DEVELOPER_ROLE, promotionAccessObjects } from '../../../src/services/promotion-access.js';
import {
  conditionOf,
  installCrds,
  installDataPlaneCrds,
  newClient,
  testDataPlane,
  until,
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
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
  /** Admin client of the platform's control plane (user `admin`). */
  client: KubeClient;
  /** Client and kubeconfig of user `restricted`, bound to choreoctl-developer in the organization. */
  restricted: KubeClient;
  kubeconfig: { admin: string; restricted: string };
  /** The CRI file kwok serves every simulated container's log from: append lines to see them in `logs`. */
  logFile: string;
  stop(): Promise<void>;
}

export async function startPromotionPlatform(
  org: string,
  apps: [name: string, image: string][],
  log: (m: string) => void,
): Promise<PromotionPlatform> {
  const cp = await startControlPlane({ name: `choreoctl-${org}`, nodes: 2 });
  const client = newClient(cp.admin.kubeconfig);
  const restricted = newClient(cp.restricted.kubeconfig);
  let ctrl: RunningControllers | undefined;
  const stop = async () => {
    await ctrl?.stop();
    client.close();
    restricted.close();
    await cp.stop();
  };
  try {
    await installCrds(client);
    await installDataPlaneCrds(client);
    for (const o of promotionAccessObjects((name, namespace) => ({
      name,
      ...(namespace ? { namespace } : {}),
    }))) {
      await client.apply(o, { fieldManager: 'choreoctl-test', force: true });
    }
    ctrl = runControllers({ client, controllers: CONTROLLERS, handleSignals: false, log });
    await ctrl.started;
    await populate(client, org, apps);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    client,
    restricted,
    kubeconfig: { admin: cp.admin.kubeconfig, restricted: cp.restricted.kubeconfig },
    logFile: cp.nodes?.logFile ?? '',
    stop,
  };
}

/** The organization, its platform objects, the developer binding and the components. */
async function populate(
  client: KubeClient,
  org: string,
  apps: [name: string, image: string][],
): Promise<void> {
  const meta = (name: string) => ({ name, namespace: org });
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => client.getOrUndefined(KUBE_REF.Namespace, org), 'the organization namespace');
  await client.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('restricted-developer'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DEVELOPER_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  } as KubeObject);
  await client.create(testDataPlane(org));
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
  // promote needs a revision to copy: each app's first revision (development) before any test promotes it
  await until(
    async () => {
      const revisions = (await client.list(REF.ComponentRevision, { namespace: org })).items;
      const owners = new Set(
        revisions.map(
          (r) => (r.spec as { owner?: { componentName?: string } } | undefined)?.owner?.componentName,
        ),
      );
      return apps.every(([name]) => owners.has(name));
    },
    'a ComponentRevision of every app',
    120_000,
  );
}
