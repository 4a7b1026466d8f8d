/** The Release engine's allow-list (src/render/kinds.ts) holds every kind the renderers produce, and no more. */
import { describe, expect, it } from 'vitest';
import { cellUnit } from '../../../src/controllers/project/index.js';
import { desiredObjects } from '../../../src/controllers/release/plan.js';
import type { KubeObject } from '../../../src/kube/client.js';
import { splitApiVersion } from '../../../src/kube/discovery.js';
import { allowedKind, DATA_PLANE_KINDS } from '../../../src/render/kinds.js';
import { cases, outcome, readInput } from './golden.js';

const key = (o: KubeObject) => `${splitApiVersion(o.apiVersion ?? '').group}/${o.kind}`;

describe('data-plane allow-list', () => {
  const rendered = new Set<string>();
  for (const name of cases()) {
    it(`has every kind of golden case ${name}`, () => {
      const out = outcome(readInput(name)) as { resources?: { object: KubeObject }[] };
      for (const r of out.resources ?? []) {
        const { group } = splitApiVersion(r.object.apiVersion ?? '');
        expect(allowedKind(group, r.object.kind ?? ''), key(r.object)).toBeDefined();
        expect(
          allowedKind(group, r.object.kind ?? '')?.cluster,
          `${key(r.object)} is namespaced`,
        ).toBeUndefined();
        rendered.add(key(r.object));
      }
    });
  }

  it("has the kinds of a project's cell Release (the one cluster-scoped kind: its Namespace)", () => {
    const project = { metadata: { name: 'shop', namespace: 'acme', uid: 'u1' } };
    const { desired } = desiredObjects(cellUnit(project, 'dev', true));
    expect(desired).toHaveLength(2);
    for (const d of desired) {
      expect(allowedKind(d.group, d.kind)).toBeDefined();
      rendered.add(key(d.object));
    }
    expect(DATA_PLANE_KINDS.filter((k) => k.cluster).map((k) => k.kind)).toEqual(['Namespace']);
  });

  it('holds nothing the renderers never produce (the golden cases and the cell cover the whole table)', () => {
    const table = DATA_PLANE_KINDS.map((k) => `${k.group}/${k.kind}`).sort();
    expect([...rendered].sort()).toEqual(table);
  });

  it('refuses what a hostile Release would bring', () => {
    for (const [g, k] of [
      ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
      ['rbac.authorization.k8s.io', 'RoleBinding'],
      ['', 'Pod'],
      ['apps', 'DaemonSet'],
      ['', 'Secret'],
      ['', 'ServiceAccount'],
      ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration'],
      ['apiextensions.k8s.io', 'CustomResourceDefinition'],
    ] as const) {
      expect(allowedKind(g, k), `${g}/${k}`).toBeUndefined();
    }
  });
});
