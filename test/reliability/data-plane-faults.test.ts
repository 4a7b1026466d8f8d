/**
 * Faults under load (issue 17, item 1) with the data plane in a second apiserver: a rollout of
 * RELIABILITY_COMPONENTS Service components (default 50; the issue asks for 200, too much for a shared 2-core
 * machine) through an in-process manager on the harness control plane, then
 * - the data-plane apiserver stopped mid-rollout for RELIABILITY_OUTAGE_S seconds (default 60: the issue's
 *   "unreachable for a minute") and started again: the DataPlane says so meanwhile, nothing is deleted from
 *   the control plane, a Component deleted meanwhile is gone from both clusters afterwards, and every other one
 *   arrives exactly once;
 * - the data plane's credentials rotated to a token without rights, then revoked: Forbidden / Unauthorized in
 *   status, no crash loop (one plane client, rebuilt in place), and the work waiting meanwhile lands on restore.
 * - the CLI (`apply`: always server-side apply, field manager choreoctl; it has no --server-side flag) and the
 *   service controller writing the same
 *   ServiceBinding: a conflicting value is reported (exit 1, the manager named) and not written; a field of
 *   the CLI's own survives the controller's next rewrite.
 * Each prints `[reliability] <fault>: converged in N s` (the README's table is filled from these lines).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { DataPlaneLabels } from '../../src/api/labels.js';
import { REF } from '../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../src/local/controlplane.js';
import {
  conditionOf,
  installCrds,
  installExternalCrds,
  newClient,
  uniqueName,
  until,
} from '../integration/helpers.js';
import { cliRunner } from './cli.js';
import {
  API,
  bindingOwners,
  component,
  dataPlaneReady,
  deploymentNames,
  remoteOrganization,
  report,
} from './rollout.js';

const N = Number(process.env.RELIABILITY_COMPONENTS ?? 50);
const OUTAGE_MS = Number(process.env.RELIABILITY_OUTAGE_S ?? 60) * 1000;
const b64 = (s: string) => Buffer.from(s).toString('base64');

let client: KubeClient;
let remote: KubeClient;
let cp2: ControlPlane;
let ctrl: RunningControllers;
const org = uniqueName('rel');
let cell: string;

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  [cp2] = await Promise.all([startControlPlane({ name: 'choreoctl-rel-dp' }), installCrds(client)]);
  remote = newClient(cp2.admin.kubeconfig);
  // What a DataPlane needs (no Argo: that is the build plane's).
  await installExternalCrds(remote, (crd) => (crd.spec as { group?: string }).group !== 'argoproj.io');
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  cell = await remoteOrganization(client, org, cp2);
  await dataPlaneReady(client, org, 'True', 120_000);
}, 600_000);

afterAll(async () => {
  if (client) {
    await client.delete(REF.Organization, org).catch(() => {});
    await until(
      async () => !(await client.getOrUndefined(REF.Organization, org)),
      'the org to be gone',
      120_000,
    ).catch(() => {});
  }
  await ctrl?.stop();
  client?.close();
  remote?.close();
  await cp2?.stop();
});

describe('the data-plane apiserver goes away mid-rollout', () => {
  it(`converges after a ${OUTAGE_MS / 1000} s outage: nothing lost, duplicated or orphaned; a deletion meanwhile completes`, async () => {
    const names = Array.from({ length: N }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    for (const n of names) for (const o of component(org, n)) await client.create(o);
    // Mid-rollout: some Deployments have landed, not all.
    const landed = await until(
      async () => {
        const d = await deploymentNames(remote, cell);
        return d.length >= Math.min(5, N) ? d : undefined;
      },
      'the first Deployments in the data plane',
      120_000,
    );
    await cp2.stopApiserver();
    const stoppedAt = Date.now();
    try {
      const c = await dataPlaneReady(client, org, 'False', 60_000);
      expect(c.message.length).toBeGreaterThan(0);
      process.stderr.write(`[reliability] DataPlane during outage: ${c.reason}: ${c.message}\n`);
      // A deletion requested meanwhile, of a component already in the data plane.
      const victim = landed[0] as string;
      await client.delete(REF.Component, victim, { namespace: org });
      // Nothing else is deleted from the control plane meanwhile.
      const comps = await client.list<KubeObject>(REF.Component, { namespace: org });
      expect(comps.items.filter((o) => !o.metadata?.deletionTimestamp).length).toBe(N - 1);
      // The outage lasts its set time: there is no event to wait for (that is the fault being injected).
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
      const stillThere = await client.list<KubeObject>(REF.Component, { namespace: org });
      expect(stillThere.items.length).toBeGreaterThanOrEqual(N - 1);
    } finally {
      await cp2.startApiserver();
    }
    remote.close(); // its keep-alive sockets died with the apiserver
    remote = newClient(cp2.admin.kubeconfig);
    const restartedAt = Date.now();
    const victim = landed[0] as string;
    const expected = names.filter((n) => n !== victim);
    await until(
      async () => JSON.stringify(await deploymentNames(remote, cell)) === JSON.stringify(expected),
      `exactly the ${N - 1} remaining Deployments in the data plane`,
      300_000,
    );
    await until(
      async () => !(await client.getOrUndefined(REF.Component, victim, { namespace: org })),
      'the deleted component to be gone from the control plane',
      120_000,
    );
    await dataPlaneReady(client, org, 'True');
    const ms = Date.now() - restartedAt;
    // Nothing lost or duplicated in either cluster: one binding per component, one Deployment per binding.
    expect(await bindingOwners(client, org)).toEqual(expected);
    expect(await deploymentNames(remote, cell)).toEqual(expected);
    report(
      `data-plane apiserver down ${OUTAGE_MS / 1000} s mid-rollout of ${N}`,
      ms,
      ` (${landed.length} landed before)`,
    );
  });
});

describe("the data plane's credentials are rotated, then revoked", () => {
  it('shows Forbidden then Unauthorized, does not crash-loop, and delivers the waiting work on restore', async () => {
    const planes = ctrl.planes.size;
    const restarts = (await ctrl.manager.metrics.text()).length; // the manager is alive and serving metrics
    expect(restarts).toBeGreaterThan(0);
    await client.patch(
      KUBE_REF.Secret,
      'dp-creds',
      { data: { token: b64(cp2.restricted.token) } },
      { namespace: org },
    );
    const forbidden = await dataPlaneReady(client, org, 'False');
    expect(forbidden.reason).toBe('Forbidden');
    // Work arriving while the plane refuses us waits.
    for (const o of component(org, 'late')) await client.create(o);
    await client.patch(KUBE_REF.Secret, 'dp-creds', { data: { token: b64('revoked') } }, { namespace: org });
    await until(async () => {
      const c = conditionOf(
        await client.getOrUndefined<KubeObject>(REF.DataPlane, 'default', { namespace: org }),
      );
      return c?.reason === 'Unauthorized';
    }, 'DataPlane Unauthorized');
    expect(await remote.getOrUndefined(KUBE_REF.Deployment, 'late', { namespace: cell })).toBeUndefined();
    await client.patch(
      KUBE_REF.Secret,
      'dp-creds',
      { data: { token: b64(cp2.admin.token) } },
      { namespace: org },
    );
    const restoredAt = Date.now();
    await dataPlaneReady(client, org, 'True');
    await until(
      async () => (await deploymentNames(remote, cell)).includes('late'),
      'the waiting component in the data plane',
      120_000,
    ).catch(async (e: Error) => {
      // Say where it stuck: the binding's and the release's conditions.
      const mine = async (ref: GVR) =>
        (await client.list<KubeObject>(ref, { namespace: org })).items
          .filter((o) => o.metadata?.name?.startsWith('late'))
          .map((o) => o.status);
      throw new Error(
        `${e.message}; binding: ${JSON.stringify(await mine(REF.ServiceBinding))}; release: ${JSON.stringify(await mine(REF.Release))}`,
      );
    });
    report('data-plane token rotated then revoked', Date.now() - restoredAt);
    expect(ctrl.planes.size).toBe(planes);
  });
});

describe('the CLI and a controller edit the same object', () => {
  it('server-side apply keeps both sides fields, and a conflict is reported, not overwritten', async () => {
    const { dir, run: cli } = await cliRunner(inject('kubeconfig'), 'choreoctl-reliab-ssa-');
    const target = 'svc-001';
    const find = async () =>
      (await client.list<KubeObject>(REF.ServiceBinding, { namespace: org })).items.find(
        (b) => (b.spec as { owner: { componentName: string } }).owner.componentName === target,
      );
    const live = await until(find, `the binding of ${target}`);
    const imageOf = (b: KubeObject | undefined) =>
      (b?.spec as { workloadSpec?: { containers?: { main?: { image?: string } } } } | undefined)?.workloadSpec
        ?.containers?.main?.image;
    const mine = (spec: unknown, labels: Record<string, string> = {}) => ({
      apiVersion: API,
      kind: 'ServiceBinding',
      metadata: {
        name: live.metadata?.name,
        namespace: org,
        labels: { ...live.metadata?.labels, ...labels },
      },
      spec,
    });
    const spec = structuredClone(live.spec) as { workloadSpec: { containers: { main: { image: string } } } };

    // 1. The CLI sets a field the controller owns to another value: a conflict naming the manager, nothing written.
    spec.workloadSpec.containers.main.image = 'registry.reliability.local/hijack:6.6.6';
    const f1 = join(dir, 'conflict.yaml');
    await writeFile(f1, stringify(mine(spec)));
    const c = await cli(['apply', '-f', f1]);
    expect(c.exitCode, c.stdout).toBe(1);
    expect(c.stderr).toMatch(/conflict/i);
    expect(c.stderr).toContain('service-controller');
    expect(imageOf(await find())).toBe(`registry.reliability.local/${target}:1.0.0`);

    // 2. The CLI adds a field of its own (same values elsewhere): accepted, and it sticks when the controller
    //    rewrites the binding after a Workload change.
    const f2 = join(dir, 'label.yaml');
    await writeFile(f2, stringify(mine(live.spec, { 'team.example.com/owner': 'payments' })));
    const ok = await cli(['apply', '-f', f2]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    await client.patch(
      { ...REF.Component, resource: 'workloads' },
      target,
      { spec: { containers: { main: { image: `registry.reliability.local/${target}:2.0.0` } } } },
      { namespace: org },
    );
    const after = await until(async () => {
      const b = await find();
      return imageOf(b) === `registry.reliability.local/${target}:2.0.0` ? b : undefined;
    }, 'the controller to roll the new image into the binding');
    expect(after.metadata?.labels?.['team.example.com/owner']).toBe('payments');
    const managers = ((after.metadata?.managedFields ?? []) as { manager?: string }[]).map((m) => m.manager);
    expect(managers).toEqual(expect.arrayContaining(['choreoctl', 'service-controller']));
    // And the data plane got the controller's change.
    await until(
      async () => {
        const d = await remote.list<KubeObject>(KUBE_REF.Deployment, {
          namespace: cell,
          labelSelector: `${DataPlaneLabels.component}=${target}`,
        });
        return JSON.stringify(d.items).includes(`${target}:2.0.0`);
      },
      'the new image in the data plane',
      120_000,
    );
  });
});
