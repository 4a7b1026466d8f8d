/**
 * Three planes for real: the shared control plane runs the controllers; a second apiserver, started here, is the
 * data plane and the build plane. Credentials live in Secrets (token + CA for the DataPlane, a whole kubeconfig
 * for the BuildPlane). Cells land in the second cluster only, and a rotated token is picked up without a restart.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import {
  installCrds,
  installExternalCrds,
  newClient,
  remoteDataPlane,
  uniqueName,
  until,
  waitReady as waitReadyOf,
} from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
let client: KubeClient;
let remote: KubeClient;
let cp2: ControlPlane;
let ctrl: RunningControllers;
const org = uniqueName('mc');
const b64 = (s: string) => Buffer.from(s).toString('base64');

type Ref = GVR;
const waitReady = (ref: Ref, name: string, status: 'True' | 'False', reason?: string, timeoutMs?: number) =>
  waitReadyOf(client, ref, name, org, status, reason, timeoutMs);

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  [cp2] = await Promise.all([startControlPlane({ name: 'choreoctl-dp' }), installCrds(client)]);
  remote = newClient(cp2.admin.kubeconfig);
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(async () => client.getOrUndefined(KUBE_REF.Namespace, org), 'the organization namespace');
});

afterAll(async () => {
  if (client) {
    await client.delete(REF.Organization, org).catch(() => {});
    await until(
      async () => !(await client.getOrUndefined(REF.Organization, org)),
      'the org to be gone',
      90_000,
    ).catch(() => {});
  }
  await ctrl?.stop();
  client?.close();
  remote?.close();
  await cp2?.stop();
});

describe('remote data and build planes', () => {
  it('report exactly what the remote cluster lacks, then become Ready once it has it', async () => {
    for (const o of remoteDataPlane(org, 'remote', 'dp-creds', cp2)) await client.create(o);
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bp-kubeconfig', namespace: org },
      data: { config: b64(readFileSync(cp2.admin.kubeconfig, 'utf8')) },
    });
    await client.create({
      apiVersion: API,
      kind: 'BuildPlane',
      metadata: { name: 'builds', namespace: org },
      spec: { kubernetesCluster: { kubeconfigSecretRef: { name: 'bp-kubeconfig', key: 'config' } } },
    });

    const dp = await waitReady(REF.DataPlane, 'remote', 'False', 'MissingCRDs');
    expect(dp.message).toContain('HTTPRoute and Gateway (gateway.networking.k8s.io/v1)');
    expect(dp.message).toContain(
      'SecurityPolicy, BackendTrafficPolicy and HTTPRouteFilter (gateway.envoyproxy.io/v1alpha1)',
    );
    expect(dp.message).toContain('CiliumNetworkPolicy (cilium.io/v2)');
    expect(dp.message).toContain('choreoctl install --with-dependencies');
    const bp = await waitReady(REF.BuildPlane, 'builds', 'False', 'MissingCRDs');
    expect(bp.message).toContain('Workflow and ClusterWorkflowTemplate (argoproj.io/v1alpha1)');

    await installExternalCrds(remote);
    await waitReady(REF.DataPlane, 'remote', 'True', 'ClusterReady');
    await waitReady(REF.BuildPlane, 'builds', 'True', 'ClusterReady');
  });

  it('puts the cells in the data-plane cluster only, and removes them there', async () => {
    for (const e of ['dev', 'prod']) {
      await client.create({
        apiVersion: API,
        kind: 'Environment',
        metadata: { name: e, namespace: org },
        spec: { dataPlaneRef: 'remote' },
      });
    }
    await client.create({
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: { name: 'default', namespace: org },
      spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'prod' }] }] },
    });
    await client.create({
      apiVersion: API,
      kind: 'Project',
      metadata: { name: 'shop', namespace: org },
      spec: { deploymentPipelineRef: 'default' },
    });
    await waitReady(REF.Project, 'shop', 'True', 'CellsReady');
    const cells = ['dev', 'prod'].map((e) => dataPlaneNamespaceName(org, 'shop', e));
    for (const c of cells) {
      const ns = await remote.getOrUndefined<KubeObject>(KUBE_REF.Namespace, c);
      expect(ns?.metadata?.labels?.['project-name']).toBe('shop');
      expect(await client.getOrUndefined(KUBE_REF.Namespace, c)).toBeUndefined();
    }

    await client.delete(REF.Project, 'shop', { namespace: org });
    await until(
      async () => !(await client.getOrUndefined(REF.Project, 'shop', { namespace: org })),
      'project gone',
      60_000,
    );
    for (const c of cells) expect(await remote.getOrUndefined(KUBE_REF.Namespace, c)).toBeUndefined();
  });

  it('picks up a rotated token without a restart', async () => {
    const clientsBefore = ctrl.planes.size;
    await client.patch(
      KUBE_REF.Secret,
      'dp-creds',
      { data: { token: b64(cp2.restricted.token) } },
      { namespace: org },
    );
    const c = await waitReady(REF.DataPlane, 'remote', 'False', 'Forbidden');
    expect(c.message).toMatch(/Forbidden/);
    // The environments on it follow.
    const e = await waitReady(REF.Environment, 'dev', 'False', 'DataPlaneNotReady');
    expect(e.message).toContain('DataPlane "remote" is not ready');

    await client.patch(
      KUBE_REF.Secret,
      'dp-creds',
      { data: { token: b64('not-a-token') } },
      { namespace: org },
    );
    expect((await waitReady(REF.DataPlane, 'remote', 'False', 'Unauthorized')).message).toMatch(
      /Unauthorized/,
    );

    await client.patch(
      KUBE_REF.Secret,
      'dp-creds',
      { data: { token: b64(cp2.admin.token) } },
      { namespace: org },
    );
    await waitReady(REF.DataPlane, 'remote', 'True', 'ClusterReady');
    await waitReady(REF.Environment, 'dev', 'True', 'EnvironmentReady');
    // One cached client per plane, rebuilt in place (not one per rotation).
    expect(ctrl.planes.size).toBe(clientsBefore);
  });

  it('names a missing Secret and recovers when it is created', async () => {
    await client.create({
      apiVersion: API,
      kind: 'DataPlane',
      metadata: { name: 'later', namespace: org },
      spec: {
        registry: { prefix: 'registry.local:5000' },
        gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
        kubernetesCluster: {
          server: cp2.server,
          tls: { ca: { value: cp2.caData } },
          auth: { bearerToken: { secretRef: 'later-token', secretKey: 'jwt' } },
        },
      },
    });
    const c = await waitReady(REF.DataPlane, 'later', 'False', 'SecretNotFound');
    expect(c.message).toContain('Secret "later-token"');
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'later-token', namespace: org },
      stringData: { token: cp2.admin.token },
    });
    expect((await waitReady(REF.DataPlane, 'later', 'False', 'SecretKeyNotFound')).message).toContain(
      '"jwt"',
    );
    await client.patch(
      KUBE_REF.Secret,
      'later-token',
      { stringData: { jwt: cp2.admin.token } },
      { namespace: org },
    );
    await waitReady(REF.DataPlane, 'later', 'True', 'ClusterReady');
  });
});
