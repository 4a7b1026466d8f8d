/**
 * One writer to data planes (issue 10 item 3): the project controller provisions its cells (Namespace + network
 * baseline) through the Release engine, in-process and without a stored Release, and the engine alone writes
 * them into the data plane. The project controller runs in a manager of its own, and every write request of
 * every KubeClient in this process is recorded with its field manager, the client that sent it and whether the
 * engine's code (release/engine.ts) sent it: every request that reaches the data plane (a second apiserver) is
 * the engine's, none carries the project controller's field manager, while the cells appear there, come back
 * when deleted behind the engine's back, and go with the project. A resync of the project writes nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import { KubeClient, type KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import {
  conditionOf,
  installCrds,
  installDataPlaneCrds,
  newClient,
  remoteDataPlane,
  uniqueName,
  until,
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const CILIUM: GVR = {
  group: 'cilium.io',
  version: 'v2',
  resource: 'ciliumnetworkpolicies',
  namespaced: true,
};

/** One write request: which client sent it, with which field manager, for which kind. */
interface Write {
  client: KubeClient;
  method: string;
  fieldManager?: string;
  what: string;
  /** Sent from the Release engine's module (its frame is on the stack). */
  engine: boolean;
}
const recorded: Write[] = [];
const WRITE_METHODS = [
  'create',
  'apply',
  'applyStatus',
  'patch',
  'update',
  'delete',
  'deleteCollection',
] as const;
const originals = new Map<string, unknown>();

/** Record every write of every KubeClient (the prototype's methods, so plane clients made later are covered). */
function spyOnWrites(): void {
  const proto = KubeClient.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of WRITE_METHODS) {
    const orig = proto[m];
    if (typeof orig !== 'function') continue;
    originals.set(m, orig);
    proto[m] = function (this: KubeClient, ...args: unknown[]) {
      const first = args[0] as (KubeObject & { resource?: string }) | undefined;
      const opts = args.find((a) => a && typeof a === 'object' && 'fieldManager' in (a as object)) as
        | { fieldManager?: string }
        | undefined;
      recorded.push({
        client: this,
        method: m,
        ...(opts?.fieldManager ? { fieldManager: opts.fieldManager } : {}),
        what: first?.kind ?? first?.resource ?? '?',
        engine: /release[/\\]engine\.ts/.test(new Error().stack ?? ''),
      });
      return orig.apply(this, args);
    };
  }
}

function restoreWrites(): void {
  const proto = KubeClient.prototype as unknown as Record<string, unknown>;
  for (const [m, f] of originals) proto[m] = f;
}

let client: KubeClient;
let projectClient: KubeClient;
let engineClient: KubeClient;
let projects: RunningControllers;
let engine: RunningControllers;
let cp2: ControlPlane;
let remote: KubeClient;
const org = uniqueName('cells');
const cell = (env: string) => dataPlaneNamespaceName(org, 'shop', env);

function ours(kind: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind, metadata: { name, namespace: org }, spec };
}

/** The project manager's client of the data plane (made on its first pass). */
function projectPlaneClient(): KubeClient {
  const dp = projects.manager.informer(REF.DataPlane).getByName('edge', org);
  if (!dp) throw new Error('the project manager does not see DataPlane edge');
  return projects.planes.client(dp);
}

beforeAll(async () => {
  spyOnWrites();
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  cp2 = await startControlPlane({ name: 'choreoctl-cells-dp' });
  remote = newClient(cp2.admin.kubeconfig);
  await installDataPlaneCrds(remote);
  projectClient = newClient(inject('kubeconfig'));
  engineClient = newClient(inject('kubeconfig'));
  projects = runControllers({ client: projectClient, controllers: ['project'], handleSignals: false });
  engine = runControllers({
    client: engineClient,
    controllers: ['organization', 'dataplane', 'environment', 'deploymentpipeline', 'release'],
    handleSignals: false,
  });
  await Promise.all([projects.started, engine.started]);
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(() => client.getOrUndefined(KUBE_REF.Namespace, org), 'the organization namespace');
  for (const o of remoteDataPlane(org, 'edge', 'edge-creds', cp2)) await client.create(o);
  for (const e of ['dev', 'prod']) await client.create(ours('Environment', e, { dataPlaneRef: 'edge' }));
  await client.create(
    ours('DeploymentPipeline', 'flow', {
      promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'prod' }] }],
    }),
  );
}, 120_000);

afterAll(async () => {
  restoreWrites();
  if (client) {
    await client.delete(REF.Organization, org).catch(() => {});
    await until(async () => !(await client.getOrUndefined(REF.Organization, org)), 'org gone', 90_000).catch(
      () => {},
    );
  }
  await Promise.all([projects?.stop(), engine?.stop()]);
  for (const c of [client, projectClient, engineClient, remote]) c?.close();
  await cp2?.stop();
});

describe('cells through the Release engine, in-process', () => {
  it('the project controller writes nothing to the data plane; the engine writes the cells there', async () => {
    await client.create(ours('Project', 'shop', { deploymentPipelineRef: 'flow' }));
    const ready = await until(
      async () => {
        const c = conditionOf(await client.getOrUndefined(REF.Project, 'shop', { namespace: org }));
        return c?.reason === 'CellsReady' ? c : undefined;
      },
      'project shop CellsReady',
      90_000,
    );
    expect(ready.message).toContain('2 cell(s) ready');
    for (const env of ['dev', 'prod']) {
      const ns = await remote.getOrUndefined<KubeObject>(KUBE_REF.Namespace, cell(env));
      expect(ns?.metadata?.labels).toMatchObject({
        'openchoreo.dev/organization': org,
        'openchoreo.dev/project': 'shop',
        'openchoreo.dev/environment': env,
        'project-name': 'shop',
      });
      const baseline = await remote.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', {
        namespace: cell(env),
      });
      for (const o of [ns, baseline]) {
        const managers = (o?.metadata?.managedFields as { manager?: string }[] | undefined)?.map(
          (f) => f.manager,
        );
        expect(managers).toContain('release-controller');
        expect(managers).not.toContain('project-controller');
      }
      // Nothing in the control plane's own cluster.
      expect(await client.getOrUndefined(KUBE_REF.Namespace, cell(env))).toBeUndefined();
    }

    // No Release stored for a cell: the engine applied them in-process.
    expect((await client.list(REF.Release, { namespace: org })).items).toEqual([]);

    const toPlane = projectPlaneClient();
    expect(toPlane).not.toBe(projectClient);
    const byProject = recorded.filter((w) => w.fieldManager === 'project-controller');
    expect(byProject.length).toBeGreaterThan(0); // the spy sees the project controller's writes…
    expect(byProject.filter((w) => w.client === toPlane)).toEqual([]); // …none of them to the data plane
    // Only control-plane objects: its Project (finalizer, status) and events.
    for (const w of byProject) expect(['Project', 'projects', 'Event', 'events']).toContain(w.what);
    // What reached the data plane came from the engine, with its field manager.
    const toData = recorded.filter((w) => w.client === toPlane);
    expect(toData.length).toBeGreaterThan(0);
    for (const w of toData) expect(w).toMatchObject({ engine: true, fieldManager: 'release-controller' });
    expect(toData.some((w) => w.what === 'CiliumNetworkPolicy')).toBe(true);
  });

  it('a resync of the project writes nothing', async () => {
    const reconciles = async () => {
      const m = await projects.manager.metrics.reconciles.get();
      return m.values.filter((v) => v.labels.controller === 'project').reduce((n, v) => n + v.value, 0);
    };
    const before = await reconciles();
    const mark = recorded.length;
    projectClient.resetStats();
    projects.manager.informer(REF.Project).resync();
    await until(async () => (await reconciles()) > before, 'the resync to be reconciled');
    // A pass that would write does so before it ends: the writes are in by now.
    expect(
      recorded.slice(mark).filter((w) => w.client === projectClient || w.client === projectPlaneClient()),
    ).toEqual([]);
  });

  it('a baseline deleted in the data plane comes back (through the engine)', async () => {
    const mark = recorded.length;
    const old = await remote.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', { namespace: cell('dev') });
    await remote.delete(CILIUM, 'cell-baseline', { namespace: cell('dev') });
    const back = await until(async () => {
      const b = await remote.getOrUndefined<KubeObject>(CILIUM, 'cell-baseline', { namespace: cell('dev') });
      return b && b.metadata?.uid !== old?.metadata?.uid ? b : undefined;
    }, 'the baseline to come back');
    expect(back.metadata?.labels?.['openchoreo.dev/managed-by']).toBe('release-controller');
    const since = recorded.slice(mark).filter((w) => w.client !== remote);
    expect(
      since.some((w) => w.fieldManager === 'release-controller' && w.what === 'CiliumNetworkPolicy'),
    ).toBe(true);
    for (const w of since.filter((x) => x.client === projectPlaneClient())) {
      expect(w).toMatchObject({ engine: true, fieldManager: 'release-controller' });
    }
  });

  it('an environment leaving the pipeline loses its cell; deleting the project removes the rest', async () => {
    await client.patch(
      REF.DeploymentPipeline,
      'flow',
      { spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [] }] } },
      { namespace: org },
    );
    await until(
      async () => !(await remote.getOrUndefined(KUBE_REF.Namespace, cell('prod'))),
      'the prod cell gone',
      60_000,
    );
    expect(await remote.getOrUndefined(KUBE_REF.Namespace, cell('dev'))).toBeDefined();

    await client.delete(REF.Project, 'shop', { namespace: org });
    await until(
      async () => !(await client.getOrUndefined(REF.Project, 'shop', { namespace: org })),
      'the project gone',
      60_000,
    );
    expect(await remote.getOrUndefined(KUBE_REF.Namespace, cell('dev'))).toBeUndefined();
    // Applies and deletes alike: every request to the data plane was the engine's.
    const toData = recorded.filter((w) => w.client === projectPlaneClient());
    expect(toData.some((w) => w.method === 'delete')).toBe(true);
    for (const w of toData) expect(w.engine).toBe(true);
  });
});
