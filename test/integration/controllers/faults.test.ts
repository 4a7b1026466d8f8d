/**
 * Fault tolerance of the controller manager, on a control plane of its own (the apiserver is stopped, watches are
 * cut and etcd is compacted here, which must not disturb other test files): it reconnects after an apiserver
 * restart and converges without a restart of its own; it relists after a 410 caused by compaction while its
 * watches were down; with leader election only one manager reconciles, and a killed leader is replaced within
 * the lease duration. The apiserver runs with --watch-cache=false so watches resume straight from etcd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { LeaderElector } from '../../../src/controllers/runtime/leader.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { clientBehindProxy, compactEtcd } from '../fault-injection.js';
import { conditionOf, installCrds, newClient, uniqueName, until } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
let cp: ControlPlane;
let client: KubeClient;

async function orgReady(name: string, timeoutMs = 60_000): Promise<void> {
  await until(
    async () =>
      conditionOf(await client.getOrUndefined<KubeObject>(REF.Organization, name))?.status === 'True',
    `organization ${name} Ready`,
    timeoutMs,
  );
}

async function createOrg(name: string): Promise<void> {
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name }, spec: {} });
}

beforeAll(async () => {
  cp = await startControlPlane({ name: 'choreoctl-faults', extraApiserverArgs: ['--watch-cache=false'] });
  client = newClient(cp.admin.kubeconfig);
  await installCrds(client);
});

afterAll(async () => {
  client?.close();
  await cp?.stop();
});

describe('apiserver outage', () => {
  it('reconnects after the apiserver restarts and converges without restarting the manager', async () => {
    const ctrl = runControllers({ client: newClient(cp.admin.kubeconfig), handleSignals: false });
    try {
      await ctrl.started;
      const org = uniqueName('out');
      await createOrg(org);
      await orgReady(org);
      // Work pending before the outage: a project waiting for its pipeline.
      await client.create({
        apiVersion: API,
        kind: 'Project',
        metadata: { name: 'p', namespace: org },
        spec: { deploymentPipelineRef: 'flow' },
      });

      await cp.stopApiserver();
      await cp.startApiserver();
      client.close(); // its keep-alive sockets died with the apiserver
      client = newClient(cp.admin.kubeconfig);

      // Changes made right after the restart reach the manager through its resumed watches.
      const org2 = uniqueName('after');
      await createOrg(org2);
      await client.create({
        apiVersion: API,
        kind: 'DataPlane',
        metadata: { name: 'default', namespace: org },
        spec: {
          registry: { prefix: 'r:5000' },
          gateway: { publicVirtualHost: 'a', organizationVirtualHost: 'b' },
        },
      });
      await client.create({
        apiVersion: API,
        kind: 'DeploymentPipeline',
        metadata: { name: 'flow', namespace: org },
        spec: { promotionPaths: [] },
      });
      await orgReady(org2);
      await until(
        async () =>
          conditionOf(await client.getOrUndefined<KubeObject>(REF.Project, 'p', { namespace: org }))
            ?.reason === 'CellsReady',
        'the project to converge',
        60_000,
      );
      expect(await ctrl.manager.metrics.text()).toMatch(
        /choreoctl_watch_restarts_total\{[^}]*reason="error"/,
      );
    } finally {
      await ctrl.stop();
    }
  });
});

describe('watch history compacted while disconnected', () => {
  it('relists on 410 Gone and sees what changed meanwhile', async () => {
    const { proxy, client: viaProxy } = await clientBehindProxy(cp);
    const ctrl = runControllers({ client: viaProxy, controllers: ['organization'], handleSignals: false });
    try {
      await ctrl.started;
      const before = uniqueName('pre');
      await createOrg(before);
      await orgReady(before);

      proxy.cut();
      // Meanwhile: a new organization, and etcd compacts away the history the watches would resume from.
      const during = uniqueName('gap');
      await createOrg(during);
      await compactEtcd(cp.ports.etcd);
      proxy.resume();

      await orgReady(during);
      expect(await ctrl.manager.metrics.text()).toMatch(/choreoctl_watch_restarts_total\{[^}]*reason="gone"/);
    } finally {
      await ctrl.stop();
      viaProxy.close();
      await proxy.close();
    }
  });
});

describe('leader election', () => {
  it('lets only the leader reconcile, and a standby takes over a killed leader once its lease has expired', async () => {
    const leaseDurationMs = 4000;
    const retryPeriodMs = 500;
    const start = (identity: string): RunningControllers =>
      runControllers({
        client: newClient(cp.admin.kubeconfig),
        controllers: ['organization'],
        handleSignals: false,
        leaderElect: true,
        leaderElection: { identity, leaseDurationMs, renewDeadlineMs: 3000, retryPeriodMs },
      });
    const a = start('a');
    await a.started;
    const b = start('b');
    try {
      const first = uniqueName('lead');
      await createOrg(first);
      await orgReady(first);
      expect(a.manager.isLeader).toBe(true);
      expect(b.manager.isLeader).toBe(false);
      expect(await a.manager.metrics.text()).toMatch(/choreoctl_reconcile_total\{controller="organization"/);
      expect(await b.manager.metrics.text()).not.toMatch(
        /choreoctl_reconcile_total\{controller="organization"/,
      );

      // Kill the leader: it stops renewing but never hands the lease back (as if the process died).
      const elector = (a.manager as unknown as { elector: LeaderElector }).elector;
      const internals = elector as unknown as { stopped: boolean; renewTimer?: NodeJS.Timeout };
      elector.release = async () => {
        internals.stopped = true;
        if (internals.renewTimer) clearTimeout(internals.renewTimer);
      };
      const killedAt = Date.now();
      await a.stop();
      await b.started;
      const tookMs = Date.now() - killedAt;
      expect(b.manager.isLeader).toBe(true);
      // It waited for the lease: the standby cannot take over before the killed leader's last renewal (at most
      // renewDeadline before the kill) has expired. No upper bound: load only delays the takeover, and
      // \`await b.started\` above is the proof that it happens.
      expect(tookMs).toBeGreaterThanOrEqual(leaseDurationMs - 3000);

      const second = uniqueName('took');
      await createOrg(second);
      await orgReady(second);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
