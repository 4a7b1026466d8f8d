/**
 * The Release engine against real apiservers: objects land in the environment's data plane with the ownership
 * labels, edits update and prune, deletion cleans up, status.resources reports health, a missing Environment
 * is named and recovers, a resync of an unchanged Release sends no write, and with the data plane in a second
 * apiserver everything lands there and nothing in the control plane.
 *
 * The engine runs in its own manager with its own client, so `stats.byVerb` counts its requests only. The test
 * control plane has no scheduler or kubelet: Deployments stay Progressing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import { planeKey } from '../../../src/controllers/planes.js';
import { ReleaseEngine } from '../../../src/controllers/release/engine.js';
import { desiredObjects, type StoredRelease } from '../../../src/controllers/release/plan.js';
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
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const SERVICES: GVR = { group: '', version: 'v1', resource: 'services', namespaced: true };
const EVENTS: GVR = { group: '', version: 'v1', resource: 'events', namespaced: true };
const CONFIGMAPS: GVR = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const WRITES = ['create', 'update', 'patch', 'apply', 'delete', 'deletecollection'];

let client: KubeClient;
let engineClient: KubeClient;
let planeClient: KubeClient;
let engine: RunningControllers;
let planeCtrl: RunningControllers;
const org = uniqueName('rel');
const logs: string[] = [];

function writes(c: KubeClient): number {
  return WRITES.reduce((n, v) => n + (c.stats.byVerb[v] ?? 0), 0);
}

async function getRelease(name: string, ns = org): Promise<KubeObject | undefined> {
  return client.getOrUndefined<KubeObject>(REF.Release, name, { namespace: ns });
}

async function waitRelease(name: string, reason: string, timeoutMs = 30_000) {
  return until(
    async () => {
      const r = await getRelease(name);
      const c = conditionOf(r);
      return c?.reason === reason && c.observedGeneration === r?.metadata?.generation ? r : undefined;
    },
    `Release ${name} Ready reason ${reason}`,
    timeoutMs,
  );
}

function deployment(name: string, ns: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
      },
    },
  };
}

function service(name: string, ns: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

function configMap(name: string, ns: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

function release(
  name: string,
  environmentName: string,
  resources: { id: string; object: KubeObject }[],
  projectName = 'shop',
): KubeObject {
  return {
    apiVersion: API,
    kind: 'Release',
    metadata: { name, namespace: org },
    spec: {
      owner: { projectName, componentName: name },
      environmentName,
      resources,
      // Only events and explicit resyncs drive the passes here (the write counts must not race a timer).
      interval: '1h',
      progressingInterval: '1h',
    },
  };
}

/** The cell a Release of `project` in `env` applies into (the engine derives it; the objects must match). */
const cellOf = (env: string, project = 'shop') => dataPlaneNamespaceName(org, project, env);

function ours(kind: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind, metadata: { name, namespace: org }, spec };
}

/** The project, pipeline and component a hand-written Release must name to be deployed at all. */
async function owners(project: string, components: string[]): Promise<void> {
  await client.create(ours('Project', project, { deploymentPipelineRef: 'flow' }));
  for (const c of components) {
    await client.create(ours('Component', c, { owner: { projectName: project }, type: 'Service' }));
  }
}

/** Redeliver every Release to the engine and wait until it reconciled them all (plus a settle). */
async function resyncReleases(): Promise<void> {
  const inf = engine.manager.informer(REF.Release);
  const done = async () => {
    const m = await engine.manager.metrics.reconciles.get();
    return m.values.filter((v) => v.labels.controller === 'release').reduce((n, v) => n + v.value, 0);
  };
  const before = await done();
  const expected = inf.size;
  inf.resync();
  await until(async () => (await done()) >= before + expected, 'the resync to be reconciled', 30_000);
  await new Promise((r) => setTimeout(r, 300));
}

/** Quiet time that counts as settled: a pass the last events queued has had time to run and write. */
const QUIET_MS = 1_500;

/**
 * Waits until the engine has sent no write for QUIET_MS. No event says that no pass is pending (an event of the
 * Deployment controller still queued, a requeue), so quiet time is the only signal.
 */
async function quiesce(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = writes(engineClient);
  for (;;) {
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const now = writes(engineClient);
    if (now === last) return;
    if (Date.now() > deadline) throw new Error(`the engine kept writing for ${timeoutMs} ms (${now} writes)`);
    last = now;
  }
}

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  engineClient = newClient(inject('kubeconfig'));
  planeClient = newClient(inject('kubeconfig'));
  await installCrds(client);
  await installDataPlaneCrds(client);
  planeCtrl = runControllers({ client: planeClient, controllers: ['dataplane'], handleSignals: false });
  engine = runControllers({
    client: engineClient,
    controllers: ['release'],
    handleSignals: false,
    log: (m) => logs.push(m),
  });
  await Promise.all([planeCtrl.started, engine.started]);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
  await client.create(testDataPlane(org));
  await client.create({
    apiVersion: API,
    kind: 'Environment',
    metadata: { name: 'dev', namespace: org },
    spec: { dataPlaneRef: 'default' },
  });
  await until(
    async () =>
      conditionOf(await client.getOrUndefined(REF.DataPlane, 'default', { namespace: org }))?.status ===
      'True',
    'DataPlane default Ready',
  );
  await client.create(
    ours('DeploymentPipeline', 'flow', {
      promotionPaths: [
        {
          sourceEnvironmentRef: 'dev',
          targetEnvironmentRefs: [{ name: 'qa' }, { name: 'nowhere' }, { name: 'prod' }],
        },
      ],
    }),
  );
  await owners('shop', [
    'web',
    'broken',
    'lonely',
    'held',
    'orphan',
    'api',
    'hostile',
    'kinds',
    'taker',
    'stray',
  ]);
});

afterAll(async () => {
  for (const l of logs.filter((m) => m.startsWith('resync'))) process.stderr.write(`${l}\n`);
  if (client) {
    for (const r of (await client.list(REF.Release, { namespace: org }).catch(() => ({ items: [] }))).items) {
      await client.delete(REF.Release, r.metadata?.name ?? '', { namespace: org }).catch(() => {});
    }
    await until(
      async () => (await client.list(REF.Release, { namespace: org })).items.length === 0,
      'releases gone',
      30_000,
    ).catch(() => {});
    await client.delete(KUBE_REF.Namespace, org).catch(() => {});
  }
  await engine?.stop();
  await planeCtrl?.stop();
  for (const c of [client, engineClient, planeClient]) c?.close();
});

describe('release engine, data plane = control plane', () => {
  const cell = cellOf('dev');
  const get = (ref: GVR, name: string) => client.getOrUndefined<KubeObject>(ref, name, { namespace: cell });

  it('applies the objects with the ownership labels, creates the namespace, reports health', async () => {
    await client.create(
      release('web', 'dev', [
        { id: 'web-deployment', object: deployment('web', cell) },
        { id: 'web-service', object: service('web', cell) },
        { id: 'web-config', object: configMap('web-config', cell, { GREETING: 'hello' }) },
      ]),
    );
    const r = await waitRelease('web', 'ResourcesProgressing');
    const uid = r.metadata?.uid;
    expect(conditionOf(r)?.message).toBe('1/3 progressing, 2/3 healthy');

    const ns = await client.getOrUndefined<KubeObject>(KUBE_REF.Namespace, cell);
    expect(ns?.metadata?.labels).toMatchObject({
      'openchoreo.dev/created-by': 'release-controller',
      'openchoreo.dev/release-name': 'web',
      'openchoreo.dev/release-namespace': org,
      'openchoreo.dev/release-uid': uid,
      'openchoreo.dev/environment': 'dev',
      'openchoreo.dev/project': 'shop',
    });
    for (const [ref, name, id] of [
      [DEPLOYMENTS, 'web', 'web-deployment'],
      [SERVICES, 'web', 'web-service'],
      [CONFIGMAPS, 'web-config', 'web-config'],
    ] as const) {
      const o = await get(ref, name);
      expect(o?.metadata?.labels).toMatchObject({
        'openchoreo.dev/managed-by': 'release-controller',
        'openchoreo.dev/release-resource-id': id,
        'openchoreo.dev/release-uid': uid,
        'openchoreo.dev/release-name': 'web',
        'openchoreo.dev/release-namespace': org,
      });
      expect(o?.metadata?.annotations?.['openchoreo.dev/applied-hash']).toMatch(/^[0-9a-f]{16}$/);
      expect(
        (o?.metadata?.managedFields as { manager?: string }[] | undefined)?.some(
          (f) => f.manager === 'release-controller',
        ),
      ).toBe(true);
    }

    const resources = (r.status as { resources: Record<string, unknown>[] }).resources;
    expect(resources.map((x) => [x.id, x.kind, x.name, x.namespace, x.healthStatus])).toEqual([
      ['web-deployment', 'Deployment', 'web', cell, 'Progressing'],
      ['web-service', 'Service', 'web', cell, 'Healthy'],
      ['web-config', 'ConfigMap', 'web-config', cell, 'Healthy'],
    ]);
    expect(resources[0]).toMatchObject({ group: 'apps', version: 'v1' });
    expect(resources.every((x) => typeof x.lastObservedTime === 'string')).toBe(true);
  });

  it('a resync of an unchanged Release sends zero writes', async () => {
    await resyncReleases(); // absorbs status changes the Deployment controller made meanwhile
    await quiesce();
    engineClient.resetStats();
    await resyncReleases();
    const byVerb = { ...engineClient.stats.byVerb };
    logs.push(`resync of unchanged releases: ${JSON.stringify(byVerb)}`);
    expect(writes(engineClient)).toBe(0);
    // Nor a list: the inventory of a pass comes from the plane's informers (their events queue the Release).
    expect(byVerb.list ?? 0).toBe(0);
  });

  it('re-applies an object someone else changed', async () => {
    await client.patch(CONFIGMAPS, 'web-config', { data: { GREETING: 'tampered' } }, { namespace: cell });
    await resyncReleases();
    const cm = await get(CONFIGMAPS, 'web-config');
    expect((cm?.data as Record<string, string> | undefined)?.GREETING).toBe('hello');
  });

  it('updates changed objects and prunes removed ones', async () => {
    const before = engineClient.stats.byVerb.delete ?? 0;
    await client.patch(
      REF.Release,
      'web',
      {
        spec: {
          resources: [
            { id: 'web-deployment', object: deployment('web', cell) },
            { id: 'web-config', object: configMap('web-config', cell, { GREETING: 'bonjour' }) },
          ],
        },
      },
      { namespace: org },
    );
    await until(
      async () =>
        ((await get(CONFIGMAPS, 'web-config'))?.data as Record<string, string>)?.GREETING === 'bonjour',
      'the ConfigMap to be updated',
    );
    await until(async () => !(await get(SERVICES, 'web')), 'the Service to be pruned');
    const r = await waitRelease('web', 'ResourcesProgressing');
    expect((r.status as { resources: { id: string }[] }).resources.map((x) => x.id)).toEqual([
      'web-deployment',
      'web-config',
    ]);
    expect(conditionOf(r)?.message).toBe('1/2 progressing, 1/2 healthy');
    expect((engineClient.stats.byVerb.delete ?? 0) - before).toBe(1);
  });

  it('names every object that fails and still applies the others', async () => {
    // (An object of a kind off the allow-list, like the Widget this test once held, now stops the whole Release:
    // see "release engine, confinement". A namespaced object without a namespace goes into the cell.)
    await client.create(
      release('broken', 'dev', [
        { id: 'good', object: configMap('broken-ok', cell, { a: '1' }) },
        { id: 'invalid', object: { ...service('svc', cell), spec: { ports: [{ port: 'nope' }] } } },
        { id: 'nowhere', object: configMap('no-namespace', '', {}) },
      ]),
    );
    const r = await waitRelease('broken', 'ApplyFailed');
    const msg = conditionOf(r)?.message ?? '';
    expect(msg).toContain('Service/svc: ');
    expect(msg).not.toContain('ConfigMap');
    expect(await get(CONFIGMAPS, 'broken-ok')).toBeDefined();
    expect(await get(CONFIGMAPS, 'no-namespace')).toBeDefined();
    await client.delete(REF.Release, 'broken', { namespace: org });
    await until(async () => !(await getRelease('broken')), 'release broken gone');
    expect(await get(CONFIGMAPS, 'broken-ok')).toBeUndefined();
    expect(await get(CONFIGMAPS, 'no-namespace')).toBeUndefined();
  });

  it('names a missing Environment and recovers when it appears', async () => {
    await client.create(
      release('lonely', 'qa', [{ id: 'cfg', object: configMap('lonely', cellOf('qa'), { a: '1' }) }]),
    );
    const r = await waitRelease('lonely', 'EnvironmentNotFound');
    expect(conditionOf(r)?.message).toBe(`Environment "qa" not found in namespace "${org}"`);
    expect(conditionOf(r)?.status).toBe('False');
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: { name: 'qa', namespace: org },
      spec: { dataPlaneRef: 'missing' },
    });
    const r2 = await waitRelease('lonely', 'DataPlaneNotFound');
    expect(conditionOf(r2)?.message).toBe(
      `DataPlane "missing" of Environment "qa" not found in namespace "${org}"`,
    );
    await client.patch(REF.Environment, 'qa', { spec: { dataPlaneRef: 'default' } }, { namespace: org });
    const ok = await waitRelease('lonely', 'ResourcesHealthy');
    expect(conditionOf(ok)).toMatchObject({ status: 'True', message: '1/1 healthy' });
    expect(await client.getOrUndefined(CONFIGMAPS, 'lonely', { namespace: cellOf('qa') })).toBeDefined();
  });

  it('waits for an object held by a finalizer before letting the Release go', async () => {
    const held = { ...configMap('held', cell, { a: '1' }) };
    held.metadata = { ...held.metadata, finalizers: ['example.com/hold'] };
    await client.create(release('held', 'dev', [{ id: 'held', object: held }]));
    await waitRelease('held', 'ResourcesHealthy');
    await client.delete(REF.Release, 'held', { namespace: org });
    const c = await until(async () => {
      const f = conditionOf(await getRelease('held'), 'Finalizing');
      return f?.message.includes('waiting for 1 object(s)') ? f : undefined;
    }, 'the Finalizing condition');
    expect(c).toMatchObject({ status: 'True', reason: 'CleanupInProgress' });
    expect(await getRelease('held')).toBeDefined();
    await client.patch(CONFIGMAPS, 'held', { metadata: { finalizers: null } }, { namespace: cell });
    await until(async () => !(await getRelease('held')), 'release held gone');
    expect(await get(CONFIGMAPS, 'held')).toBeUndefined();
  });

  it('lets go with a Warning event when there is no DataPlane to clean up', async () => {
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: { name: 'nowhere', namespace: org },
      spec: { dataPlaneRef: 'gone' },
    });
    await client.create(
      release('orphan', 'nowhere', [{ id: 'c', object: configMap('orphan', cellOf('nowhere'), {}) }]),
    );
    await waitRelease('orphan', 'DataPlaneNotFound');
    await client.delete(REF.Release, 'orphan', { namespace: org });
    await until(async () => !(await getRelease('orphan')), 'release orphan gone');
    const events = await client.list(EVENTS, {
      namespace: org,
      fieldSelector: 'involvedObject.name=orphan,reason=DataPlaneGone',
    });
    expect(events.items[0]).toMatchObject({ type: 'Warning' });
    expect(String(events.items[0]?.message)).toContain('DataPlane "gone" of Environment "nowhere" is gone');
  });

  it('deletes everything it applied when the Release is deleted, and keeps the namespace', async () => {
    await client.delete(REF.Release, 'web', { namespace: org });
    await until(async () => !(await getRelease('web')), 'release web gone');
    expect(await get(DEPLOYMENTS, 'web')).toBeUndefined();
    expect(await get(CONFIGMAPS, 'web-config')).toBeUndefined();
    expect(await client.getOrUndefined(CONFIGMAPS, 'lonely', { namespace: cellOf('qa') })).toBeDefined(); // another Release's
    expect(await client.getOrUndefined(KUBE_REF.Namespace, cell)).toBeDefined();
  });
});

describe('release engine, confinement (hand-written Releases)', () => {
  const cell = cellOf('dev');
  const DAEMONSETS: GVR = { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true };
  const CRB: GVR = {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    namespaced: false,
  };
  const at = (ref: GVR, name: string, namespace?: string) =>
    client.getOrUndefined<KubeObject>(ref, name, namespace ? { namespace } : {});
  const hostileDeployment = (name: string, ns: string): KubeObject => {
    const d = deployment(name, ns) as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
    d.spec.template.spec = {
      hostNetwork: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      containers: [{ name: 'main', image: 'evil:1', securityContext: { privileged: true } }],
    };
    return d;
  };

  async function waitGone(name: string) {
    await client.delete(REF.Release, name, { namespace: org });
    await until(async () => !(await getRelease(name)), `release ${name} gone`);
  }

  it('refuses objects naming kube-system or choreoctl-system: a condition, nothing applied, the pre-existing object untouched after delete', async () => {
    const precious = uniqueName('precious');
    await client.create(configMap(precious, 'kube-system', { owner: 'cluster-admin' }));
    try {
      await client.create(
        release('hostile', 'dev', [
          { id: 'ok', object: configMap('hostile-ok', cell, { a: '1' }) },
          { id: 'takeover', object: configMap(precious, 'kube-system', { owner: 'tenant' }) },
          { id: 'manager', object: hostileDeployment('choreoctl-manager', 'choreoctl-system') },
        ]),
      );
      const r = await waitRelease('hostile', 'ResourceNotAllowed');
      const c = conditionOf(r);
      expect(c?.status).toBe('False');
      expect(c?.message).toContain(
        `ConfigMap/${precious} (resource "takeover"): namespace "kube-system" is outside`,
      );
      expect(c?.message).toContain(
        'Deployment/choreoctl-manager (resource "manager"): namespace "choreoctl-system" is outside',
      );
      expect(c?.message).toContain(`"${cell}"`);
      // All or nothing: not even the object inside the cell.
      expect(await at(CONFIGMAPS, 'hostile-ok', cell)).toBeUndefined();
      expect(await at(DEPLOYMENTS, 'choreoctl-manager', 'choreoctl-system')).toBeUndefined();
      const kept = await at(CONFIGMAPS, precious, 'kube-system');
      expect(kept?.data).toEqual({ owner: 'cluster-admin' });
      expect(kept?.metadata?.labels?.['openchoreo.dev/release-uid']).toBeUndefined();

      await waitGone('hostile');
      expect((await at(CONFIGMAPS, precious, 'kube-system'))?.data).toEqual({ owner: 'cluster-admin' });
    } finally {
      await client.delete(CONFIGMAPS, precious, { namespace: 'kube-system' }).catch(() => {});
    }
  });

  it('refuses kinds off the allow-list, cluster-scoped objects and privileged pods: nothing created', async () => {
    const crb = uniqueName('tenant-admin');
    const evilNs = uniqueName('evil');
    await client.create(
      release('kinds', 'dev', [
        {
          id: 'crb',
          object: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: crb },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: cell }],
          },
        },
        { id: 'ns', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: evilNs } } },
        {
          id: 'ds',
          object: {
            ...hostileDeployment('node-agent', cell),
            kind: 'DaemonSet',
          },
        },
        { id: 'priv', object: hostileDeployment('priv', cell) },
        { id: 'fine', object: configMap('kinds-ok', cell, { a: '1' }) },
      ]),
    );
    const r = await waitRelease('kinds', 'ResourceNotAllowed');
    const msg = conditionOf(r)?.message ?? '';
    expect(msg).toContain(
      `ClusterRoleBinding/${crb} (resource "crb"): kind ClusterRoleBinding.rbac.authorization.k8s.io is not allowed`,
    );
    expect(msg).toContain(
      `Namespace/${evilNs} (resource "ns"): a cluster-scoped Namespace is allowed only as the cell itself`,
    );
    expect(msg).toContain('DaemonSet/node-agent (resource "ds"): kind DaemonSet.apps is not allowed');
    expect(msg).toContain('Deployment/priv (resource "priv"): spec.hostNetwork is not allowed');
    expect(await at(CRB, crb)).toBeUndefined();
    expect(await at(KUBE_REF.Namespace, evilNs)).toBeUndefined();
    expect(await at(DAEMONSETS, 'node-agent', cell)).toBeUndefined();
    expect(await at(DEPLOYMENTS, 'priv', cell)).toBeUndefined();
    expect(await at(CONFIGMAPS, 'kinds-ok', cell)).toBeUndefined();
    await waitGone('kinds');
  });

  it('never adopts, and never deletes, an object it did not create', async () => {
    // A Deployment an administrator made in the cell before any Release named it.
    await client.create({ ...deployment('manager', cell), metadata: { name: 'manager', namespace: cell } });
    await client.create(
      release('taker', 'dev', [
        {
          id: 'takeover',
          object: {
            ...deployment('manager', cell),
            metadata: { name: 'manager', namespace: cell, labels: { app: 'manager' } },
          },
        },
        { id: 'own', object: configMap('taker-own', cell, { a: '1' }) },
      ]),
    );
    const r = await waitRelease('taker', 'ApplyFailed');
    expect(conditionOf(r)?.message).toContain(
      `Deployment/manager: exists in namespace "${cell}" and was not created by this Release: not adopted`,
    );
    const before = await at(DEPLOYMENTS, 'manager', cell);
    expect(before?.metadata?.labels?.['openchoreo.dev/release-uid']).toBeUndefined();
    expect(
      (before?.metadata?.managedFields as { manager?: string }[] | undefined)?.some(
        (f) => f.manager === 'release-controller',
      ),
    ).toBe(false);
    expect(await at(CONFIGMAPS, 'taker-own', cell)).toBeDefined();

    await waitGone('taker');
    const after = await at(DEPLOYMENTS, 'manager', cell);
    expect(after?.metadata?.uid).toBe(before?.metadata?.uid);
    expect(await at(CONFIGMAPS, 'taker-own', cell)).toBeUndefined();
    await client.delete(DEPLOYMENTS, 'manager', { namespace: cell });
  });

  it('deploys nothing for an environment off the pipeline or a missing project', async () => {
    await client.create(ours('Environment', 'sandbox', { dataPlaneRef: 'default' }));
    await client.create(
      release('stray', 'sandbox', [{ id: 'c', object: configMap('stray', cellOf('sandbox'), { a: '1' }) }]),
    );
    const r = await waitRelease('stray', 'EnvironmentNotOnPipeline');
    expect(conditionOf(r)?.message).toContain(
      'Environment "sandbox" is not on DeploymentPipeline "flow" of Project "shop" (its environments: dev, qa, nowhere, prod)',
    );
    await client.create(
      release(
        'ghost',
        'dev',
        [{ id: 'c', object: configMap('ghost', cellOf('dev', 'ghost'), { a: '1' }) }],
        'ghost',
      ),
    );
    const g = await waitRelease('ghost', 'ProjectNotFound');
    expect(conditionOf(g)?.message).toContain(`Project "ghost" not found in namespace "${org}"`);
    expect(await at(KUBE_REF.Namespace, cellOf('sandbox'))).toBeUndefined();
    expect(await at(KUBE_REF.Namespace, cellOf('dev', 'ghost'))).toBeUndefined();
    await waitGone('stray');
    await waitGone('ghost');
  });
});

describe('release engine, write counts', () => {
  const cell = cellOf('dev', 'bulk');
  const N = 100;

  it(`${N} Releases (Deployment + Service each) converge with few writes; a resync of them writes nothing`, async () => {
    const names = Array.from({ length: N }, (_, i) => `svc-${i}`);
    await owners('bulk', names);
    engineClient.resetStats();
    const t0 = Date.now();
    for (const n of names) {
      await client.create(
        release(
          n,
          'dev',
          [
            { id: `${n}-deployment`, object: deployment(n, cell) },
            { id: `${n}-service`, object: service(n, cell) },
          ],
          'bulk',
        ),
      );
    }
    await until(
      async () => {
        const { items } = await client.list(REF.Release, { namespace: org });
        const done = items.filter(
          (r) =>
            names.includes(r.metadata?.name ?? '') &&
            conditionOf(r)?.reason === 'ResourcesProgressing' &&
            (r.status as { resources?: unknown[] } | undefined)?.resources?.length === 2,
        );
        return done.length === N;
      },
      `${N} releases applied`,
      120_000,
    );
    const converge = { ms: Date.now() - t0, ...engineClient.stats.byVerb };
    const perRelease = writes(engineClient) / N;
    const appliesAtConverge = engineClient.stats.byVerb.apply ?? 0;
    const listsAtConverge = engineClient.stats.byVerb.list ?? 0;
    logs.push(`resync: converge of ${N} releases: ${JSON.stringify(converge)} (${perRelease} writes each)`);
    // Finalizer, two applies, one status write, one Event; the namespace once.
    expect(perRelease).toBeLessThanOrEqual(6);

    // The Deployment controller reports on each new Deployment for a while: a status change is a change. Wait
    // until it has said all it will say (observed, with its conditions), then take that in once.
    await until(
      async () => {
        const { items } = await client.list(DEPLOYMENTS, { namespace: cell });
        return items.every((d) => {
          const st = (d.status ?? {}) as { observedGeneration?: number; conditions?: unknown[] };
          return st.observedGeneration === 1 && (st.conditions?.length ?? 0) >= 2;
        });
      },
      'the Deployment controller to settle',
      60_000,
    );
    logs.push(`resync: deployments settled after ${Date.now() - t0} ms`);
    await resyncReleases();
    await quiesce();
    // Those reports (replica counts, conditions) left every Deployment Progressing: no Release was rewritten for
    // them (objects and statuses are written with apply; the copy of a live status changes with its health).
    expect((engineClient.stats.byVerb.apply ?? 0) - appliesAtConverge).toBe(0);
    // Nor did they list the Deployments' pods on each step (the scheduling check): a Deployment's first check
    // is due 30 s after the engine first saw it not available, the next 60 s later, while its spec is unchanged.
    const podLists = (engineClient.stats.byVerb.list ?? 0) - listsAtConverge;
    logs.push(`resync: pod lists after converging: ${podLists}`);
    expect(podLists).toBeLessThanOrEqual(N);
    engineClient.resetStats();
    const t1 = Date.now();
    await resyncReleases();
    logs.push(
      `resync: resync of ${N}+ unchanged releases: ${JSON.stringify({ ms: Date.now() - t1, ...engineClient.stats.byVerb })}`,
    );
    expect(writes(engineClient)).toBe(0);

    engineClient.resetStats();
    const t2 = Date.now();
    for (const n of names) await client.delete(REF.Release, n, { namespace: org });
    await until(
      async () => {
        const { items } = await client.list(REF.Release, { namespace: org });
        return !items.some((r) => names.includes(r.metadata?.name ?? ''));
      },
      'the bulk releases to be gone',
      120_000,
    );
    logs.push(
      `resync: deletion of ${N} releases: ${JSON.stringify({ ms: Date.now() - t2, ...engineClient.stats.byVerb })}`,
    );
    expect((await client.list(DEPLOYMENTS, { namespace: cell })).items).toEqual([]);
    expect((await client.list(SERVICES, { namespace: cell })).items).toEqual([]);
  });
});

describe('release engine, data plane in a second apiserver', () => {
  let cp2: ControlPlane;
  let remote: KubeClient;
  const cell = cellOf('prod');

  beforeAll(async () => {
    cp2 = await startControlPlane({ name: 'choreoctl-release-dp', controllerManager: false });
    remote = newClient(cp2.admin.kubeconfig);
    await installDataPlaneCrds(remote);
    for (const o of remoteDataPlane(org, 'remote', 'remote-creds', cp2)) await client.create(o);
    await client.create({
      apiVersion: API,
      kind: 'Environment',
      metadata: { name: 'prod', namespace: org },
      spec: { dataPlaneRef: 'remote' },
    });
  });

  afterAll(async () => {
    remote?.close();
    await cp2?.stop();
  });

  it('applies into the remote cluster only, and cleans up there', async () => {
    await client.create(
      release('api', 'prod', [
        { id: 'api-deployment', object: deployment('api', cell) },
        { id: 'api-service', object: service('api', cell) },
        { id: 'api-config', object: configMap('api-config', cell, { MODE: 'prod' }) },
      ]),
    );
    // No controller-manager there: the Deployment is never even observed.
    const r = await waitRelease('api', 'ResourcesProgressing', 60_000);
    expect(conditionOf(r)?.message).toBe('1/3 progressing, 2/3 healthy');
    const uid = r.metadata?.uid;
    for (const [ref, name] of [
      [DEPLOYMENTS, 'api'],
      [SERVICES, 'api'],
      [CONFIGMAPS, 'api-config'],
    ] as const) {
      const o = await remote.getOrUndefined<KubeObject>(ref, name, { namespace: cell });
      expect(o?.metadata?.labels?.['openchoreo.dev/release-uid']).toBe(uid);
      expect(await client.getOrUndefined(ref, name, { namespace: cell })).toBeUndefined();
    }
    expect(await remote.getOrUndefined(KUBE_REF.Namespace, cell)).toBeDefined();
    expect(await client.getOrUndefined(KUBE_REF.Namespace, cell)).toBeUndefined();

    // The engine's own client of the remote plane (cached in its PlaneClients) counts what reached it.
    const dp = engine.manager.informer(REF.DataPlane).getByName('remote', org);
    if (!dp) throw new Error('the engine does not see DataPlane remote');
    const toPlane = engine.planes.client(dp);
    expect(toPlane).not.toBe(engineClient);
    await resyncReleases();
    await quiesce();
    engineClient.resetStats();
    toPlane.resetStats();
    await resyncReleases();
    logs.push(
      `resync with a remote plane: control plane ${JSON.stringify(engineClient.stats.byVerb)}, data plane ${JSON.stringify(toPlane.stats.byVerb)}`,
    );
    expect(writes(engineClient)).toBe(0);
    expect(writes(toPlane)).toBe(0);
    expect(toPlane.stats.byVerb.list ?? 0).toBe(0); // the remote plane's informers serve the inventory

    await client.delete(REF.Release, 'api', { namespace: org });
    await until(async () => !(await getRelease('api')), 'release api gone', 60_000);
    for (const [ref, name] of [
      [DEPLOYMENTS, 'api'],
      [SERVICES, 'api'],
      [CONFIGMAPS, 'api-config'],
    ] as const) {
      expect(await remote.getOrUndefined(ref, name, { namespace: cell })).toBeUndefined();
    }
    expect(await remote.getOrUndefined(KUBE_REF.Namespace, cell)).toBeDefined();
  });
});

describe('release engine, a data plane whose credentials change', () => {
  /** A Release never stored, of one ConfigMap in the dev cell of `project`, for the engine alone; and its pass. */
  const unit = (name: string, project: string) => {
    const cell = cellOf('dev', project);
    const rel: StoredRelease = {
      apiVersion: API,
      kind: 'Release',
      metadata: { name, namespace: org, uid: `${org}-${name}` },
      spec: {
        owner: { projectName: project, componentName: name },
        environmentName: 'dev',
        resources: [{ id: 'cfg', object: configMap(`${name}-cfg`, cell, { A: '1' }) }],
        interval: '5m',
        progressingInterval: '10s',
      },
    };
    const dp = { apiVersion: API, kind: 'DataPlane', metadata: { name, namespace: org } };
    const pass = (engine: ReleaseEngine, planeClient: KubeClient) =>
      engine.sync(rel, desiredObjects(rel, cell).desired, {
        client: planeClient,
        dp,
        recorded: undefined,
        safetyNet: false,
        where: `release ${org}/${name}`,
        log: () => {},
      });
    return { cell, dp, uid: `${org}-${name}`, pass };
  };

  it('fails the pass at once, naming the Forbidden list, instead of waiting for the informer to sync', async () => {
    // The harness's `restricted` user has no RBAC rights: a plane whose credentials were rotated to such a
    // token. Before the fix the pass waited for the plane's informer, which retried the refused list forever.
    const refusing = newClient(inject('restrictedKubeconfig'));
    const passes = new ReleaseEngine({ enqueue: () => {} }, () => {});
    const { pass: passOf } = unit('refused', 'shop');
    try {
      const pass = await passOf(passes, refusing);
      expect(pass.ready.status).toBe('False');
      expect(pass.ready.message).toMatch(/list ConfigMap: .*forbidden/i);
      expect(pass.attention).toBe(true); // retried at the progressing interval
    } finally {
      await passes.stop();
      refusing.close();
    }
  });

  it("stops a plane's watches as soon as its client is dropped (credentials rotated), not at the next pass", async () => {
    let dropped: ((key: string) => void) | undefined;
    const passes = new ReleaseEngine({ enqueue: () => {} }, () => {}, {
      onDrop: (fn) => {
        dropped = fn;
        return () => {};
      },
    });
    const { cell, dp, uid, pass: passOf } = unit('rotating', 'rotating');
    try {
      const pass = await passOf(passes, client);
      expect(pass.ready.status, pass.ready.message).toBe('True');
      // The next pass reads its inventory from the plane's watch, which saw the ConfigMap applied.
      await until(() => passes.holds(dp, uid), 'the watch to hold the applied ConfigMap');
      dropped?.(planeKey(dp));
      expect(passes.holds(dp, uid)).toBe(false);
    } finally {
      await passes.stop();
      await client.delete(KUBE_REF.Namespace, cell).catch(() => {});
    }
  });
});

describe('release engine, an inventory that was not stored', () => {
  it('prunes an object it applied itself though the status recording it never landed', async () => {
    // Under load the spec can change before the status of the pass that applied the objects (their inventory)
    // is stored: the next pass then sees no record of them. Before the fix the removed object stayed forever
    // ("not pruning …: not in its inventory"). Here both passes run with no recorded inventory at all.
    const cell = cellOf('dev', 'unstored');
    const uid = `${org}-unstored`;
    const rel = (ids: string[]): StoredRelease => ({
      apiVersion: API,
      kind: 'Release',
      metadata: { name: 'unstored', namespace: org, uid },
      spec: {
        owner: { projectName: 'unstored', componentName: 'unstored' },
        environmentName: 'dev',
        resources: ids.map((id) => ({ id, object: configMap(`unstored-${id}`, cell, { id }) })),
        interval: '5m',
        progressingInterval: '10s',
      },
    });
    const dp = { apiVersion: API, kind: 'DataPlane', metadata: { name: 'unstored', namespace: org } };
    const pass = (engine: ReleaseEngine, r: StoredRelease) =>
      engine.sync(r, desiredObjects(r, cell).desired, {
        client,
        dp,
        recorded: undefined,
        safetyNet: true,
        where: `release ${org}/unstored`,
        log: () => {},
      });
    const names = async () =>
      (
        await client.listAll(CONFIGMAPS, {
          namespace: cell,
          labelSelector: `openchoreo.dev/release-uid=${uid}`,
        })
      ).items
        .map((c) => c.metadata?.name)
        .sort();
    const engine = new ReleaseEngine({ enqueue: () => {} }, () => {});
    const restarted = new ReleaseEngine({ enqueue: () => {} }, () => {});
    try {
      expect((await pass(engine, rel(['a', 'b']))).ready.status).toBe('True');
      expect(await names()).toEqual(['unstored-a', 'unstored-b']);
      await pass(engine, rel(['a']));
      expect(await names()).toEqual(['unstored-a']);
      // What it did not apply and no inventory records is still left alone: another engine (a restarted
      // manager) applies c, and this one, which never applied c, does not prune it on an unrecorded pass.
      await pass(restarted, rel(['a', 'c']));
      await pass(engine, rel(['a']));
      expect(await names()).toEqual(['unstored-a', 'unstored-c']);
    } finally {
      await engine.stop();
      await restarted.stop();
      await client.delete(KUBE_REF.Namespace, cell).catch(() => {});
    }
  });
});
