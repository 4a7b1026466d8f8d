/**
 * The legacy cell model against the shared apiserver, every controller it needs running (the Release engine
 * included; the DataPlane is this cluster): DeployableArtifact + DeploymentTrack + Deployment → one Release →
 * Deployment and Service in the project's development cell; Endpoint CRs from the endpoint templates → their own
 * Releases → HTTPRoutes by visibility and status.address. Artifact edits, template removal, a missing Build,
 * a ScheduledTask artifact, and deletion leaving nothing in the data plane.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bindingWorkloadName, dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import {
  conditionOf,
  installCrds,
  installDataPlaneCrds,
  newClient,
  testDataPlane,
  uniqueName,
  until,
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
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
const CONFIGMAPS = gvr('', 'v1', 'configmaps');
const CONTROLLERS = [
  'organization',
  'dataplane',
  'environment',
  'deploymentpipeline',
  'project',
  'component',
  'deploymenttrack',
  'deployableartifact',
  'deployment',
  'endpoint',
  'release',
];

let client: KubeClient;
let ctrl: RunningControllers;
const org = uniqueName('legacy');
const cell = () => dataPlaneNamespaceName(org, 'shop', 'development');
const logs: string[] = [];

const get = (ref: GVR, name: string, namespace = org) =>
  client.getOrUndefined<KubeObject>(ref, name, ref.namespaced ? { namespace } : {});
const inCell = async (ref: GVR, deployment: string) =>
  (await client.listAll(ref, { namespace: cell(), labelSelector: `deployment-name=${deployment}` })).items;

const labels = (component: string, extra: Record<string, string> = {}) => ({
  'openchoreo.dev/organization': org,
  'openchoreo.dev/project': 'shop',
  'openchoreo.dev/component': component,
  ...extra,
});

function artifact(name: string, component: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: API,
    kind: 'DeployableArtifact',
    metadata: {
      name,
      namespace: org,
      labels: labels(component, { 'openchoreo.dev/deployment-track': 'main' }),
    },
    spec,
  };
}
function deployment(name: string, component: string, artifactRef: string): KubeObject {
  return {
    apiVersion: API,
    kind: 'Deployment',
    metadata: {
      name,
      namespace: org,
      labels: labels(component, {
        'openchoreo.dev/deployment-track': 'main',
        'openchoreo.dev/environment': 'development',
        'openchoreo.dev/name': name,
      }),
    },
    spec: { deploymentArtifactRef: artifactRef },
  };
}
const template = (name: string, visibilities?: Record<string, unknown>) => ({
  metadata: { name },
  spec: {
    type: 'REST',
    backendRef: { type: 'componentRef', basePath: '/v1', componentRef: { port: 8080 } },
    ...(visibilities ? { networkVisibilities: visibilities } : {}),
  },
});
const apiArtifactSpec = (image: string, templates: unknown[]) => ({
  targetArtifact: { fromImageRef: { tag: image } },
  configuration: {
    application: {
      env: [{ key: 'MODE', value: 'legacy' }],
      fileMounts: [{ mountPath: '/etc/motd', value: 'hi' }],
      scaling: { hpa: { minReplicas: 2 } },
    },
    endpointTemplates: templates,
  },
});
const ownedEndpoints = async (deploymentName: string) =>
  (
    await client.listAll(REF.Endpoint, {
      namespace: org,
      labelSelector: `openchoreo.dev/deployment=${deploymentName}`,
    })
  ).items;

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  await installDataPlaneCrds(client);
  ctrl = runControllers({ client, controllers: CONTROLLERS, handleSignals: false, log: (m) => logs.push(m) });
  await ctrl.started;
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => get(KUBE_REF.Namespace, org), 'the organization namespace');
  const meta = (name: string) => ({ name, namespace: org });
  await client.create(testDataPlane(org));
  await client.create({
    apiVersion: API,
    kind: 'Environment',
    metadata: meta('development'),
    spec: { dataPlaneRef: 'default', gateway: { dnsPrefix: 'dev' } },
  });
  await client.create({
    apiVersion: API,
    kind: 'DeploymentPipeline',
    metadata: meta('default'),
    spec: { promotionPaths: [{ sourceEnvironmentRef: 'development', targetEnvironmentRefs: [] }] },
  });
  await client.create({
    apiVersion: API,
    kind: 'Project',
    metadata: meta('shop'),
    spec: { deploymentPipelineRef: 'default' },
  });
  for (const [name, type] of [
    ['stock', 'Service'],
    ['nightly', 'ScheduledTask'],
  ] as const) {
    await client.create({
      apiVersion: API,
      kind: 'Component',
      metadata: { ...meta(name), labels: labels(name) },
      spec: { owner: { projectName: 'shop' }, type },
    });
    await client.create({
      apiVersion: API,
      kind: 'DeploymentTrack',
      metadata: { ...meta(`${name}-main`), labels: labels(name, { 'openchoreo.dev/name': 'main' }) },
      spec: {},
    });
  }
}, 120_000);

afterAll(async () => {
  if (client) {
    await client.delete(REF.Organization, org).catch(() => {});
    await until(async () => !(await get(REF.Organization, org)), 'the org to be gone', 120_000).catch(
      () => {},
    );
  }
  await ctrl?.stop();
  client?.close();
  if (process.env.LEGACY_TEST_LOGS) process.stderr.write(`${logs.join('\n')}\n`);
});

describe('legacy Deployment → Release → data plane', () => {
  it('deploys the artifact, creates Endpoints with routes, follows edits and template removal, cleans up', async () => {
    await client.create(
      artifact(
        'stock-v1',
        'stock',
        apiArtifactSpec('ghcr.io/acme/stock:1.0', [
          template('public-api'),
          template('internal-api', { organization: { enable: true } }),
          template('cell-api', { public: { enable: false } }),
        ]),
      ),
    );
    // Before any Deployment, the Service component is deployed nowhere.
    await until(
      async () => conditionOf(await get(REF.Component, 'stock'))?.reason === 'NotDeployed',
      'the component NotDeployed',
    );
    await client.create(deployment('stock-dev', 'stock', 'stock-v1'));
    // The component counts its legacy Deployments (the watch finds it by the Deployment's component label).
    const counted = await until(async () => {
      const c = conditionOf(await get(REF.Component, 'stock'));
      return c?.message.endsWith('deployed through the cell model (1 Deployment(s))') ? c : undefined;
    }, 'the component to count its Deployment');
    expect(counted.status).toBe('True');

    // One Release, controlled by the Deployment, applied into the development cell.
    const release = await until(() => get(REF.Release, 'stock-dev'), 'the Release of the Deployment');
    expect(release.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'stock-dev',
      controller: true,
    });
    const workloadName = bindingWorkloadName('stock-dev');
    const dep = await until(
      () => get(DEPLOYMENTS, workloadName, cell()),
      'the Deployment in the cell',
      60_000,
    );
    const podSpec = (
      dep.spec as {
        replicas: number;
        template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } };
      }
    ).template.spec;
    expect((dep.spec as { replicas: number }).replicas).toBe(2);
    expect(podSpec.containers[0]?.image).toBe('ghcr.io/acme/stock:1.0');
    expect(podSpec.containers[0]?.env).toContainEqual({ name: 'MODE', value: 'legacy' });
    expect(dep.metadata?.labels).toMatchObject({
      'deployment-track-name': 'main',
      'deployment-name': 'stock-dev',
    });
    const svc = await until(() => get(SERVICES, workloadName, cell()), 'the Service in the cell', 60_000);
    expect((svc.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toEqual([8080]);
    expect(await inCell(CONFIGMAPS, 'stock-dev')).toHaveLength(1); // the file mount

    const d = await until(async () => {
      const o = await get(REF.Deployment, 'stock-dev');
      return conditionOf(o, 'ArtifactResolved')?.status === 'True' ? o : undefined;
    }, 'ArtifactResolved=True');
    expect(d.metadata?.finalizers).toContain('openchoreo.dev/data-plane-cleanup');
    // No kubelet here: the pods never run, so the Deployment stays progressing.
    expect(conditionOf(d)).toMatchObject({ status: 'False', reason: 'DeploymentProgressing' });

    // Endpoint CRs with addresses by visibility.
    const eps = await until(
      async () => {
        const items = await ownedEndpoints('stock-dev');
        return items.length === 3 && items.every((e) => conditionOf(e)?.reason === 'EndpointReady')
          ? items
          : undefined;
      },
      'three ready Endpoints',
      60_000,
    );
    const byTemplate = Object.fromEntries(eps.map((e) => [e.metadata?.labels?.['openchoreo.dev/name'], e]));
    const address = (t: string) => (byTemplate[t]?.status as { address?: string } | undefined)?.address;
    expect(address('public-api')).toBe('https://dev.apps.local:8443/shop/stock/v1');
    expect(address('internal-api')).toBe('https://dev.internal.local:8443/shop/stock/v1');
    expect(address('cell-api')).toBe(`http://${workloadName}:8080/v1`);
    const routes = await until(
      async () => {
        const r = await inCell(HTTPROUTES, 'stock-dev');
        return r.length === 2 ? r : undefined;
      },
      'two HTTPRoutes',
      60_000,
    );
    const parents = routes
      .map((r) => (r.spec as { parentRefs: { name: string }[] }).parentRefs[0]?.name)
      .sort();
    expect(parents).toEqual(['gateway-external', 'gateway-internal']);
    for (const r of routes)
      expect(
        (r.spec as { rules: { backendRefs: { name: string }[] }[] }).rules[0]?.backendRefs[0]?.name,
      ).toBe(workloadName);

    // Editing the artifact updates the Deployment in the cell.
    const a = await get(REF.DeployableArtifact, 'stock-v1');
    await client.apply(
      {
        ...artifact(
          'stock-v1',
          'stock',
          apiArtifactSpec('ghcr.io/acme/stock:1.1', [
            template('public-api'),
            template('cell-api', { public: { enable: false } }),
          ]),
        ),
      },
      { fieldManager: 'legacy-test', force: true, namespace: org },
    );
    expect(a).toBeDefined();
    await until(
      async () => {
        const x = await get(DEPLOYMENTS, workloadName, cell());
        const img = (x?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)
          ?.template.spec.containers[0]?.image;
        return img === 'ghcr.io/acme/stock:1.1';
      },
      'the new image in the cell',
      60_000,
    );

    // Removing the internal template prunes its Endpoint and its route.
    await until(
      async () => (await ownedEndpoints('stock-dev')).length === 2,
      'the internal Endpoint pruned',
      60_000,
    );
    await until(
      async () => {
        const r = await inCell(HTTPROUTES, 'stock-dev');
        return (
          r.length === 1 &&
          ((r[0]?.spec ?? {}) as { parentRefs: { name: string }[] }).parentRefs[0]?.name ===
            'gateway-external'
        );
      },
      'only the public route left',
      60_000,
    );

    // Deleting the Deployment CR leaves nothing in the data plane.
    await client.delete(REF.Deployment, 'stock-dev', { namespace: org });
    await until(async () => !(await get(REF.Deployment, 'stock-dev')), 'the Deployment CR gone', 60_000);
    await until(
      async () => conditionOf(await get(REF.Component, 'stock'))?.reason === 'NotDeployed',
      'the component NotDeployed again',
    );
    await until(
      async () => {
        const left = [
          ...(await inCell(DEPLOYMENTS, 'stock-dev')),
          ...(await inCell(SERVICES, 'stock-dev')),
          ...(await inCell(HTTPROUTES, 'stock-dev')),
          ...(await inCell(CONFIGMAPS, 'stock-dev')),
          ...(await ownedEndpoints('stock-dev')),
        ];
        return left.length === 0;
      },
      'nothing of stock-dev left in the data plane',
      90_000,
    );
    expect(await get(REF.Release, 'stock-dev')).toBeUndefined();
  }, 240_000);

  it('a missing Build: ArtifactResolved=False ArtifactBuildNotFound; recovers when it appears with an image', async () => {
    await client.create(
      artifact('stock-b', 'stock', { targetArtifact: { fromBuildRef: { name: 'stock-build-1' } } }),
    );
    await client.create(deployment('stock-built', 'stock', 'stock-b'));
    const c = await until(async () => {
      const x = conditionOf(await get(REF.Deployment, 'stock-built'), 'ArtifactResolved');
      return x?.reason === 'ArtifactBuildNotFound' ? x : undefined;
    }, 'ArtifactBuildNotFound');
    expect(c).toMatchObject({
      status: 'False',
      message: 'Build "stock-build-1" not found for the referenced artifact "stock-b"',
    });
    expect(await get(REF.Release, 'stock-built')).toBeUndefined();

    await client.create({
      apiVersion: API,
      kind: 'Build',
      metadata: { name: 'stock-build-1', namespace: org },
      spec: {
        owner: { projectName: 'shop', componentName: 'stock' },
        repository: { url: 'https://github.com/acme/stock', revision: { branch: 'main' }, appPath: '/' },
        templateRef: { name: 'docker' },
      },
    });
    await client.patchStatus(
      REF.Build,
      'stock-build-1',
      { status: { imageStatus: { image: 'registry.local:5000/shop-stock:default-1234abcd' } } },
      { namespace: org },
    );
    const dep = await until(
      () => get(DEPLOYMENTS, bindingWorkloadName('stock-built'), cell()),
      'the built image deployed',
      60_000,
    );
    expect(
      (dep.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]
        ?.image,
    ).toBe('registry.local:5000/shop-stock:default-1234abcd');
  }, 120_000);

  it('a ScheduledTask artifact: a CronJob with the schedule', async () => {
    await client.create(
      artifact('nightly-v1', 'nightly', {
        targetArtifact: { fromImageRef: { tag: 'ghcr.io/acme/nightly:1' } },
        configuration: {
          application: { task: { schedule: { cron: '15 2 * * *', timezone: 'Europe/Berlin' } } },
        },
      }),
    );
    await client.create(deployment('nightly-dev', 'nightly', 'nightly-v1'));
    const jobs = await until(
      async () => {
        const j = await inCell(CRONJOBS, 'nightly-dev');
        return j.length === 1 ? j : undefined;
      },
      'the CronJob',
      60_000,
    );
    expect(jobs[0]?.spec).toMatchObject({
      schedule: '15 2 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
    });
  }, 120_000);

  it('tracks and artifacts report Available', async () => {
    const t = await until(async () => {
      const o = await get(REF.DeploymentTrack, 'stock-main');
      return conditionOf(o, 'Available')?.status === 'True' ? o : undefined;
    }, 'the track Available');
    expect(conditionOf(t, 'Available')?.reason).toBe('DeploymentTrackAvailable');
    const a = await until(async () => {
      const o = await get(REF.DeployableArtifact, 'nightly-v1');
      return conditionOf(o, 'Available')?.status === 'True' ? o : undefined;
    }, 'the artifact Available');
    expect(conditionOf(a, 'Available')?.reason).toBe('DeployableArtifactAvailable');
  });
});
