/** Release confinement (release/plan.ts) and who may deploy (release/legitimacy.ts): pure rules. */
import { describe, expect, it } from 'vitest';
import type { Component } from '../../../src/api/kinds/development.js';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { cellUnit } from '../../../src/controllers/project/index.js';
import { controllerOf, ownerProblem } from '../../../src/controllers/release/legitimacy.js';
import {
  cellOf,
  desiredObjects,
  mayDelete,
  type StoredRelease,
  violation,
} from '../../../src/controllers/release/plan.js';
import type { Stored } from '../../../src/controllers/shared.js';
import type { KubeObject } from '../../../src/kube/client.js';

const cell = dataPlaneNamespaceName('acme', 'shop', 'dev');

function release(objects: KubeObject[], extra: Partial<StoredRelease['metadata']> = {}): StoredRelease {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Release',
    metadata: { name: 'web', namespace: 'acme', uid: 'rel-uid', ...extra },
    spec: {
      owner: { projectName: 'shop', componentName: 'web' },
      environmentName: 'dev',
      resources: objects.map((object, i) => ({ id: `r${i}`, object })),
      interval: '5m',
      progressingInterval: '10s',
    },
  };
}

const cm = (ns?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', ...(ns !== undefined ? { namespace: ns } : {}) },
});

function deployment(podSpec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: cell },
    spec: { template: { spec: { containers: [{ name: 'main', image: 'x' }], ...podSpec } } },
  };
}

describe('confinement', () => {
  it('derives the cell from the organization, project and environment, never from the objects', () => {
    expect(cellOf(release([cm('kube-system')]))).toBe(cell);
  });

  it('accepts an allowed kind in the cell, and puts an object without a namespace there', () => {
    expect(violation(cm(cell), cell)).toBeUndefined();
    const { desired, violations } = desiredObjects(release([cm()]), cell);
    expect(violations).toEqual([]);
    expect(desired[0]?.namespace).toBe(cell);
    expect(desired[0]?.object.metadata?.namespace).toBe(cell);
  });

  it('refuses another namespace, naming the object and the rule', () => {
    for (const ns of [
      'kube-system',
      'choreoctl-system',
      'acme',
      dataPlaneNamespaceName('acme', 'other', 'dev'),
    ]) {
      const { desired, violations } = desiredObjects(release([cm(cell), cm(ns)]), cell);
      expect(desired).toHaveLength(1);
      expect(violations).toHaveLength(1);
      expect(violations[0]?.what).toBe('ConfigMap/c (resource "r1")');
      expect(violations[0]?.message).toContain(`namespace "${ns}" is outside the Release's cell`);
    }
  });

  it('refuses kinds off the allow-list and cluster-scoped objects other than the cell Namespace', () => {
    expect(
      violation(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' } },
        cell,
      ),
    ).toContain('kind ClusterRoleBinding.rbac.authorization.k8s.io is not allowed in a Release');
    expect(
      violation({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x', namespace: cell } }, cell),
    ).toContain('kind DaemonSet.apps is not allowed');
    expect(
      violation({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: cell } }, cell),
    ).toContain('kind Pod is not allowed');
    const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    expect(violation(ns(cell), cell)).toBeUndefined();
    expect(violation(ns('kube-system'), cell)).toContain('allowed only as the cell itself');
    // A Namespace is never put "into" the cell.
    expect(desiredObjects(release([ns(cell)]), cell).desired[0]?.namespace).toBeUndefined();
  });

  it('refuses pod templates that reach the node', () => {
    expect(violation(deployment({}), cell)).toBeUndefined();
    expect(violation(deployment({ hostNetwork: true }), cell)).toContain('spec.hostNetwork');
    expect(violation(deployment({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }), cell)).toContain(
      'hostPath',
    );
    expect(
      violation(
        deployment({ containers: [{ name: 'main', image: 'x', securityContext: { privileged: true } }] }),
        cell,
      ),
    ).toContain('privileged');
    expect(
      violation(
        deployment({
          containers: [{ name: 'main', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }],
        }),
        cell,
      ),
    ).toContain('host ports');
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'j', namespace: cell },
      spec: { jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [] } } } } },
    };
    expect(violation(cron, cell)).toContain('spec.hostPID');
  });
});

describe('mayDelete', () => {
  const r = release([]);
  const live = (over: Partial<KubeObject['metadata']> = {}, kind = 'ConfigMap'): KubeObject => ({
    apiVersion: 'v1',
    kind,
    metadata: {
      name: 'c',
      namespace: cell,
      uid: 'obj-uid',
      labels: { 'openchoreo.dev/managed-by': 'release-controller', 'openchoreo.dev/release-uid': 'rel-uid' },
      ...over,
    },
  });
  const recorded = [
    { id: 'r0', version: 'v1', kind: 'ConfigMap', name: 'c', namespace: cell, uid: 'obj-uid' },
  ];

  it('deletes the very object the inventory recorded', () => {
    expect(mayDelete(live(), r, recorded, true)).toBe(true);
  });
  it('never deletes an object with another uid, outside the cell, or without our labels', () => {
    expect(mayDelete(live({ uid: 'other' }), r, recorded, true)).toBe(false);
    expect(mayDelete(live({ uid: 'other' }), r, recorded, false)).toBe(false);
    expect(mayDelete(live({ namespace: 'kube-system' }), r, recorded, false)).toBe(false);
    expect(mayDelete(live({ labels: {} }), r, recorded, false)).toBe(false);
    expect(
      mayDelete(
        live({
          labels: { 'openchoreo.dev/managed-by': 'release-controller', 'openchoreo.dev/release-uid': 'x' },
        }),
        r,
        recorded,
        false,
      ),
    ).toBe(false);
  });
  it('prunes only recorded objects; cleanup also takes our labelled objects it never recorded', () => {
    expect(mayDelete(live(), r, [], true)).toBe(false);
    expect(mayDelete(live(), r, [], false)).toBe(true);
  });
});

describe('ownerProblem', () => {
  const project = {
    metadata: { name: 'shop', namespace: 'acme', uid: 'p-uid' },
    spec: { deploymentPipelineRef: 'flow' },
  };
  const pipeline = {
    metadata: { name: 'flow' },
    spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'prod' }] }] },
  };
  // Only the fields ownerProblem reads.
  const component = {
    metadata: { name: 'web' },
    spec: { owner: { projectName: 'shop' } },
  } as Stored<Component>;
  const get = {
    project: (n: string) => (n === 'shop' ? project : undefined),
    pipeline: (n: string) => (n === 'flow' ? pipeline : undefined),
    component: (n: string) => (n === 'web' ? component : undefined),
  };
  const claim = { organization: 'acme', projectName: 'shop', componentName: 'web', environment: 'dev' };

  it('accepts every environment of the pipeline', () => {
    expect(ownerProblem(claim, get)).toBeUndefined();
    expect(ownerProblem({ ...claim, environment: 'prod' }, get)).toBeUndefined();
  });
  it('names an environment off the pipeline, a missing project or component', () => {
    expect(ownerProblem({ ...claim, environment: 'staging' }, get)).toMatchObject({
      status: 'False',
      reason: 'EnvironmentNotOnPipeline',
    });
    expect(ownerProblem({ ...claim, environment: 'staging' }, get)?.message).toContain(
      'its environments: dev, prod',
    );
    expect(ownerProblem({ ...claim, projectName: 'ghost' }, get)?.reason).toBe('ProjectNotFound');
    expect(ownerProblem({ ...claim, componentName: 'ghost' }, get)?.reason).toBe('ComponentNotFound');
    expect(
      ownerProblem(claim, {
        ...get,
        component: () => ({ ...component, spec: { ...component.spec, owner: { projectName: 'x' } } }),
      })?.message,
    ).toContain('belongs to Project "x"');
  });
  it('accepts a Release without a component only when its Project controls it', () => {
    const { componentName: _c, ...cellClaim } = claim;
    expect(ownerProblem(cellClaim, get)?.reason).toBe('ComponentNotFound');
    expect(
      ownerProblem({ ...cellClaim, controller: { kind: 'Project', name: 'shop', uid: 'forged' } }, get)
        ?.reason,
    ).toBe('ComponentNotFound');
    const owned = {
      metadata: {
        ownerReferences: [{ apiVersion: 'x', kind: 'Project', name: 'shop', uid: 'p-uid', controller: true }],
      },
    };
    const ctl = controllerOf(owned);
    expect(ownerProblem({ ...cellClaim, ...(ctl ? { controller: ctl } : {}) }, get)).toBeUndefined();
  });
});

describe("the cell's Namespace", () => {
  it("belongs to the project's cell Release only, never to a component's", () => {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: cell } };
    expect(violation(ns, cell, false)).toContain("belongs to the project's cell Release");
    const r = release([ns]);
    expect(desiredObjects(r, cell).violations[0]?.message).toContain("belongs to the project's cell Release");
    const { componentName: _c, ...owner } = r.spec?.owner ?? {};
    expect(desiredObjects({ ...r, spec: { ...r.spec, owner } }, cell).violations).toEqual([]);
  });
});

describe("a project's cell Release", () => {
  it('passes every rule of the engine: its project controls it, its objects are the cell and its baseline', () => {
    const project = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Project',
      metadata: { name: 'shop', namespace: 'acme', uid: 'p-uid' },
      spec: { deploymentPipelineRef: 'flow' },
    };
    const r = cellUnit(project, 'dev', true);
    expect(cellOf(r)).toBe(cell);
    const { desired, violations, failures } = desiredObjects(r, cell);
    expect([violations, failures]).toEqual([[], []]);
    expect(desired.map((d) => `${d.kind}/${d.namespace ?? ''}/${d.name}`)).toEqual([
      `Namespace//${cell}`,
      `CiliumNetworkPolicy/${cell}/cell-baseline`,
    ]);
    const pipeline = {
      metadata: { name: 'flow' },
      spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [] }] },
    };
    const ctl = controllerOf(r);
    expect(
      ownerProblem(
        {
          organization: 'acme',
          projectName: 'shop',
          environment: 'dev',
          ...(ctl ? { controller: ctl } : {}),
        },
        { project: () => project, pipeline: () => pipeline, component: () => undefined },
      ),
    ).toBeUndefined();
  });
});
