/**
 * install / uninstall against real apiservers. The shared apiserver gets an install for a unique organization
 * (without the controller, whose cluster-wide objects belong to the dedicated control plane below) and is never
 * uninstalled: other test files use its CRDs. The full install, `kubectl apply -f examples/ -R` and uninstall run
 * on a control plane of their own.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_VERSION, allCrds, KINDS } from '../../../src/api/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { CRDS } from '../../../src/kube/crds.js';
import { UnknownResourceError } from '../../../src/kube/errors.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import {
  CONTROLLER_NAME,
  INSTALL_SELECTOR,
  install,
  planInstall,
  SYSTEM_NAMESPACE,
  UninstallRefusedError,
  uninstall,
} from '../../../src/services/install.js';
import { clientFor, kubectl, NAMESPACES, suffix, until } from './helpers.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');
const figures: string[] = [];
const ORGS = { apiVersion: API_VERSION, kind: 'Organization' } as const;
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };

afterAll(() => {
  process.stderr.write(`[install] ${figures.join('; ')}\n`);
});

describe('install on the shared apiserver (organization of its own, no controller)', () => {
  const org = `install-${suffix()}`;
  const opts = { organization: org, controller: false, fieldManager: 'choreoctl-install-test' } as const;
  let client: KubeClient;

  beforeAll(() => {
    client = clientFor(inject('kubeconfig'));
  });
  afterAll(async () => {
    await client.delete(NAMESPACES, org).catch(() => undefined);
    await client.delete(ORGS, org).catch(() => undefined);
    client.close();
  });

  it('dry runs report what would be created and create nothing', async () => {
    const planned = planInstall(opts).filter((o) => o.kind !== 'CustomResourceDefinition');
    for (const dryRun of ['client', 'server'] as const) {
      const res = await install(client, { ...opts, dryRun });
      expect(res.dryRun).toBe(dryRun);
      const mine = res.objects.filter((o) => o.kind !== 'CustomResourceDefinition');
      expect(mine.map((o) => `${o.kind}/${o.name}`)).toEqual(
        planned.map((o) => `${o.kind}/${o.metadata?.name}`),
      );
      expect(mine.every((o) => o.action === 'created')).toBe(true);
    }
    expect(await client.getOrUndefined(NAMESPACES, org)).toBeUndefined();
    // (the CRDs may not even be installed yet when this file runs first)
    const orgObj = await client.getOrUndefined(ORGS, org).catch((e: unknown) => {
      if (e instanceof UnknownResourceError) return undefined;
      throw e;
    });
    expect(orgObj).toBeUndefined();
  });

  it('installs, and a second run reports every object unchanged', async () => {
    const first = await install(client, opts);
    figures.push(`install (${first.objects.length} objects, CRDs present) ${first.totalMs} ms`);
    const mine = first.objects.filter((o) => o.kind !== 'CustomResourceDefinition');
    expect(mine.every((o) => o.action === 'created')).toBe(true);
    const envs = await client.list({ apiVersion: API_VERSION, kind: 'Environment' }, { namespace: org });
    expect(envs.items.map((e) => e.metadata?.name).sort()).toEqual(['development', 'production', 'staging']);
    const second = await install(client, opts);
    expect(second.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    expect(second.objects.length).toBe(first.objects.length);
    // a server-side dry run on an installed platform reports unchanged too
    const dry = await install(client, { ...opts, dryRun: 'server' });
    expect(dry.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
  });

  it('a changed default is reported configured, and the next run puts it back', async () => {
    await client.patch(
      { apiVersion: API_VERSION, kind: 'APIClass' },
      'default-with-rate-limit',
      {
        spec: { restPolicy: { defaults: { rateLimit: { requests: 99 } } } },
      },
      { namespace: org },
    );
    const res = await install(client, opts);
    const changed = res.objects.filter((o) => o.action !== 'unchanged');
    expect(changed.map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      'APIClass/default-with-rate-limit:configured',
    ]);
    const back = await client.get<KubeObject>(
      { apiVersion: API_VERSION, kind: 'APIClass' },
      'default-with-rate-limit',
      {
        namespace: org,
      },
    );
    expect(JSON.stringify(back.spec)).toContain('"requests":10');
  });
});

describe('install, examples and uninstall on a dedicated control plane', () => {
  let cp: ControlPlane;
  let client: KubeClient;

  beforeAll(async () => {
    const t0 = Date.now();
    cp = await startControlPlane({ name: 'choreoctl-install-test', controllerManager: true });
    figures.push(`dedicated control plane up in ${Date.now() - t0} ms`);
    client = clientFor(cp.admin.kubeconfig);
  });
  afterAll(async () => {
    client?.close();
    await cp?.stop();
  });

  it('installs everything; the second run reports everything unchanged', async () => {
    const first = await install(client);
    figures.push(
      `first full install: ${first.objects.length} objects in ${first.totalMs} ms (CRDs ${first.crdMs} ms)`,
    );
    expect(first.objects.every((o) => o.action === 'created')).toBe(true);
    // the Deployment's status is written by kube-controller-manager: wait until it settles
    let lastRv = '';
    await until(
      'the controller Deployment status to settle',
      async () => {
        const d = await client.get(DEPLOYMENTS, CONTROLLER_NAME, { namespace: SYSTEM_NAMESPACE });
        const st = d.status as { observedGeneration?: number } | undefined;
        const rv = String(d.metadata?.resourceVersion);
        const settled = st?.observedGeneration === d.metadata?.generation && rv === lastRv;
        lastRv = rv;
        if (!settled) await new Promise((r) => setTimeout(r, 500));
        return settled ? true : undefined;
      },
      30_000,
    );
    const t1 = Date.now();
    const second = await install(client);
    figures.push(`second install (no-op) ${Date.now() - t1} ms`);
    expect(second.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    const sa = await client.get({ apiVersion: 'v1', kind: 'ServiceAccount' }, CONTROLLER_NAME, {
      namespace: SYSTEM_NAMESPACE,
    });
    expect(sa.metadata?.name).toBe(CONTROLLER_NAME);
  });

  it('the controller ServiceAccount may do what the controllers need and no more', async () => {
    const sa = `system:serviceaccount:${SYSTEM_NAMESPACE}:${CONTROLLER_NAME}`;
    // `kubectl auth can-i` prints yes or no (exiting 1 for no)
    const can = async (args: string[]) =>
      (
        await execa('kubectl', ['--kubeconfig', cp.admin.kubeconfig, 'auth', 'can-i', ...args, '--as', sa], {
          reject: false,
        })
      ).stdout.trim();
    expect(await can(['update', 'components.openchoreo.dev/status', '-n', 'default'])).toBe('yes');
    expect(await can(['create', 'namespaces'])).toBe('yes');
    expect(await can(['get', 'secrets', '-n', 'default'])).toBe('yes');
    expect(await can(['create', 'leases.coordination.k8s.io', '-n', SYSTEM_NAMESPACE])).toBe('yes');
    expect(await can(['create', 'events', '-n', 'default'])).toBe('yes');
    // This cluster is the default data plane, and a Release may carry Secrets: the planes role writes them.
    expect(await can(['create', 'secrets', '-n', 'default'])).toBe('yes');
    expect(await can(['create', 'pods', '-n', 'default'])).toBe('no');
    expect(await can(['delete', 'nodes'])).toBe('no');
    expect(await can(['create', 'leases.coordination.k8s.io', '-n', 'default'])).toBe('no');
    expect(await can(['create', 'clusterroles'])).toBe('no');
  });

  it('kubectl apply -f examples/ -R applies cleanly', async () => {
    const out = await kubectl(cp.admin.kubeconfig, ['apply', '-f', examples, '-R']);
    expect(out).toMatch(/organization\.openchoreo\.dev\/acme created/);
    expect(out).toMatch(/component\.openchoreo\.dev\/web-shop created/);
    expect(out).toMatch(/deployment\.openchoreo\.dev\/stock-dev created/);
    const comps = await client.list({ apiVersion: API_VERSION, kind: 'Component' }, { namespace: 'acme' });
    expect(comps.items.length).toBe(6);
  });

  it('uninstall refuses while user resources exist, naming them', async () => {
    const err = await uninstall(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UninstallRefusedError);
    const msg = (err as Error).message;
    expect(msg).toContain('6 components, 4 workloads, 3 environments, 3 services, 2 projects');
    expect(msg).toContain('in organization acme');
    expect(msg).toContain('in organization default');
    expect(msg).toContain('1 organization (acme) still exists');
    expect(msg).toMatch(/delete them or pass --force$/);
    // nothing was deleted
    expect(await client.getOrUndefined(CRDS, allCrds()[0]?.metadata.name ?? '')).toBeDefined();
  });

  it('uninstall --force removes the defaults, the controller and every CRD', async () => {
    // a finalizer nobody will handle: force must still get the CRD deleted
    await client.patch(
      { apiVersion: API_VERSION, kind: 'Project' },
      'storefront',
      {
        metadata: { finalizers: ['openchoreo.dev/project-cleanup'] },
      },
      { namespace: 'acme' },
    );
    const t0 = Date.now();
    const res = await uninstall(client, { force: true, finalizerGraceMs: 1000 });
    figures.push(`uninstall --force ${Date.now() - t0} ms`);
    expect(res.deleted.filter((d) => d.kind === 'CustomResourceDefinition').length).toBe(KINDS.length);
    for (const c of allCrds())
      expect(await client.getOrUndefined(CRDS, c.metadata.name), c.metadata.name).toBeUndefined();
    expect(
      await client.getOrUndefined(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
        CONTROLLER_NAME,
      ),
    ).toBeUndefined();
    expect(
      await client.getOrUndefined(DEPLOYMENTS, CONTROLLER_NAME, { namespace: SYSTEM_NAMESPACE }),
    ).toBeUndefined();
    const left = await client.list(NAMESPACES, { labelSelector: INSTALL_SELECTOR });
    expect(left.items.every((n) => n.metadata?.deletionTimestamp !== undefined)).toBe(true);
    // the `default` namespace is never touched
    expect((await client.get(NAMESPACES, 'default')).metadata?.deletionTimestamp).toBeUndefined();
    // a second uninstall finds nothing to do
    const again = await uninstall(client);
    expect(again.deleted).toEqual([]);
  });
});
