/**
 * The class → instance → binding → Release flow against the shared apiserver, with every controller running
 * (the Release engine included; the DataPlane is this cluster): an organization with development → staging →
 * production, a Service becomes a ServiceBinding for the pipeline's first environment and a Release whose
 * Deployment and Service land in the development cell. Workload edits, a missing class, Undeploy/Suspend,
 * connections between components, and garbage collection when the component is deleted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bindingWorkloadName, dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { apiBinding } from '../../../src/controllers/binding/index.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import {
  conditionOf,
  installCrds,
  installDataPlaneCrds,
  newClient,
  remoteDataPlane,
  testDataPlane,
  uniqueName,
  until,
  waitReady as waitReadyOf,
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const SERVICES: GVR = { group: '', version: 'v1', resource: 'services', namespaced: true };
const HTTPROUTES: GVR = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  resource: 'httproutes',
  namespaced: true,
};
const TRAFFIC: GVR = {
  group: 'gateway.envoyproxy.io',
  version: 'v1alpha1',
  resource: 'backendtrafficpolicies',
  namespaced: true,
};
const CILIUM: GVR = {
  group: 'cilium.io',
  version: 'v2',
  resource: 'ciliumnetworkpolicies',
  namespaced: true,
};
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
let client: KubeClient;
let oursClient: KubeClient;
let ctrl: RunningControllers;
let ours: RunningControllers;
const org = uniqueName('bind');
const devCell = () => dataPlaneNamespaceName(org, 'shop', 'development');
const logs: string[] = [];

const get = (ref: GVR, name: string, namespace = org) =>
  client.getOrUndefined<KubeObject>(ref, name, ref.namespaced ? { namespace } : {});

const waitReady = (ref: GVR, name: string, status: 'True' | 'False', reason?: string, timeoutMs?: number) =>
  waitReadyOf(client, ref, name, org, status, reason, timeoutMs);

interface Resource {
  id: string;
  object: KubeObject & { spec?: Record<string, unknown> };
}
async function releaseResources(name: string): Promise<Resource[] | undefined> {
  const r = await get(REF.Release, name);
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
  await installDataPlaneCrds(client);
  ctrl = runControllers({ client, controllers: PLATFORM, handleSignals: false, log: (m) => logs.push(m) });
  ours = runControllers({
    client: oursClient,
    controllers: OURS,
    handleSignals: false,
    log: (m) => logs.push(m),
  });
  await Promise.all([ctrl.started, ours.started]);
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => get(KUBE_REF.Namespace, org), 'the organization namespace');
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
  await waitReady(REF.DataPlane, 'default', 'True', undefined, 60_000);
  await waitReady(REF.Project, 'shop', 'True', 'CellsReady', 60_000);
});

afterAll(async () => {
  if (client) {
    await client.delete(REF.Organization, org).catch(() => {});
    await until(async () => !(await get(REF.Organization, org)), 'the org to be gone', 120_000).catch(
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
    const binding = await until(() => get(REF.ServiceBinding, 'cart'), 'the ServiceBinding');
    const svc = await get(REF.Service, 'cart');
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
    await waitReady(REF.Service, 'cart', 'True', 'BindingSynced');

    // The Release: same name, controlled by the binding, Deployment + Service in the development cell.
    const release = await until(() => get(REF.Release, 'cart'), 'the Release');
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
    const c = await waitReady(REF.ServiceBinding, 'cart', 'False', 'ResourceHealthProgressing');
    expect(c.message).toMatch(/^Resources status: \d+\/\d+ progressing/);
    const endpoints = (await get(REF.ServiceBinding, 'cart'))?.status as {
      endpoints?: { name: string; project?: { port: number } }[];
    };
    expect(endpoints.endpoints?.[0]).toMatchObject({ name: 'http', project: { port: 8080 } });

    // The component rolls its environments up.
    const comp = await until(async () => {
      const cc = await get(REF.Component, 'cart');
      const envs = (cc?.status as { environments?: { environment: string; reason: string }[] } | undefined)
        ?.environments;
      return envs?.[0]?.reason === 'ResourceHealthProgressing' ? cc : undefined;
    }, 'the component roll-up');
    expect(conditionOf(comp)).toMatchObject({
      status: 'False',
      reason: 'EnvironmentsProgressing',
      message: '0/1 environment ready; development: ResourceHealthProgressing',
    });

    // A Workload edit reaches the binding and the Release.
    await client.patch(
      REF.Workload,
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
    await client.patch(REF.ServiceBinding, 'cart', { spec: { releaseState: 'Suspend' } }, { namespace: org });
    await until(async () => deploymentOf(await releaseResources('cart'))?.spec.replicas === 0, 'replicas 0');
    await waitReady(REF.ServiceBinding, 'cart', 'False', 'ResourcesSuspended');
    await client.patch(
      REF.Workload,
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
    expect((await get(REF.ServiceBinding, 'cart'))?.spec).toMatchObject({ releaseState: 'Suspend' });
    const rolled = await until(async () => {
      const cc = await get(REF.Component, 'cart');
      return conditionOf(cc)?.status === 'True' ? cc : undefined;
    }, 'a suspended environment not to count against the component');
    expect(conditionOf(rolled)?.message).toContain('development: ResourcesSuspended');

    // Undeploy: the Release goes (and with it the cell objects), Active brings it back.
    await client.patch(
      REF.ServiceBinding,
      'cart',
      { spec: { releaseState: 'Undeploy' } },
      { namespace: org },
    );
    await waitReady(REF.ServiceBinding, 'cart', 'False', 'ResourcesUndeployed');
    await until(async () => !(await get(REF.Release, 'cart')), 'the Release to be deleted', 60_000);
    await until(
      async () => !(await get(DEPLOYMENTS, depName, devCell())),
      'the Deployment to be deleted',
      60_000,
    );
    // The Release's deletion brings the binding back (a moment later: it coalesces its Release's events).
    await until(
      async () => conditionOf(await get(REF.ServiceBinding, 'cart'))?.message === 'Resources undeployed',
      'the binding to report its resources undeployed',
    );
    await client.patch(REF.ServiceBinding, 'cart', { spec: { releaseState: 'Active' } }, { namespace: org });
    await until(() => get(REF.Release, 'cart'), 'the Release to come back');
    await waitReady(REF.ServiceBinding, 'cart', 'False', 'ResourceHealthProgressing');
  });

  it('reports a missing ServiceClass and recovers when it is created', async () => {
    await client.create(component('gold'));
    await client.create(workload('gold', 'ghcr.io/acme/gold:1'));
    await client.create(service('gold', { className: 'premium' }));
    const c = await waitReady(REF.ServiceBinding, 'gold', 'False', 'ServiceClassNotFound');
    expect(c.message).toContain('ServiceClass "premium" not found');
    expect(await get(REF.Release, 'gold')).toBeUndefined();
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
    const c = await waitReady(REF.Service, 'late', 'False', 'WorkloadNotFound');
    expect(c.message).toContain('Workload "late"');
    expect(await get(REF.ServiceBinding, 'late')).toBeUndefined();
    await client.create(workload('late', 'ghcr.io/acme/late:1'));
    await waitReady(REF.Service, 'late', 'True', 'BindingSynced');
    await until(() => get(REF.Release, 'late'), 'the Release');
  });

  it('a Workload created just after its Service: no WorkloadNotFound first (REFERENCE_GRACE_MS)', async () => {
    await client.create(component('soon'));
    await client.create(service('soon'));
    await new Promise((r) => setTimeout(r, 1_000)); // the instance is in the manager's cache by now
    await client.create(workload('soon', 'ghcr.io/acme/soon:1'));
    await waitReady(REF.Service, 'soon', 'True', 'BindingSynced');
    const events = await client.list(KUBE_REF.Event, {
      namespace: org,
      fieldSelector: 'involvedObject.kind=Service,involvedObject.name=soon',
    });
    // A WorkloadNotFound written first would have recorded its Warning (and BindingSynced after it, a recovery).
    expect(events.items.map((e) => e.reason)).toEqual([]);
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
    let c = await waitReady(REF.Service, 'probe', 'False', 'ComponentNotFound');
    expect(c.message).toContain('Component "probe"');
    await client.create({
      apiVersion: API,
      kind: 'Component',
      metadata: meta('probe'),
      spec: { owner: { projectName: 'lab' }, type: 'Service' },
    });
    c = await waitReady(REF.Service, 'probe', 'False', 'ProjectNotFound');
    expect(c.message).toContain('Project "lab"');
    await client.create({
      apiVersion: API,
      kind: 'Project',
      metadata: meta('lab'),
      spec: { deploymentPipelineRef: 'labflow' },
    });
    c = await waitReady(REF.Service, 'probe', 'False', 'DeploymentPipelineNotFound');
    expect(c.message).toContain('DeploymentPipeline "labflow"');
    await client.create({
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: meta('labflow'),
      spec: {
        promotionPaths: [{ sourceEnvironmentRef: 'qa', targetEnvironmentRefs: [{ name: 'production' }] }],
      },
    });
    c = await waitReady(REF.Service, 'probe', 'False', 'WorkloadNotFound');
    await client.create({
      ...workload('probe', 'ghcr.io/acme/probe:1'),
      spec: {
        owner: { projectName: 'lab', componentName: 'probe' },
        containers: { main: { image: 'ghcr.io/acme/probe:1' } },
      },
    });
    await waitReady(REF.Service, 'probe', 'True', 'BindingSynced');
    expect((await get(REF.ServiceBinding, 'probe'))?.spec).toMatchObject({ environment: 'qa' });
    c = await waitReady(REF.ServiceBinding, 'probe', 'False', 'EnvironmentNotFound');
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
    const c = await waitReady(REF.ServiceBinding, 'cfg', 'False', 'ConfigurationGroupNotFound');
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
    const c = await waitReady(REF.ServiceBinding, 'checkout', 'False', 'ConnectionNotResolved');
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
      REF.Workload,
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
    await until(() => get(REF.Release, 'gone'), 'the Release');
    const comp = await get(REF.Component, 'gone');
    const binding = await until(async () => {
      const b = await get(REF.ServiceBinding, 'gone');
      return b?.metadata?.annotations?.['openchoreo.dev/component-uid'] ? b : undefined;
    }, 'the binding to record its component');
    expect(binding.metadata?.annotations?.['openchoreo.dev/component-uid']).toBe(comp?.metadata?.uid);
    // Nothing but status is written onto the user's own Service for the cascade.
    const svc = await get(REF.Service, 'gone');
    expect(svc?.metadata?.ownerReferences).toBeUndefined();
    const controllerWrites = (
      (svc?.metadata?.managedFields ?? []) as { manager?: string; subresource?: string }[]
    ).filter((f) => f.manager === 'service-controller' && f.subresource !== 'status');
    expect(controllerWrites).toEqual([]);
    await client.delete(REF.Component, 'gone', { namespace: org });
    await until(async () => !(await get(REF.Service, 'gone')), 'the Service to be collected', 60_000);
    await until(async () => !(await get(REF.ServiceBinding, 'gone')), 'the binding to be collected', 60_000);
    await until(async () => !(await get(REF.Release, 'gone')), 'the Release to be collected', 60_000);
  });

  it('a component deleted and created again takes its instances with the old one; a new instance stays', async () => {
    await client.create(component('again'));
    await client.create(workload('again', 'ghcr.io/acme/again:1'));
    await client.create(service('again'));
    const first = await until(async () => {
      const b = await get(REF.ServiceBinding, 'again');
      return b?.metadata?.annotations?.['openchoreo.dev/component-uid'] ? b : undefined;
    }, 'the binding');
    const oldService = await get(REF.Service, 'again');
    await client.delete(REF.Component, 'again', { namespace: org });
    await client.create(component('again'));
    await until(
      async () => {
        const s = await get(REF.Service, 'again');
        return !s || s.metadata?.uid !== oldService?.metadata?.uid;
      },
      'the old Service to be deleted',
      60_000,
    );
    // Applied again for the new component: deployed, and recorded against the new component's uid.
    await until(
      async () => !(await get(REF.ServiceBinding, 'again')),
      'the old binding to be collected',
      60_000,
    );
    await client.create(service('again'));
    const comp = await get(REF.Component, 'again');
    const second = await until(async () => {
      const b = await get(REF.ServiceBinding, 'again');
      return b?.metadata?.annotations?.['openchoreo.dev/component-uid'] === comp?.metadata?.uid
        ? b
        : undefined;
    }, 'the new binding');
    expect(second.metadata?.uid).not.toBe(first.metadata?.uid);
    expect(await get(REF.Service, 'again')).toBeDefined();
    await client.delete(REF.Component, 'again', { namespace: org });
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
    const binding = await until(() => get(REF.WebApplicationBinding, 'site'), 'the WebApplicationBinding');
    expect(binding.spec).toMatchObject({
      environment: 'development',
      workloadSpec: { endpoints: { web: { port: 8080 } } },
    });
    await until(async () => {
      const kinds = (await releaseResources('site'))?.map((r) => r.object.kind) ?? [];
      return ['Deployment', 'Service', 'HTTPRoute'].every((k) => kinds.includes(k));
    }, 'the Release with Deployment, Service and HTTPRoute');
    const withEndpoints = await until(async () => {
      const b = await get(REF.WebApplicationBinding, 'site');
      return (b?.status as { endpoints?: unknown[] } | undefined)?.endpoints?.length ? b : undefined;
    }, 'the endpoint status');
    expect((withEndpoints.status as { endpoints: { name: string }[] }).endpoints[0]?.name).toBe('web');
    await waitReady(REF.WebApplicationBinding, 'site', 'False', 'ResourceHealthProgressing');
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
    await waitReady(REF.ScheduledTaskBinding, 'report', 'False', 'ScheduledTaskClassNotFound');
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
    // A CronJob before its first run is healthy, and the message says when that run is.
    const ready = await waitReady(REF.ScheduledTaskBinding, 'report', 'True', 'ResourcesActive');
    expect(ready.message).toMatch(/; next run \d{4}-\d\d-\d\d 01:30 UTC \(schedule "30 1 \* \* \*"\)$/);
    await client.patch(
      REF.ScheduledTaskBinding,
      'report',
      { spec: { releaseState: 'Undeploy' } },
      { namespace: org },
    );
    await waitReady(REF.ScheduledTaskBinding, 'report', 'False', 'ResourcesUndeployed');
    await until(async () => !(await get(REF.Release, 'report')), 'the Release to be deleted', 60_000);
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
    const binding = await until(() => get(REF.APIBinding, 'cart-public'), 'the APIBinding');
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
    await until(async () => conditionOf(await get(REF.APIBinding, 'cart-public')), 'the APIBinding status');
    // The API reports the address its binding resolved.
    const address = await until(
      async () => ((await get(REF.API, 'cart-public'))?.status as { address?: string } | undefined)?.address,
      'the API address',
    );
    expect(address).toMatch(/^https:\/\/.*\/shop\/cart/);
  });
});

describe('an API before its component’s ServiceBinding', () => {
  it('routes to the component’s default backend, then to its ServiceBinding’s once that appears', async () => {
    const api = (name: string): KubeObject => ({
      apiVersion: API,
      kind: 'API',
      metadata: meta(name),
      spec: {
        owner: { projectName: 'shop', componentName: 'books' },
        environmentName: 'development',
        type: 'REST',
        rest: { backend: { port: 8080, basePath: '/books' }, exposeLevels: ['Public'] },
      },
    });
    // Two APIs of the component: the ServiceBinding's event must bring back the bindings of both.
    await client.create(component('books'));
    await client.create(api('books-public'));
    await client.create(api('books-admin'));
    const backendOf = async (name: string) => {
      const route = (await releaseResources(name))?.find((r) => r.object.kind === 'HTTPRoute')?.object as
        | { spec: { rules: { backendRefs: { name: string }[] }[] } }
        | undefined;
      return route?.spec.rules[0]?.backendRefs[0]?.name;
    };
    // No ServiceBinding yet: the route names the Service the component's binding will have by default.
    for (const name of ['books-public', 'books-admin']) {
      await until(
        async () => (await backendOf(name)) === bindingWorkloadName('books'),
        `${name} routed to the default backend`,
      );
    }
    // The Service is named unlike its component, so its binding's Service name differs from that default.
    await client.create(
      workload('books', 'ghcr.io/acme/books:1', { endpoints: { http: { type: 'REST', port: 8080 } } }),
    );
    await client.create({ ...service('books'), metadata: meta('books-svc') });
    await until(() => get(REF.ServiceBinding, 'books-svc'), 'the ServiceBinding');
    // The ServiceBinding's event names both bindings, an API's its own: the watches' maps on the manager's own
    // caches (the API's status changing brings the bindings back as well, so the routes alone would not show it).
    const { watches = [] } = apiBinding({
      manager: ours.manager,
      client: oursClient,
      planes: ours.planes,
      log: () => {},
    });
    const mapOf = (ref: GVR) => watches.find((w) => w.ref === ref)?.map ?? (() => []);
    const sb = await until(
      () => ours.manager.informer(REF.ServiceBinding).getByName('books-svc', org),
      'the ServiceBinding in the cache',
    );
    expect(mapOf(REF.ServiceBinding)(sb).sort()).toEqual([`${org}/books-admin`, `${org}/books-public`]);
    const adminApi = ours.manager.informer(REF.API).getByName('books-admin', org);
    expect(adminApi && mapOf(REF.API)(adminApi)).toEqual([`${org}/books-admin`]);
    for (const name of ['books-public', 'books-admin']) {
      await until(
        async () => (await backendOf(name)) === bindingWorkloadName('books-svc'),
        `${name} routed to the ServiceBinding's Service`,
        60_000,
      );
    }
  });
});

describe('endpoints, external services and the cell network', () => {
  /** Live objects of `ref` in the development cell that belong to `component`. */
  const liveOf = async (ref: GVR, componentName: string) =>
    (await client.listAll(ref, { namespace: devCell(), labelSelector: `component-name=${componentName}` }))
      .items;

  it('the cell has its network baseline', async () => {
    const baseline = await until(() => get(CILIUM, 'cell-baseline', devCell()), 'the cell baseline');
    expect(baseline.metadata?.labels).toMatchObject({
      'openchoreo.dev/organization': org,
      'openchoreo.dev/project': 'shop',
      'openchoreo.dev/environment': 'development',
    });
    expect(baseline.spec).toMatchObject({
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{ fromEndpoints: [{}] }, { fromEntities: ['host'] }],
      egress: [{ toEndpoints: [{}] }, { toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] }],
    });
    // Deleted behind the controller's back: it comes back.
    await client.delete(CILIUM, 'cell-baseline', { namespace: devCell() });
    await until(
      async () => {
        const b = await get(CILIUM, 'cell-baseline', devCell());
        return b && b.metadata?.uid !== baseline.metadata?.uid ? b : undefined;
      },
      'the cell baseline to be recreated',
      30_000,
    );
  });

  it('external connections: env injected and egress allowed to exactly those hosts and ports', async () => {
    await client.create(component('mailer'));
    await client.create(
      workload('mailer', 'ghcr.io/acme/mailer:1', {
        connections: {
          smtp: {
            type: 'external',
            host: 'smtp.mail.example',
            ports: [587],
            inject: {
              env: [
                { name: 'SMTP_HOST', value: '{{ .host }}' },
                { name: 'SMTP_PORT', value: '{{ .port }}' },
              ],
            },
          },
          buckets: {
            type: 'external',
            host: '*.s3.amazonaws.com',
            ports: [443],
            inject: { env: [{ name: 'S3_URL', value: '{{ .url }}' }] },
          },
        },
      }),
    );
    await client.create(service('mailer'));
    const env = await until(async () => {
      const e = deploymentOf(await releaseResources('mailer'))?.spec.template.spec.containers[0]?.env;
      return e?.some((x) => x.name === 'SMTP_HOST') ? e : undefined;
    }, 'the injected SMTP_HOST');
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'SMTP_HOST', value: 'smtp.mail.example' },
        { name: 'SMTP_PORT', value: '587' },
        { name: 'S3_URL', value: 'https://*.s3.amazonaws.com' },
      ]),
    );
    const cnp = await until(async () => {
      const p = (await liveOf(CILIUM, 'mailer'))[0];
      return p ? p : undefined;
    }, 'the mailer cell policy in the cell');
    const south = ((cnp.spec as { egress: Record<string, unknown>[] }).egress ?? []).filter(
      (r) => 'toFQDNs' in r,
    );
    expect(south).toEqual([
      {
        toFQDNs: [{ matchPattern: '*.s3.amazonaws.com' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
      {
        toFQDNs: [{ matchName: 'smtp.mail.example' }],
        toPorts: [{ ports: [{ port: '587', protocol: 'TCP' }] }],
      },
    ]);

    // Dropping a declaration closes the door.
    await client.patch(
      REF.Workload,
      'mailer',
      { spec: { connections: { buckets: null } } },
      { namespace: org, type: 'merge' },
    );
    await until(async () => {
      const p = (await liveOf(CILIUM, 'mailer'))[0];
      const egress = (p?.spec as { egress?: Record<string, unknown>[] } | undefined)?.egress ?? [];
      return egress.filter((r) => 'toFQDNs' in r).length === 1;
    }, 'the live policy without the bucket egress');
  });

  it('removing an endpoint prunes its route, its policies and its gateway ingress', async () => {
    await client.create({
      apiVersion: API,
      kind: 'APIClass',
      metadata: meta('limited'),
      spec: { restPolicy: { defaults: {}, public: { rateLimit: { requests: 10, window: '1m' } } } },
    });
    await client.create(component('shelf'));
    await client.create(
      workload('shelf', 'ghcr.io/acme/shelf:1', {
        endpoints: { books: { type: 'REST', port: 8080 }, admin: { type: 'REST', port: 9090 } },
      }),
    );
    const api = (port: number, basePath: string, level: string) => ({
      type: 'REST',
      className: 'limited',
      rest: { backend: { port, basePath }, exposeLevels: [level] },
    });
    await client.create(
      service('shelf', {
        apis: { books: api(8080, '/books', 'Public'), admin: api(9090, '/admin', 'Public') },
      }),
    );
    const routesFor = async () =>
      (await liveOf(HTTPROUTES, 'shelf')).map(
        (r) =>
          (r.spec as { rules: { matches: { path: { value: string } }[] }[] }).rules[0]?.matches[0]?.path
            .value,
      );
    await until(async () => (await routesFor()).length === 2, 'both routes in the cell', 60_000);
    expect((await routesFor()).sort()).toEqual(['/shop/shelf/admin', '/shop/shelf/books']);
    await until(async () => (await liveOf(TRAFFIC, 'shelf')).length === 2, 'both rate limits', 60_000);
    const gatewayPorts = async () => {
      const p = (await liveOf(CILIUM, 'shelf'))[0];
      const ingress = (p?.spec as { ingress?: Record<string, unknown>[] } | undefined)?.ingress ?? [];
      const gw = ingress.find((r) => JSON.stringify(r).includes('gateway-external')) as
        | { toPorts: { ports: { port: string }[] }[] }
        | undefined;
      return gw?.toPorts[0]?.ports.map((x) => x.port) ?? [];
    };
    await until(async () => (await gatewayPorts()).length === 2, 'gateway ingress on both ports');

    // The endpoint goes from the Workload while the Service still exposes it: a named render failure, the
    // running objects stay as they were.
    await client.patch(
      REF.Workload,
      'shelf',
      { spec: { endpoints: { admin: null } } },
      { namespace: org, type: 'merge' },
    );
    const failed = await waitReady(REF.ServiceBinding, 'shelf', 'False', 'RenderFailed');
    expect(failed.message).toContain('spec.apis.admin');
    expect(failed.message).toContain('port 9090');
    expect(await routesFor()).toHaveLength(2);

    // The API goes too: its route, its rate limit and the gateway's way into port 9090 are pruned.
    await client.patch(
      REF.Service,
      'shelf',
      { spec: { apis: { admin: null } } },
      { namespace: org, type: 'merge' },
    );
    await until(async () => (await routesFor()).length === 1, 'the admin route to be pruned', 60_000);
    expect(await routesFor()).toEqual(['/shop/shelf/books']);
    await until(
      async () => (await liveOf(TRAFFIC, 'shelf')).length === 1,
      'the admin rate limit pruned',
      60_000,
    );
    await until(
      async () => JSON.stringify(await gatewayPorts()) === JSON.stringify(['8080']),
      'gateway ingress on 8080 only',
    );
    const resources = (await releaseResources('shelf')) ?? [];
    expect(resources.filter((r) => r.object.kind === 'HTTPRoute')).toHaveLength(1);
  });

  it('a WebApplication: dropping an HTTP endpoint from the Workload prunes its public route', async () => {
    await client.create({
      ...component('portal'),
      spec: { owner: { projectName: 'shop' }, type: 'WebApplication' },
    });
    await client.create(
      workload('portal', 'ghcr.io/acme/portal:1', {
        endpoints: { web: { type: 'HTTP', port: 8080 }, docs: { type: 'HTTP', port: 8081 } },
      }),
    );
    await client.create({
      apiVersion: API,
      kind: 'WebApplication',
      metadata: meta('portal'),
      spec: { owner: { projectName: 'shop', componentName: 'portal' }, workloadName: 'portal' },
    });
    await until(async () => (await liveOf(HTTPROUTES, 'portal')).length === 2, 'two routes', 60_000);
    await client.patch(
      REF.Workload,
      'portal',
      { spec: { endpoints: { docs: null } } },
      { namespace: org, type: 'merge' },
    );
    const left = await until(
      async () => {
        const r = await liveOf(HTTPROUTES, 'portal');
        return r.length === 1 ? r : undefined;
      },
      'the docs route to be pruned',
      60_000,
    ).catch(async (e: Error) => {
      // What each link of the chain holds, so a failure under load says where the edit stopped.
      const binding = await get(REF.WebApplicationBinding, 'portal');
      const release = await get(REF.Release, 'portal');
      const names = (objs: KubeObject[] | undefined) => (objs ?? []).map((o) => o.metadata?.name);
      const detail = {
        routes: names(await liveOf(HTTPROUTES, 'portal')),
        workloadGeneration: (await get(REF.Workload, 'portal'))?.metadata?.generation,
        bindingEndpoints: Object.keys(
          ((binding?.spec as { workloadSpec?: { endpoints?: object } } | undefined)?.workloadSpec
            ?.endpoints ?? {}) as object,
        ),
        bindingAnnotations: binding?.metadata?.annotations,
        bindingReady: conditionOf(binding),
        releaseGeneration: release?.metadata?.generation,
        releaseRoutes: names(
          (await releaseResources('portal'))
            ?.filter((r) => r.object.kind === 'HTTPRoute')
            .map((r) => r.object),
        ),
        releaseReady: conditionOf(release),
        releaseStatusIds: (
          (release?.status as { resources?: { id: string }[] } | undefined)?.resources ?? []
        ).map((r) => r.id),
        logs: logs.filter((l) => l.includes('portal')).slice(-30),
      };
      throw new Error(`${e.message}\n${JSON.stringify(detail, null, 2)}`);
    });
    const backend = ((left[0]?.spec ?? {}) as { rules?: { backendRefs: { port: number }[] }[] }).rules?.[0]
      ?.backendRefs[0];
    expect(backend?.port).toBe(8080);
  });
});

describe('the same flow with the data plane in a second apiserver', () => {
  let cp2: ControlPlane;
  let remote: KubeClient;
  const org2 = uniqueName('bindr');
  const cell = () => dataPlaneNamespaceName(org2, 'shop', 'development');
  const m2 = (name: string) => ({ name, namespace: org2 });
  const KINDS = [DEPLOYMENTS, SERVICES, HTTPROUTES, CILIUM] as const;
  const byComponent = (c: KubeClient, ref: GVR, component: string) =>
    c.listAll(ref, { labelSelector: `organization-name=${org2},component-name=${component}` });

  beforeAll(async () => {
    cp2 = await startControlPlane({ name: 'choreoctl-bindings-dp' });
    remote = newClient(cp2.admin.kubeconfig);
    await installDataPlaneCrds(remote);
    await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org2 }, spec: {} });
    await until(async () => get(KUBE_REF.Namespace, org2), 'the second organization namespace');
    for (const o of remoteDataPlane(org2, 'remote', 'remote-creds', cp2)) await client.create(o);
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: m2('development'),
      spec: { dataPlaneRef: 'remote' },
    });
    await client.create({
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: m2('default'),
      spec: { promotionPaths: [{ sourceEnvironmentRef: 'development', targetEnvironmentRefs: [] }] },
    });
    await client.create({
      apiVersion: API,
      kind: 'Project',
      metadata: m2('shop'),
      spec: { deploymentPipelineRef: 'default' },
    });
    await client.create({
      apiVersion: API,
      kind: 'ServiceClass',
      metadata: m2('default'),
      spec: { deploymentTemplate: { replicas: 1 } },
    });
    await client.create({
      apiVersion: API,
      kind: 'APIClass',
      metadata: m2('default'),
      spec: { restPolicy: { defaults: {} } },
    });
  }, 120_000);

  afterAll(async () => {
    if (client) {
      // While the second apiserver still answers: the project's finalizer deletes its cells there.
      await client.delete(REF.Organization, org2).catch(() => {});
      await until(
        async () => !(await get(REF.Organization, org2)),
        'the second org to be gone',
        120_000,
      ).catch(() => {});
    }
    remote?.close();
    await cp2?.stop();
  });

  it('Deployment, Service, HTTPRoutes and policies land in the data-plane cluster only, and leave with the component', async () => {
    await until(
      async () => conditionOf(await get(REF.Project, 'shop', org2))?.reason === 'CellsReady',
      'the project Ready in the remote plane',
      90_000,
    );
    const baseline = await until(
      () => remote.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', { namespace: cell() }),
      'the cell baseline in the data plane',
    );
    expect((baseline.spec as { enableDefaultDeny: unknown }).enableDefaultDeny).toEqual({
      ingress: true,
      egress: true,
    });

    const at = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, namespace: org2 } });
    await client.create(at(component('edge')));
    await client.create(
      at({
        ...workload('edge', 'ghcr.io/acme/edge:1', { endpoints: { http: { type: 'REST', port: 8080 } } }),
      }),
    );
    await client.create(
      at(
        service('edge', {
          apis: {
            http: {
              type: 'REST',
              rest: { backend: { port: 8080, basePath: '/edge' }, exposeLevels: ['Organization', 'Public'] },
            },
          },
        }),
      ),
    );
    const landed = await until(
      async () => {
        const found = await Promise.all(KINDS.map(async (k) => (await byComponent(remote, k, 'edge')).items));
        const [deps, svcs, routes, cnps] = found;
        return deps?.length === 1 && svcs?.length === 1 && routes?.length === 2 && (cnps?.length ?? 0) >= 1
          ? found
          : undefined;
      },
      'Deployment, Service, two HTTPRoutes and the cell policy in the data plane',
      90_000,
    );
    const [deps, , routes, cnps] = landed;
    expect(deps?.[0]?.metadata?.namespace).toBe(cell());
    const pod = (
      (deps?.[0]?.spec ?? {}) as { template: { spec: { containers: { name: string; image: string }[] } } }
    ).template.spec;
    expect(pod.containers[0]).toMatchObject({ name: 'main', image: 'ghcr.io/acme/edge:1' });
    const gateways = (routes ?? [])
      .flatMap((r) => (r.spec as { parentRefs: { name: string }[] }).parentRefs.map((p) => p.name))
      .sort();
    expect(gateways).toEqual(['gateway-external', 'gateway-internal']);
    expect(cnps?.some((c) => c.metadata?.name?.startsWith('edge-cell-'))).toBe(true);

    // The control plane holds our resources only: no workload objects, no cells (only the org's namespace).
    for (const k of KINDS) {
      expect((await client.listAll(k, { labelSelector: `organization-name=${org2}` })).items).toEqual([]);
    }
    const localNamespaces = (
      await client.listAll(KUBE_REF.Namespace, { labelSelector: `openchoreo.dev/organization=${org2}` })
    ).items.map((n) => n.metadata?.name);
    expect(localNamespaces).toEqual([org2]);
    expect(await client.getOrUndefined(KUBE_REF.Namespace, cell())).toBeUndefined();
    expect(await get(REF.Release, 'edge', org2)).toBeDefined();

    // Deleting the component: instance, binding and Release go, and so does everything in the data plane.
    await client.delete(REF.Component, 'edge', { namespace: org2 });
    await until(async () => !(await get(REF.Release, 'edge', org2)), 'the Release to be collected', 90_000);
    await until(
      async () => {
        const left = await Promise.all(KINDS.map(async (k) => (await byComponent(remote, k, 'edge')).items));
        return left.every((l) => l.length === 0);
      },
      'the data-plane objects of edge to be deleted',
      60_000,
    );
    // The cell (and its baseline) stays: it belongs to the project.
    expect(await remote.getOrUndefined(CILIUM, 'cell-baseline', { namespace: cell() })).toBeDefined();
  });
});

describe('bindings written by hand (issue 19, finding 7)', () => {
  const binding = (
    name: string,
    projectName: string,
    componentName: string,
    environment: string,
  ): KubeObject => ({
    apiVersion: API,
    kind: 'ServiceBinding',
    metadata: meta(name),
    spec: {
      owner: { projectName, componentName },
      environment,
      className: 'default',
      workloadSpec: { containers: { main: { image: 'ghcr.io/evil/miner:1' } } },
    },
  });
  const nothingIn = async (ns: string, name: string) => {
    expect(await get(REF.Release, name)).toBeUndefined();
    expect(await get(KUBE_REF.Namespace, ns)).toBeUndefined();
    expect((await client.list(DEPLOYMENTS, { namespace: ns })).items).toEqual([]);
  };

  it('an environment off the pipeline: a condition, no Release, no namespace, no Deployment', async () => {
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: meta('sandbox'),
      spec: { dataPlaneRef: 'default' },
    });
    await client.create(component('rogue'));
    await client.create(binding('rogue', 'shop', 'rogue', 'sandbox'));
    const c = await waitReady(REF.ServiceBinding, 'rogue', 'False', 'EnvironmentNotOnPipeline');
    expect(c.message).toContain(
      'Environment "sandbox" is not on DeploymentPipeline "default" of Project "shop"',
    );
    expect(c.message).toContain('its environments: development, staging, production');
    await nothingIn(dataPlaneNamespaceName(org, 'shop', 'sandbox'), 'rogue');
  });

  it('a missing project or component: a condition, no Release, no namespace, no Deployment', async () => {
    await client.create(binding('phantom', 'ghost', 'phantom', 'development'));
    let c = await waitReady(REF.ServiceBinding, 'phantom', 'False', 'ProjectNotFound');
    expect(c.message).toContain(`Project "ghost" not found in namespace "${org}"`);
    await nothingIn(dataPlaneNamespaceName(org, 'ghost', 'development'), 'phantom');

    await client.create(binding('nobody', 'shop', 'nobody', 'development'));
    c = await waitReady(REF.ServiceBinding, 'nobody', 'False', 'ComponentNotFound');
    expect(c.message).toContain(`Component "nobody" not found in namespace "${org}"`);
    expect(await get(REF.Release, 'nobody')).toBeUndefined();
    const deployments = await client.list(DEPLOYMENTS, { namespace: devCell() });
    expect(deployments.items.filter((d) => d.metadata?.labels?.['component-name'] === 'nobody')).toEqual([]);
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
    REF.Component,
    REF.Service,
    REF.WebApplication,
    REF.ScheduledTask,
    REF.API,
    REF.ServiceBinding,
    REF.WebApplicationBinding,
    REF.ScheduledTaskBinding,
    REF.APIBinding,
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
    // A fixed settle: no event says "the writes those reconciles caused have all landed" (their absence is
    // what the next test measures).
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
