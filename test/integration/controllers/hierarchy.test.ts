/**
 * The platform and hierarchy controllers against the shared real apiserver: Organization → namespace,
 * Project → one cell per pipeline environment, cleanup on delete, and Ready=False conditions that name what is
 * missing and recover by themselves when it appears. The DataPlane here is the control-plane cluster itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { conditionOf, controllerHarness, uniqueName, until, waitReady as waitReadyOf } from '../helpers.js';

const harness = controllerHarness({
  externalCrds: (crd) => !String(crd.metadata?.name).endsWith('argoproj.io'),
});
let client: KubeClient;
const API = 'openchoreo.dev/v1alpha1';

const get = (ref: GVR, name: string, namespace?: string) =>
  client.getOrUndefined<KubeObject>(ref, name, namespace ? { namespace } : {});

async function readyOf(ref: GVR, name: string, namespace?: string) {
  return conditionOf(await get(ref, name, namespace));
}

const waitReady = (
  ref: GVR,
  name: string,
  namespace: string | undefined,
  status: 'True' | 'False',
  reason?: string,
) => waitReadyOf(client, ref, name, namespace, status, reason);

async function createOrg(name: string): Promise<void> {
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name }, spec: {} });
  await waitReady(REF.Organization, name, undefined, 'True', 'NamespaceReady');
}

function dataPlane(ns: string, name = 'default'): KubeObject {
  return {
    apiVersion: API,
    kind: 'DataPlane',
    metadata: { name, namespace: ns },
    spec: {
      registry: { prefix: 'registry.local:5000' },
      gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
    },
  };
}

function environment(ns: string, name: string, dataPlaneRef = 'default'): KubeObject {
  return { apiVersion: API, kind: 'Environment', metadata: { name, namespace: ns }, spec: { dataPlaneRef } };
}

function pipeline(ns: string, name: string, paths: [string, string[]][]): KubeObject {
  return {
    apiVersion: API,
    kind: 'DeploymentPipeline',
    metadata: { name, namespace: ns },
    spec: {
      promotionPaths: paths.map(([s, ts]) => ({
        sourceEnvironmentRef: s,
        targetEnvironmentRefs: ts.map((t) => ({ name: t })),
      })),
    },
  };
}

function project(ns: string, name: string, pipelineRef: string): KubeObject {
  return {
    apiVersion: API,
    kind: 'Project',
    metadata: { name, namespace: ns },
    spec: { deploymentPipelineRef: pipelineRef },
  };
}

function component(ns: string, name: string, projectName: string): KubeObject {
  return {
    apiVersion: API,
    kind: 'Component',
    metadata: { name, namespace: ns },
    spec: { owner: { projectName }, type: 'Service' },
  };
}

beforeAll(() => {
  client = harness.client;
});

describe('organization', () => {
  it('owns its namespace (labels, owner reference, status.namespace) and deletes it when deleted', async () => {
    const name = uniqueName('org');
    await createOrg(name);
    const org = await get(REF.Organization, name);
    expect((org?.status as { namespace?: string } | undefined)?.namespace).toBe(name);
    expect(conditionOf(org)?.observedGeneration).toBe(org?.metadata?.generation);
    expect(org?.metadata?.finalizers).toContain('openchoreo.dev/delete-namespace');
    const ns = await get(KUBE_REF.Namespace, name);
    expect(ns?.metadata?.labels).toMatchObject({
      'openchoreo.dev/organization': name,
      'openchoreo.dev/managed-by': 'openchoreo-control-plane',
    });
    expect(ns?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Organization', name, uid: org?.metadata?.uid, controller: true }),
    ]);

    await client.delete(REF.Organization, name);
    await until(async () => !(await get(KUBE_REF.Namespace, name)), 'the namespace to be gone', 60_000);
    await until(async () => !(await get(REF.Organization, name)), 'the organization to be gone');
  });

  it('adopts a namespace that existed before it, and leaves it when deleted', async () => {
    const name = uniqueName('pre');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await createOrg(name);
    const c = await readyOf(REF.Organization, name);
    expect(c?.message).toContain('adopted');
    expect((await get(KUBE_REF.Namespace, name))?.metadata?.labels?.['openchoreo.dev/organization']).toBe(
      name,
    );
    await client.delete(REF.Organization, name);
    await until(async () => !(await get(REF.Organization, name)), 'the organization to be gone');
    expect(await get(KUBE_REF.Namespace, name)).toBeDefined();
    await client.delete(KUBE_REF.Namespace, name);
  });
});

describe('project cells', () => {
  it('creates one labelled cell per pipeline environment and removes cells and components on delete', async () => {
    const org = uniqueName('cell');
    await createOrg(org);
    await client.create(dataPlane(org));
    for (const e of ['development', 'staging', 'production']) await client.create(environment(org, e));
    await client.create(
      pipeline(org, 'default', [
        ['development', ['staging']],
        ['staging', ['production']],
      ]),
    );
    await client.create(project(org, 'shop', 'default'));
    await client.create(component(org, 'cart', 'shop'));

    await waitReady(REF.DataPlane, 'default', org, 'True', 'ClusterReady');
    await waitReady(REF.DeploymentPipeline, 'default', org, 'True', 'PipelineValid');
    const ready = await waitReady(REF.Project, 'shop', org, 'True', 'CellsReady');
    expect(ready.message).toContain('3 cell(s)');
    // its project resolved; no Workload, so no binding: not deployed anywhere (and says so)
    await waitReady(REF.Component, 'cart', org, 'False', 'NotDeployed');

    const cells = ['development', 'staging', 'production'].map((e) => dataPlaneNamespaceName(org, 'shop', e));
    for (const [i, e] of ['development', 'staging', 'production'].entries()) {
      const ns = await get(KUBE_REF.Namespace, cells[i] as string);
      expect(ns?.metadata?.name).toMatch(/^dp-cell-[0-9a-f]{6}-shop-[a-z]+-[0-9a-f]{8}$/);
      expect(ns?.metadata?.labels).toMatchObject({
        'openchoreo.dev/organization': org,
        'openchoreo.dev/project': 'shop',
        'openchoreo.dev/environment': e,
        'organization-name': org,
        'project-name': 'shop',
        'environment-name': e,
      });
    }
    const proj = await get(REF.Project, 'shop', org);
    expect((proj?.status as { cells?: unknown[] } | undefined)?.cells).toEqual(
      ['development', 'staging', 'production'].map((e, i) => ({
        environment: e,
        namespace: cells[i],
        dataPlane: 'default',
      })),
    );

    await client.delete(REF.Project, 'shop', { namespace: org });
    await until(async () => !(await get(REF.Project, 'shop', org)), 'the project to be gone', 60_000);
    expect(await get(REF.Component, 'cart', org)).toBeUndefined();
    for (const c of cells) expect(await get(KUBE_REF.Namespace, c)).toBeUndefined();

    await client.delete(REF.Organization, org);
    await until(
      async () => !(await get(KUBE_REF.Namespace, org)),
      'the organization namespace to be gone',
      60_000,
    );
  });

  it('deleting an organization deletes everything in it, cells included', async () => {
    const org = uniqueName('whole');
    await createOrg(org);
    await client.create(dataPlane(org));
    await client.create(environment(org, 'dev'));
    await client.create(pipeline(org, 'p', [['dev', []]]));
    await client.create(project(org, 'app', 'p'));
    await waitReady(REF.Project, 'app', org, 'True', 'CellsReady');
    const cell = dataPlaneNamespaceName(org, 'app', 'dev');
    expect(await get(KUBE_REF.Namespace, cell)).toBeDefined();

    await client.delete(REF.Organization, org);
    await until(async () => !(await get(REF.Organization, org)), 'the organization to be gone', 90_000);
    expect(await get(KUBE_REF.Namespace, org)).toBeUndefined();
    expect(await get(KUBE_REF.Namespace, cell)).toBeUndefined();
  });
});

describe('missing references', () => {
  it('report Ready=False naming what is missing and recover when it is created', async () => {
    const org = uniqueName('miss');
    await createOrg(org);

    // Environment without its DataPlane.
    await client.create(environment(org, 'dev', 'edge'));
    let c = await waitReady(REF.Environment, 'dev', org, 'False', 'DataPlaneNotFound');
    expect(c.message).toContain('DataPlane "edge"');

    // Project without its pipeline; Component without its project.
    await client.create(project(org, 'web', 'flow'));
    c = await waitReady(REF.Project, 'web', org, 'False', 'DeploymentPipelineNotFound');
    expect(c.message).toContain('DeploymentPipeline "flow"');
    await client.create(component(org, 'ui', 'site'));
    c = await waitReady(REF.Component, 'ui', org, 'False', 'ProjectNotFound');
    expect(c.message).toContain('Project "site"');

    // Pipeline naming a missing environment, then a cycle.
    await client.create(pipeline(org, 'flow', [['dev', ['qa']]]));
    c = await waitReady(REF.DeploymentPipeline, 'flow', org, 'False', 'EnvironmentNotFound');
    expect(c.message).toContain('"qa"');
    c = await waitReady(REF.Project, 'web', org, 'False', 'EnvironmentNotFound');
    expect(c.message).toContain('"qa"');

    await client.create(environment(org, 'qa', 'edge'));
    await client.patch(
      REF.DeploymentPipeline,
      'flow',
      {
        spec: {
          promotionPaths: [
            { sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'qa' }] },
            { sourceEnvironmentRef: 'qa', targetEnvironmentRefs: [{ name: 'dev' }] },
          ],
        },
      },
      { namespace: org },
    );
    c = await waitReady(REF.DeploymentPipeline, 'flow', org, 'False', 'CycleDetected');
    expect(c.message).toContain('dev -> qa -> dev');
    c = await waitReady(REF.Project, 'web', org, 'False', 'DataPlaneNotFound');
    expect(c.message).toContain('DataPlane "edge"');

    // Everything appears: all recover by themselves.
    await client.create(dataPlane(org, 'edge'));
    await waitReady(REF.Environment, 'dev', org, 'True', 'EnvironmentReady');
    await waitReady(REF.Environment, 'qa', org, 'True', 'EnvironmentReady');
    await waitReady(REF.Project, 'web', org, 'True', 'CellsReady');
    await client.create(project(org, 'site', 'flow'));
    await waitReady(REF.Component, 'ui', org, 'False', 'NotDeployed');
    await client.patch(
      REF.DeploymentPipeline,
      'flow',
      {
        spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'qa' }] }] },
      },
      { namespace: org },
    );
    await waitReady(REF.DeploymentPipeline, 'flow', org, 'True', 'PipelineValid');

    // Events record the transitions.
    const events = await client.list<KubeObject>(
      { group: '', version: 'v1', resource: 'events', namespaced: true },
      {
        namespace: org,
      },
    );
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['DataPlaneNotFound', 'EnvironmentReady', 'CellsReady']));

    await client.delete(REF.Organization, org);
    await until(async () => !(await get(REF.Organization, org)), 'the organization to be gone', 90_000);
  });
});
