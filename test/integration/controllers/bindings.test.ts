/**
 * The class → instance → binding → Release flow against the shared apiserver, with every controller running
 * (the Release engine included; the DataPlane is this cluster): an organization with development → staging →
 * production, a Service becomes a ServiceBinding for the pipeline's first environment and a Release whose
 * Deployment and Service land in the development cell. Workload edits, a missing class, Undeploy/Suspend,
 * connections between components, and garbage collection when the component is deleted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { B } from '../../../src/controllers/binding/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import { R } from '../../../src/controllers/shared.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { conditionOf, installCrds, installExternalCrds, newClient, uniqueName, until } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const SERVICES: GVR = { group: '', version: 'v1', resource: 'services', namespaced: true };
/** The instance, binding and component controllers run in their own manager, with their own client. */
const OURS = [
  'component',
  'service',
  'webapplication',
  'scheduledtask',
  'api',
  'servicebinding',
  'webapplicationbinding',
  'scheduledtaskbinding',
  'apibinding',
];
const PLATFORM = ['organization', 'dataplane', 'environment', 'deploymentpipeline', 'project', 'release'];
const WRITES = ['create', 'update', 'patch', 'apply', 'delete', 'deletecollection'];
/** What a DataPlane must serve to be Ready, and nothing else: installing every external CRD is slow. */
const DP_CRDS = new Set([
  'httproutes.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'securitypolicies.gateway.envoyproxy.io',
  'backendtrafficpolicies.gateway.envoyproxy.io',
  'httproutefilters.gateway.envoyproxy.io',
  'ciliumnetworkpolicies.cilium.io',
]);
let client: KubeClient;
let oursClient: KubeClient;
let ctrl: RunningControllers;
let ours: RunningControllers;
const org = uniqueName('bind');
const devCell = () => dataPlaneNamespaceName(org, 'shop', 'development');
const logs: string[] = [];

const get = (ref: GVR, name: string, namespace = org) =>
  client.getOrUndefined<KubeObject>(ref, name, ref.namespaced ? { namespace } : {});

async function waitReady(
  ref: GVR,
  name: string,
  status: 'True' | 'False',
  reason?: string,
  timeoutMs = 30_000,
) {
  return until(
    async () => {
      const c = conditionOf(await get(ref, name));
      return c && c.status === status && (!reason || c.reason === reason) ? c : undefined;
    },
    `${ref.resource} ${name} Ready=${status}${reason ? ` ${reason}` : ''}`,
    timeoutMs,
  );
}

interface Resource {
  id: string;
  object: KubeObject & { spec?: Record<string, unknown> };
}
async function releaseResources(name: string): Promise<Resource[] | undefined> {
  const r = await get(B.releases, name);
  return (r?.spec as { resources?: Resource[] } | undefined)?.resources;
}
function deploymentOf(resources: Resource[] | undefined) {
  const d = resources?.find((r) => r.object.kind === 'Deployment')?.object;
  return d as
    | (KubeObject & {
        spec: {
          replicas?: number;
          template: {
            spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[] };
          };
        };
      })
    | undefined;
}

const meta = (name: string) => ({ name, namespace: org });

function component(name: string): KubeObject {
  return {
    apiVersion: API,
    kind: 'Component',
    metadata: meta(name),
    spec: { owner: { projectName: 'shop' }, type: 'Service' },
  };
}

function workload(name: string, image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API,
    kind: 'Workload',
    metadata: meta(name),
    spec: {
      owner: { projectName: 'shop', componentName: name },
      containers: { main: { image, env: [{ key: 'LOG_LEVEL', value: 'info' }] } },
      ...extra,
    },
  };
}

function service(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API,
    kind: 'Service',
    metadata: meta(name),
    spec: { owner: { projectName: 'shop', componentName: name }, workloadName: name, ...extra },
  };
}

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  oursClient = newClient(inject('kubeconfig'));
  await installExternalCrds(client, (crd) => DP_CRDS.has(String(crd.metadata?.name)));
  ctrl = runControllers({ client, controllers: PLATFORM, handleSignals: false, log: (m) => logs.push(m) });
  ours = runControllers({
    client: oursClient,
    controllers: OURS,
    handleSignals: false,
    log: (m) => logs.push(m),
  });
  await Promise.all([ctrl.started, ours.started]);
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => get(R.namespaces, org), 'the organization namespace');
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
        { sourceEnvironmentRef: 'staging', targetEnvironmentRefs: [{ name: 'production' }] },
      ],
    },
  });
  await client.create({
    apiVersion: API,
    kind: 'Project',
    metadata: meta('shop'),
    spec: { deploymentPipelineRef: 'default' },
  });
  await client.create({
    apiVersion: API,
    kind: 'ServiceClass',
    metadata: meta('default'),
    spec: {
      deploymentTemplate: {
        replicas: 2,
        template: { spec: { containers: [{ name: 'main', resources: { requests: { cpu: '100m' } } }] } },
      },
      serviceTemplate: { type: 'ClusterIP' },
    },
  });
  await client.create({
    apiVersion: API,
    kind: 'APIClass',
    metadata: meta('default'),
    spec: { restPolicy: { defaults: {} } },
  });
  await waitReady(R.dataPlanes, 'default', 'True', undefined, 60_000);
  await waitReady(R.projects, 'shop', 'True', 'CellsReady', 60_000);
});

afterAll(async () => {
  if (client) {
    await client.delete(R.organizations, org).catch(() => {});
    await until(async () => !(await get(R.organizations, org)), 'the org to be gone', 120_000).catch(
      () => {},
    );
  }
  await Promise.all([ctrl?.stop(), ours?.stop()]);
  client?.close();
  oursClient?.close();
  if (process.env.BINDINGS_TEST_LOGS) process.stderr.write(`${logs.join('\n')}\n`);
});

describe('Service → ServiceBinding → Release', () => {
  it('deploys to the first environment, follows Workload edits, Suspend and Undeploy', async () => {
    await client.create(component('cart'));
    await client.create(
      workload('cart', 'ghcr.io/acme/cart:1.0', { endpoints: { http: { type: 'REST', port: 8080 } } }),
    );
    await client.create(
      service('cart', {
        apis: {
          http: {
            type: 'REST',
            rest: { backend: { port: 8080, basePath: '/cart' }, exposeLevels: ['Public'] },
          },
        },
      }),
    );

    // The binding: first environment, named like the Service, controlled by it, a copy of the workload.
    const binding = await until(() => get(B.serviceBindings, 'cart'), 'the ServiceBinding');
    const svc = await get(B.services, 'cart');
    expect(binding.metadata?.labels).toMatchObject({
      'openchoreo.dev/organization': org,
      'openchoreo.dev/project': 'shop',
      'openchoreo.dev/component': 'cart',
      'openchoreo.dev/environment': 'development',
    });
    expect(binding.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Service', name: 'cart', uid: svc?.metadata?.uid, controller: true }),
    ]);
    expect(binding.spec).toMatchObject({
      environment: 'development',
      className: 'default',
      releaseState: 'Active',
      workloadSpec: { containers: { main: { image: 'ghcr.io/acme/cart:1.0' } } },
    });
    await waitReady(B.services, 'cart', 'True', 'BindingSynced');

    // The Release: same name, controlled by the binding, Deployment + Service in the development cell.
    const release = await until(() => get(B.releases, 'cart'), 'the Release');
    expect(release.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ServiceBinding',
        name: 'cart',
        uid: binding.metadata?.uid,
        controller: true,
      }),
    ]);
    expect(release.spec).toMatchObject({
      owner: { projectName: 'shop', componentName: 'cart' },
      environmentName: 'development',
    });
    const resources = (await releaseResources('cart')) ?? [];
    const kinds = resources.map((r) => r.object.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'HTTPRoute']));
    for (const r of resources) {
      if (r.object.kind !== 'Namespace' && r.object.metadata?.namespace !== undefined) {
        expect(r.object.metadata.namespace).toBe(devCell());
      }
    }
    const dep = deploymentOf(resources);
    expect(dep?.spec.replicas).toBe(2);
    expect(dep?.spec.template.spec.containers[0]).toMatchObject({
      name: 'main',
      image: 'ghcr.io/acme/cart:1.0',
    });

    // The Release engine applied them into the cell; no scheduler here, so the Deployment keeps progressing.
    const depName = dep?.metadata?.name ?? '';
    await until(() => get(DEPLOYMENTS, depName, devCell()), 'the Deployment in the cell');
    await until(() => get(SERVICES, depName, devCell()), 'the Service in the cell');
    const c = await waitReady(B.serviceBindings, 'cart', 'False', 'ResourceHealthProgressing');
    expect(c.message).toMatch(/^Resources status: \d+\/\d+ progressing/);
    const endpoints = (await get(B.serviceBindings, 'cart'))?.status as {
      endpoints?: { name: string; project?: { port: number } }[];
    };
    expect(endpoints.endpoints?.[0]).toMatchObject({ name: 'http', project: { port: 8080 } });

    // The component rolls its environments up.
    const comp = await until(async () => {
      const cc = await get(R.components, 'cart');
      const envs = (cc?.status as { environments?: { environment: string; reason: string }[] } | undefined)
        ?.environments;
      return envs?.[0]?.reason === 'ResourceHealthProgressing' ? cc : undefined;
    }, 'the component roll-up');
    expect(conditionOf(comp)).toMatchObject({
      status: 'False',
      reason: 'EnvironmentsNotReady',
      message: '0/1 environment ready; development: ResourceHealthProgressing',
    });

    // A Workload edit reaches the binding and the Release.
    await client.patch(
      B.workloads,
      'cart',
      { spec: { containers: { main: { image: 'ghcr.io/acme/cart:1.1' } } } },
      { namespace: org },
    );
    await until(
      async () =>
        deploymentOf(await releaseResources('cart'))?.spec.template.spec.containers[0]?.image ===
        'ghcr.io/acme/cart:1.1',
      'the Release to carry the new image',
    );
    await until(async () => {
      const d = (await get(DEPLOYMENTS, depName, devCell())) as
        | { spec?: { template: { spec: { containers: { image: string }[] } } } }
        | undefined;
      return d?.spec?.template.spec.containers[0]?.image === 'ghcr.io/acme/cart:1.1';
    }, 'the live Deployment to carry the new image');

    // Suspend: zero replicas, ResourcesSuspended; the instance keeps the releaseState.
    await client.patch(B.serviceBindings, 'cart', { spec: { releaseState: 'Suspend' } }, { namespace: org });
    await until(async () => deploymentOf(await releaseResources('cart'))?.spec.replicas === 0, 'replicas 0');
    await waitReady(B.serviceBindings, 'cart', 'False', 'ResourcesSuspended');
    await client.patch(
      B.workloads,
      'cart',
      { spec: { containers: { main: { image: 'ghcr.io/acme/cart:1.2' } } } },
      { namespace: org },
    );
    await until(
      async () =>
        deploymentOf(await releaseResources('cart'))?.spec.template.spec.containers[0]?.image ===
        'ghcr.io/acme/cart:1.2',
      'the suspended Release to follow the workload',
    );
    expect((await get(B.serviceBindings, 'cart'))?.spec).toMatchObject({ releaseState: 'Suspend' });
    const rolled = await until(async () => {
      const cc = await get(R.components, 'cart');
      return conditionOf(cc)?.status === 'True' ? cc : undefined;
    }, 'a suspended environment not to count against the component');
    expect(conditionOf(rolled)?.message).toContain('development: ResourcesSuspended');

    // Undeploy: the Release goes (and with it the cell objects), Active brings it back.
    await client.patch(B.serviceBindings, 'cart', { spec: { releaseState: 'Undeploy' } }, { namespace: org });
    await waitReady(B.serviceBindings, 'cart', 'False', 'ResourcesUndeployed');
    await until(async () => !(await get(B.releases, 'cart')), 'the Release to be deleted', 60_000);
    await until(
      async () => !(await get(DEPLOYMENTS, depName, devCell())),
      'the Deployment to be deleted',
      60_000,
    );
    expect(conditionOf(await get(B.serviceBindings, 'cart'))?.message).toBe('Resources undeployed');
    await client.patch(B.serviceBindings, 'cart', { spec: { releaseState: 'Active' } }, { namespace: org });
    await until(() => get(B.releases, 'cart'), 'the Release to come back');
    await waitReady(B.serviceBindings, 'cart', 'False', 'ResourceHealthProgressing');
  });

  it('reports a missing ServiceClass and recovers when it is created', async () => {
    await client.create(component('gold'));
    await client.create(workload('gold', 'ghcr.io/acme/gold:1'));
    await client.create(service('gold', { className: 'premium' }));
    const c = await waitReady(B.serviceBindings, 'gold', 'False', 'ServiceClassNotFound');
    expect(c.message).toContain('ServiceClass "premium" not found');
    expect(await get(B.releases, 'gold')).toBeUndefined();
    await client.create({
      apiVersion: API,
      kind: 'ServiceClass',
      metadata: meta('premium'),
      spec: { deploymentTemplate: { replicas: 3 } },
    });
    await until(
      async () => deploymentOf(await releaseResources('gold'))?.spec.replicas === 3,
      'the Release with the premium class',
    );
  });

  it('reports a missing Workload on the instance and recovers', async () => {
    await client.create(component('late'));
    await client.create(service('late'));
    const c = await waitReady(B.services, 'late', 'False', 'WorkloadNotFound');
    expect(c.message).toContain('Workload "late"');
    expect(await get(B.serviceBindings, 'late')).toBeUndefined();
    await client.create(workload('late', 'ghcr.io/acme/late:1'));
    await waitReady(B.services, 'late', 'True', 'BindingSynced');
    await until(() => get(B.releases, 'late'), 'the Release');
  });

  it('names a missing component, pipeline and environment, and follows the project’s own pipeline', async () => {
    // A project on another pipeline, whose first environment is "qa": nothing of it exists yet.
    const own = (name: string): KubeObject => ({
      apiVersion: API,
      kind: 'Service',
      metadata: meta(name),
      spec: { owner: { projectName: 'lab', componentName: name }, workloadName: name },
    });
    await client.create(own('probe'));
    let c = await waitReady(B.services, 'probe', 'False', 'ComponentNotFound');
    expect(c.message).toContain('Component "probe"');
    await client.create({
      apiVersion: API,
      kind: 'Component',
      metadata: meta('probe'),
      spec: { owner: { projectName: 'lab' }, type: 'Service' },
    });
    c = await waitReady(B.services, 'probe', 'False', 'ProjectNotFound');
    expect(c.message).toContain('Project "lab"');
    await client.create({
      apiVersion: API,
      kind: 'Project',
      metadata: meta('lab'),
      spec: { deploymentPipelineRef: 'labflow' },
    });
    c = await waitReady(B.services, 'probe', 'False', 'DeploymentPipelineNotFound');
    expect(c.message).toContain('DeploymentPipeline "labflow"');
    await client.create({
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: meta('labflow'),
      spec: {
        promotionPaths: [{ sourceEnvironmentRef: 'qa', targetEnvironmentRefs: [{ name: 'production' }] }],
      },
    });
    c = await waitReady(B.services, 'probe', 'False', 'WorkloadNotFound');
    await client.create({
      ...workload('probe', 'ghcr.io/acme/probe:1'),
      spec: {
        owner: { projectName: 'lab', componentName: 'probe' },
        containers: { main: { image: 'ghcr.io/acme/probe:1' } },
      },
    });
    await waitReady(B.services, 'probe', 'True', 'BindingSynced');
    expect((await get(B.serviceBindings, 'probe'))?.spec).toMatchObject({ environment: 'qa' });
    c = await waitReady(B.serviceBindings, 'probe', 'False', 'EnvironmentNotFound');
    expect(c.message).toContain('Environment "qa"');
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: meta('qa'),
      spec: { dataPlaneRef: 'default' },
    });
    const resources = await until(() => releaseResources('probe'), 'the Release in qa');
    expect(deploymentOf(resources)?.metadata?.namespace).toBe(dataPlaneNamespaceName(org, 'lab', 'qa'));
  });

  it('resolves configuration groups referenced by env valueFrom, waiting for a missing one', async () => {
    await client.create(component('cfg'));
    await client.create({
      ...workload('cfg', 'ghcr.io/acme/cfg:1'),
      spec: {
        owner: { projectName: 'shop', componentName: 'cfg' },
        containers: {
          main: {
            image: 'ghcr.io/acme/cfg:1',
            env: [
              { key: 'API_URL', valueFrom: { configurationGroupRef: { name: 'settings', key: 'api-url' } } },
            ],
          },
        },
      },
    });
    await client.create(service('cfg'));
    const c = await waitReady(B.serviceBindings, 'cfg', 'False', 'ConfigurationGroupNotFound');
    expect(c.message).toContain('"settings"');
    await client.create({
      apiVersion: API,
      kind: 'ConfigurationGroup',
      metadata: meta('settings'),
      spec: {
        configurations: [
          { key: 'api-url', values: [{ environment: 'development', value: 'http://api.dev' }] },
        ],
      },
    });
    const resources = await until(() => releaseResources('cfg'), 'the Release');
    const cm = resources.find((r) => r.object.kind === 'ConfigMap')?.object as
      | { data?: Record<string, string> }
      | undefined;
    expect(cm?.data).toEqual({ 'api-url': 'http://api.dev' });
    const env = deploymentOf(resources)?.spec.template.spec.containers[0]?.env?.find(
      (e) => e.name === 'API_URL',
    );
    expect(env).toMatchObject({ valueFrom: { configMapKeyRef: { key: 'api-url' } } });
  });

  it('injects a connection once the provider is deployed, and follows provider changes', async () => {
    await client.create(component('checkout'));
    await client.create(
      workload('checkout', 'ghcr.io/acme/checkout:1', {
        connections: {
          pay: {
            type: 'api',
            params: { componentName: 'payments', endpoint: 'grpc' },
            inject: { env: [{ name: 'PAYMENTS_ADDR', value: '{{ .host }}:{{ .port }}' }] },
          },
        },
      }),
    );
    await client.create(service('checkout'));
    const c = await waitReady(B.serviceBindings, 'checkout', 'False', 'ConnectionNotResolved');
    expect(c.message).toContain('component "payments"');

    await client.create(component('payments'));
    await client.create(
      workload('payments', 'ghcr.io/acme/payments:1', { endpoints: { grpc: { type: 'gRPC', port: 50051 } } }),
    );
    await client.create(service('payments'));
    const envOf = async () =>
      deploymentOf(await releaseResources('checkout'))?.spec.template.spec.containers[0]?.env?.find(
        (e) => e.name === 'PAYMENTS_ADDR',
      )?.value;
    const first = await until(envOf, 'the injected PAYMENTS_ADDR');
    expect(first).toMatch(/^payments-[0-9a-f]{8}:50051$/);

    // The provider moves its port: the consumer re-renders without being touched.
    await client.patch(
      B.workloads,
      'payments',
      { spec: { endpoints: { grpc: { type: 'gRPC', port: 50052 } } } },
      { namespace: org },
    );
    await until(async () => (await envOf())?.endsWith(':50052'), 'the consumer to follow the provider');
  });

  it('deleting the component leaves no instance, binding or Release behind', async () => {
    await client.create(component('gone'));
    await client.create(workload('gone', 'ghcr.io/acme/gone:1'));
    await client.create(service('gone'));
    await until(() => get(B.releases, 'gone'), 'the Release');
    const svc = await until(async () => {
      const s = await get(B.services, 'gone');
      return s?.metadata?.ownerReferences?.some((r) => r.kind === 'Component') ? s : undefined;
    }, 'the Service to be owned by its component');
    expect(svc.metadata?.ownerReferences?.find((r) => r.kind === 'Component')?.controller).toBeFalsy();
    await client.delete(R.components, 'gone', { namespace: org });
    await until(async () => !(await get(B.services, 'gone')), 'the Service to be collected', 60_000);
    await until(async () => !(await get(B.serviceBindings, 'gone')), 'the binding to be collected', 60_000);
    await until(async () => !(await get(B.releases, 'gone')), 'the Release to be collected', 60_000);
  });
});

describe('the other kinds', () => {
  it('WebApplication → WebApplicationBinding → Release with a public route', async () => {
    await client.create({
      apiVersion: API,
      kind: 'WebApplicationClass',
      metadata: meta('default'),
      spec: { deploymentTemplate: { replicas: 1 } },
    });
    await client.create({
      ...component('site'),
      spec: { owner: { projectName: 'shop' }, type: 'WebApplication' },
    });
    await client.create(
      workload('site', 'ghcr.io/acme/site:1', { endpoints: { web: { type: 'HTTP', port: 8080 } } }),
    );
    await client.create({
      apiVersion: API,
      kind: 'WebApplication',
      metadata: meta('site'),
      spec: { owner: { projectName: 'shop', componentName: 'site' }, workloadName: 'site' },
    });
    const binding = await until(() => get(B.webApplicationBindings, 'site'), 'the WebApplicationBinding');
    expect(binding.spec).toMatchObject({
      environment: 'development',
      workloadSpec: { endpoints: { web: { port: 8080 } } },
    });
    await until(async () => {
      const kinds = (await releaseResources('site'))?.map((r) => r.object.kind) ?? [];
      return ['Deployment', 'Service', 'HTTPRoute'].every((k) => kinds.includes(k));
    }, 'the Release with Deployment, Service and HTTPRoute');
    const withEndpoints = await until(async () => {
      const b = await get(B.webApplicationBindings, 'site');
      return (b?.status as { endpoints?: unknown[] } | undefined)?.endpoints?.length ? b : undefined;
    }, 'the endpoint status');
    expect((withEndpoints.status as { endpoints: { name: string }[] }).endpoints[0]?.name).toBe('web');
    await waitReady(B.webApplicationBindings, 'site', 'False', 'ResourceHealthProgressing');
  });

  it('ScheduledTask → ScheduledTaskBinding → Release with a CronJob, honouring Undeploy and reporting status', async () => {
    await client.create({
      ...component('report'),
      spec: { owner: { projectName: 'shop' }, type: 'ScheduledTask' },
    });
    await client.create(workload('report', 'ghcr.io/acme/report:1'));
    await client.create({
      apiVersion: API,
      kind: 'ScheduledTask',
      metadata: meta('report'),
      spec: {
        owner: { projectName: 'shop', componentName: 'report' },
        workloadName: 'report',
        className: 'nightly',
      },
    });
    await waitReady(B.scheduledTaskBindings, 'report', 'False', 'ScheduledTaskClassNotFound');
    await client.create({
      apiVersion: API,
      kind: 'ScheduledTaskClass',
      metadata: meta('nightly'),
      spec: { cronJobTemplate: { schedule: '30 1 * * *' } },
    });
    await until(
      async () => (await releaseResources('report'))?.some((r) => r.object.kind === 'CronJob'),
      'the CronJob',
    );
    // A CronJob that never ran is progressing until its first schedule.
    await until(
      async () => conditionOf(await get(B.scheduledTaskBindings, 'report'))?.reason?.startsWith('Resource'),
      'a health-based Ready',
    );
    await client.patch(
      B.scheduledTaskBindings,
      'report',
      { spec: { releaseState: 'Undeploy' } },
      { namespace: org },
    );
    await waitReady(B.scheduledTaskBindings, 'report', 'False', 'ResourcesUndeployed');
    await until(async () => !(await get(B.releases, 'report')), 'the Release to be deleted', 60_000);
  });

  it('API → APIBinding → Release routing to the component’s service', async () => {
    await client.create({
      apiVersion: API,
      kind: 'API',
      metadata: meta('cart-public'),
      spec: {
        owner: { projectName: 'shop', componentName: 'cart' },
        environmentName: 'development',
        type: 'REST',
        rest: { backend: { port: 8080, basePath: '/cart' }, exposeLevels: ['Public'] },
      },
    });
    const binding = await until(() => get(B.apiBindings, 'cart-public'), 'the APIBinding');
    expect(binding.spec).toMatchObject({
      apiClassName: 'default',
      apiName: 'cart-public',
      environmentName: 'development',
    });
    expect(binding.metadata?.labels).toMatchObject({
      'openchoreo.dev/component': 'cart',
      'openchoreo.dev/environment': 'development',
    });
    const resources = await until(async () => {
      const rs = await releaseResources('cart-public');
      return rs?.some((r) => r.object.kind === 'HTTPRoute') ? rs : undefined;
    }, 'the API Release with its HTTPRoute');
    const route = resources.find((r) => r.object.kind === 'HTTPRoute')?.object as {
      spec: { rules: { backendRefs: { name: string }[] }[] };
    };
    const cartBackend = deploymentOf(await releaseResources('cart'))?.metadata?.name;
    expect(route.spec.rules[0]?.backendRefs[0]?.name).toBe(cartBackend);
    await until(async () => conditionOf(await get(B.apiBindings, 'cart-public')), 'the APIBinding status');
    // The API reports the address its binding resolved.
    const address = await until(
      async () => ((await get(B.apis, 'cart-public'))?.status as { address?: string } | undefined)?.address,
      'the API address',
    );
    expect(address).toMatch(/^https:\/\/.*\/shop\/cart/);
  });
});

describe('steady state', () => {
  const reconciles = async () => {
    const m = await ours.manager.metrics.reconciles.get();
    return m.values
      .filter((v) => OURS.includes(String(v.labels.controller)))
      .reduce((n, v) => n + v.value, 0);
  };
  const FOR = [
    R.components,
    B.services,
    B.webApplications,
    B.scheduledTasks,
    B.apis,
    B.serviceBindings,
    B.webApplicationBindings,
    B.scheduledTaskBindings,
    B.apiBindings,
  ];
  async function resyncAll(): Promise<void> {
    const before = await reconciles();
    let expected = 0;
    for (const ref of FOR) {
      const inf = ours.manager.informer(ref);
      expected += inf.size;
      inf.resync();
    }
    await until(async () => (await reconciles()) >= before + expected, 'the resync to be reconciled', 30_000);
    await new Promise((r) => setTimeout(r, 500));
  }

  it('a resync of everything unchanged sends zero writes', async () => {
    await resyncAll(); // absorbs status changes the Release engine made meanwhile
    oursClient.resetStats();
    await resyncAll();
    const byVerb = { ...oursClient.stats.byVerb };
    expect(WRITES.reduce((n, v) => n + (byVerb[v] ?? 0), 0)).toBe(0);
  });
});
