/**
 * Every object the golden cases render is accepted by a real apiserver with the real external CRDs installed:
 * server-side apply with dryRun All and strict field validation (unknown fields are errors).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { cases, readInput, render } from '../../unit/render/golden.js';
import { installExternalCrds, newClient, uniqueName } from '../helpers.js';

const objects: { where: string; object: KubeObject }[] = [];
for (const name of cases()) {
  try {
    for (const r of render(readInput(name)).resources)
      objects.push({ where: `${name}/${r.id}`, object: r.object });
  } catch {
    // error cases render nothing
  }
}

let client: KubeClient;
let namespace: string;

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installExternalCrds(client);
  namespace = uniqueName('render');
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

describe('rendered objects pass the apiserver (dry run)', () => {
  it('covers every kind the renderers emit', () => {
    const kinds = new Set(objects.map((o) => o.object.kind));
    for (const k of [
      'Deployment',
      'Service',
      'CronJob',
      'ConfigMap',
      'HTTPRoute',
      'SecurityPolicy',
      'BackendTrafficPolicy',
      'CiliumNetworkPolicy',
    ])
      expect(kinds).toContain(k);
  });
  for (const { where, object } of objects) {
    it(`${where} (${object.kind})`, async () => {
      const obj = { ...object, metadata: { ...object.metadata, namespace } };
      await expect(
        client.apply(obj, {
          fieldManager: 'choreoctl-test',
          dryRun: 'All',
          fieldValidation: 'Strict',
          force: true,
        }),
      ).resolves.toBeDefined();
    });
  }
});
