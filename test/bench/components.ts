/**
 * Benchmark (run on demand: `npm run bench:components`): 500 Service components in one environment, from apply
 * (Component + Workload + Service each) to every object present in the data plane (Deployment, Service; the
 * cell baseline isolates them, so no policy of their own) — through the instance,
 * binding and Release controllers — against a control plane this script starts, with the controller manager as
 * its own process. Prints components/s, the manager's API writes and its peak RSS, beside a raw write loop of the
 * same user objects in the same run. Then the manager is restarted over the settled state: a full resync of 500
 * unchanged components, whose write requests it counts (target: zero).
 *
 * Targets (issue): ≥ 50 components/s; zero writes on a resync of unchanged components.
 *
 * BENCH_BASE_BIN=<another checkout>/bin/choreoctl.js (built): the whole measurement also runs with that version's
 * manager, each version on a control plane of its own started in this run (the base first, unless
 * BENCH_BASE_LAST=1), and the figures of both are printed, each against its own raw write loop.
 */
import { createWriteStream } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { dataPlaneNamespaceName } from '../../src/api/naming.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import { install } from '../../src/services/install.js';
import {
  apiserverWrites,
  countArrivals,
  cpuSeconds,
  installAllCrds,
  type ManagerProcess,
  metric,
  pool,
  reconcilesByController,
  startManager,
  warmUp,
  writes,
  writesByResource,
} from './lib.js';

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 500);
const CONCURRENCY = 8;
const ORG = 'default';
const PROJECT = 'default';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const COMPONENTS_R: GVR = {
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource: 'components',
  namespaced: true,
};
const WORKLOADS_R: GVR = {
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource: 'workloads',
  namespaced: true,
};
const SERVICES_R: GVR = {
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource: 'services',
  namespaced: true,
};
const CORE_SERVICES: GVR = { group: '', version: 'v1', resource: 'services', namespaced: true };
const CONFIGMAPS: GVR = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

function userObjects(name: string, namespace: string): KubeObject[] {
  const owner = { projectName: PROJECT, componentName: name };
  return [
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace },
      spec: { owner: { projectName: PROJECT }, type: 'Service' },
    },
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name, namespace },
      spec: {
        owner,
        containers: { main: { image: `registry.bench.local/${name}:1.0.0` } },
        endpoints: { http: { type: 'REST', port: 8080 } },
      },
    },
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { owner, workloadName: name },
    },
  ];
}

/** BENCH_APISERVER_PROF=<file>: a 10 s Go CPU profile of kube-apiserver from the start of the applies. */
function apiserverProfile(server: string, caData: string, token: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      `${server}/debug/pprof/profile?seconds=10`,
      { ca: Buffer.from(caData, 'base64'), headers: { authorization: `Bearer ${token}` } },
      (res) => res.pipe(createWriteStream(file)).on('finish', () => resolve()),
    );
    req.on('error', reject);
  });
}

async function measure(label: string, bin?: string): Promise<string> {
  process.stderr.write(`[${label}] starting a control plane for ${COMPONENTS} Service components\n`);
  const cp = await startControlPlane({
    name: 'choreoctl-bench-comp',
    progress: () => {},
    extraApiserverArgs: process.env.BENCH_APISERVER_PROF ? ['--profiling=true'] : [],
  });
  const client = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  let manager: ManagerProcess | undefined;
  try {
    await installAllCrds(client);
    await install(client, { controller: false, fieldManager: 'bench' });
    const apply = (o: KubeObject) => client.apply(o, { fieldManager: 'bench', force: true });
    const names = Array.from({ length: COMPONENTS }, (_, i) => `svc-${i}`);

    // --- baseline: the same user objects' worth of writes (3 per component) as ConfigMaps -----------------
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'raw-bench' } });
    const rawStart = performance.now();
    await pool(names, CONCURRENCY, async (n) => {
      for (const suffix of ['c', 'w', 's']) {
        await client.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${n}-${suffix}`, namespace: 'raw-bench' },
          data: { image: `registry.bench.local/${n}:1.0.0` },
        });
      }
    });
    const rawSeconds = (performance.now() - rawStart) / 1000;
    await client.deleteCollection(CONFIGMAPS, { namespace: 'raw-bench' });

    // --- the user applies alone, no controller running (then removed): what the apply itself costs ----------
    const [etcdPid, apiPid, kcmPid] = cp.pids();
    const apiCpu0 = cpuSeconds(apiPid ?? 0);
    const applyStart = performance.now();
    await pool(names, CONCURRENCY, async (n) => {
      for (const o of userObjects(n, 'raw-bench')) await apply(o);
    });
    const applyOnlySeconds = (performance.now() - applyStart) / 1000;
    const applyOnlyCpu = cpuSeconds(apiPid ?? 0) - apiCpu0;
    for (const r of [COMPONENTS_R, WORKLOADS_R, SERVICES_R])
      await client.deleteCollection(r, { namespace: 'raw-bench' });

    await warmUp(client);
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY, bin);
    await manager.settled(1500);
    const before = await manager.metrics();
    const cell = dataPlaneNamespaceName(ORG, PROJECT, 'development');

    const serverBefore = await apiserverWrites(client);
    // CPU by process over the measured interval: who is the bottleneck on this machine.
    const procs = {
      apiserver: apiPid,
      etcd: etcdPid,
      'controller-manager': kcmPid,
      manager: manager.pid,
      bench: process.pid,
    };
    const cpuBefore = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid ?? 0)]));
    // Every object of every Release (Deployment and Service: a component with no gateway port, no connection to
    // another cell and no external service has no policy beside its cell's baseline, render/network.ts),
    // counted from watches: listing 500 Deployments every 200 ms cost the apiserver more CPU than a tenth of
    // the components did.
    const arrived = Promise.all(
      [DEPLOYMENTS, CORE_SERVICES].map((r) => countArrivals(client, r, cell, COMPONENTS, 900_000)),
    );
    const start = performance.now();
    const profiling = process.env.BENCH_APISERVER_PROF
      ? apiserverProfile(cp.server, cp.caData, cp.admin.token, process.env.BENCH_APISERVER_PROF)
      : undefined;
    await pool(names, CONCURRENCY, async (n) => {
      for (const o of userObjects(n, ORG)) await apply(o);
    });
    const applied = (performance.now() - start) / 1000;
    await arrived;
    const seconds = (performance.now() - start) / 1000;
    const cpu = Object.entries(procs)
      .map(([k, pid]) => `${k} ${(cpuSeconds(pid ?? 0) - (cpuBefore[k] ?? 0)).toFixed(1)}`)
      .join(', ');
    await profiling;
    const after = await manager.metrics();
    const managerWrites = writes(after) - writes(before);
    const reconciles =
      metric(after, 'choreoctl_reconcile_total') - metric(before, 'choreoctl_reconcile_total');
    const peak = manager.peakRssMb();
    const byController = reconcilesByController(after, before, COMPONENTS);
    const serverAfter = await apiserverWrites(client);
    const perResource = writesByResource(serverAfter, serverBefore, COMPONENTS);

    const reasons = new Map<string, number>();
    for (const e of (await client.listAll(KUBE_REF.Event, { namespace: ORG })).items) {
      const key = `${(e as { involvedObject?: { kind?: string } }).involvedObject?.kind}/${(e as { reason?: string }).reason}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    const eventReasons = [...reasons]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / COMPONENTS).toFixed(1)}`)
      .join(', ');

    // --- resync: a fresh manager over the settled state must not write ------------------------------------
    // Deployment statuses keep changing for a while (kube-controller-manager), and the Release engine records
    // health: let that settle first, then restart.
    await manager.settled(5000, 600_000);
    await manager.stop();
    const resyncServerBefore = await apiserverWrites(client);
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY, bin);
    const resyncStart = performance.now();
    await manager.settled(5000, 600_000);
    const resync = await manager.metrics();
    const resyncServer = [...(await apiserverWrites(client))]
      .map(([k, v]) => [k, v - (resyncServerBefore.get(k) ?? 0)] as const)
      .filter(([k, v]) => v > 0 && !k.startsWith('leases'))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const resyncSeconds = (performance.now() - resyncStart) / 1000 - 5;
    const resyncWrites = writes(resync);
    const byVerb = ['create', 'apply', 'patch', 'update', 'delete']
      .map((v) => `${v} ${metric(resync, 'choreoctl_kube_requests_total', `verb="${v}"`)}`)
      .join(', ');
    const resyncReconciles = metric(resync, 'choreoctl_reconcile_total');

    const f = (n: number, d = 1) => n.toFixed(d);
    const lines = [
      `components: ${COMPONENTS} Services (Component + Workload + Service each) in one environment`,
      `raw write loop:    ${f(rawSeconds)} s for ${COMPONENTS * 3} user-object creates (${f((COMPONENTS * 3) / rawSeconds)} writes/s)`,
      `user applies alone (no controllers): ${f(applyOnlySeconds)} s, apiserver CPU ${f(applyOnlyCpu)} s`,
      `user applies:      ${f(applied)} s`,
      `to the data plane: ${f(seconds)} s → ${f(COMPONENTS / seconds)} components/s (target ≥ 50), ${f(seconds / rawSeconds, 2)}× the raw loop`,
      `manager:           ${reconciles} reconciles, ${managerWrites} API writes (${f(managerWrites / COMPONENTS)} per component), peak RSS ${f(peak)} MB`,
      `CPU seconds during that interval: ${cpu}`,
      `events per component, by object kind and reason: ${eventReasons}`,
      `reconciles per component, by controller: ${byController}`,
      `writes per component, by resource (apiserver, user applies included): ${perResource}`,
      `resync (restart):  ${resyncReconciles} reconciles in ~${f(resyncSeconds)} s, ${resyncWrites} write requests (target 0): ${byVerb}; all writes the apiserver served meanwhile: ${resyncServer || 'none'}`,
    ];
    return lines.map((l) => `[${label}] ${l}`).join('\n');
  } finally {
    await manager?.stop();
    client.close();
    await cp.stop();
  }
}

const base = process.env.BENCH_BASE_BIN;
const runs: [string, string | undefined][] = [['this', undefined]];
if (base) runs[process.env.BENCH_BASE_LAST ? 'push' : 'unshift'](['base', base]);
for (const [label, bin] of runs) process.stdout.write(`${await measure(label, bin)}\n`);
