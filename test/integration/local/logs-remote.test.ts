/**
 * `logs` on a data plane in another cluster: the control plane (the harness apiserver) holds a DataPlane whose
 * credentials are a kubeconfig in a Secret; the data plane is a second control plane with one simulated node, where
 * a pod runs and kwok serves its log. The log source reaches that pod through a client built from the DataPlane's
 * credentials, read with the caller's identity: a caller who may not read the Secret gets an error naming it
 * (and nothing of the credentials), and a DataPlane whose Secret is missing says which one.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { criLogLine } from '../../../src/local/kwok.js';
import {
  dataPlaneClient,
  type LogEvent,
  LogsError,
  type LogTarget,
  PodLogSource,
} from '../../../src/services/logs.js';
import { conditionOf, newClient, uniqueName, until } from '../helpers.js';

const PODS: GVR = { group: '', version: 'v1', resource: 'pods', namespaced: true };
let client: KubeClient;
let restricted: KubeClient;
let dp: ControlPlane;
let remote: KubeClient;
const org = uniqueName('logs-remote');
const cell = 'shop-dev-cell';
const selector = 'openchoreo.dev/component=orders,openchoreo.dev/environment=dev';

const dataPlane = (secret: string): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'DataPlane',
  metadata: { name: 'far', namespace: org },
  spec: { kubernetesCluster: { kubeconfigSecretRef: { name: secret, key: 'config' } } },
});

const target = (plane: KubeObject): LogTarget => ({
  organization: org,
  project: 'shop',
  component: 'orders',
  environment: 'dev',
  namespace: cell,
  labelSelector: selector,
  dataPlane: plane,
});

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  dp = await startControlPlane({ name: 'choreoctl-dp', nodes: 1 });
  remote = newClient(dp.admin.kubeconfig);
  restricted = newClient(dp.restricted.kubeconfig);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'far-kubeconfig', namespace: org },
    data: { config: Buffer.from(readFileSync(dp.admin.kubeconfig, 'utf8')).toString('base64') },
  });
  await remote.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: cell } });
  await remote.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'orders-0',
      namespace: cell,
      labels: { 'openchoreo.dev/component': 'orders', 'openchoreo.dev/environment': 'dev' },
    },
    spec: { containers: [{ name: 'main', image: 'registry.example/orders:1' }] },
  });
  await until(
    async () => {
      const pod = await remote.getOrUndefined(PODS, 'orders-0', { namespace: cell });
      return pod && conditionOf(pod)?.status === 'True';
    },
    'the pod on the remote data plane to be Ready',
    90_000,
  );
}, 300_000);

afterAll(async () => {
  await client?.delete(KUBE_REF.Namespace, org).catch(() => {});
  client?.close();
  remote?.close();
  restricted?.close();
  await dp?.stop();
});

async function collect(kube: KubeClient): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  const source = new PodLogSource(kube, { namespace: cell, labelSelector: selector, description: 'orders' });
  for await (const ev of source.stream({ tailLines: 3 }, AbortSignal.timeout(60_000))) events.push(ev);
  return events;
}

describe('logs on a remote data plane', () => {
  it("streams the remote pod's lines through a client built from the DataPlane's credentials", async () => {
    const marker = `remote line ${Date.now()}`;
    appendFileSync(dp.nodes?.logFile ?? '', criLogLine(marker));
    const kube = await dataPlaneClient(client, target(dataPlane('far-kubeconfig')));
    try {
      expect(kube).not.toBe(client);
      const lines = (await collect(kube)).filter((e) => e.type === 'line');
      expect(lines.at(-1)).toMatchObject({ pod: 'orders-0', container: 'main', text: marker });
    } finally {
      kube.close();
    }
  });

  it('a caller who may not read the credentials Secret gets an error naming it, and no credentials', async () => {
    const cpRestricted = newClient(inject('restrictedKubeconfig'));
    try {
      const err = await dataPlaneClient(cpRestricted, target(dataPlane('far-kubeconfig'))).catch((e) => e);
      expect(err).toBeInstanceOf(LogsError);
      expect(err.reason).toBe('Forbidden');
      expect(err.message).toContain('Secret "far-kubeconfig"');
      expect(err.message).toContain(`kubectl logs -l ${selector}`);
      expect(err.message).not.toContain(readFileSync(dp.admin.kubeconfig, 'utf8').slice(0, 40));
    } finally {
      cpRestricted.close();
    }
  });

  it('a DataPlane whose Secret is missing says which one and what to check', async () => {
    const err = await dataPlaneClient(client, target(dataPlane('gone'))).catch((e) => e);
    expect(err).toBeInstanceOf(LogsError);
    expect(err.reason).toBe('RemoteDataPlane');
    expect(err.message).toContain('Secret "gone"');
    expect(err.message).toContain('choreoctl describe dataplane far');
  });

  it('a DataPlane without kubernetesCluster is the control-plane cluster itself', async () => {
    const local: KubeObject = { ...dataPlane('x'), spec: {} };
    expect(await dataPlaneClient(client, target(local))).toBe(client);
    expect(await dataPlaneClient(restricted, target(local))).toBe(restricted);
  });
});
