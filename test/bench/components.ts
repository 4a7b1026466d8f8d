/**
 * Benchmark (run on demand: `npm run bench:components`): 500 Service components in one environment, from apply
 * (Component + Workload + Service each) to every Deployment present in the data plane — through the instance,
 * binding and Release controllers — against a control plane this script starts, with the controller manager as
 * its own process. Prints components/s, the manager's API writes and its peak RSS, beside a raw write loop of the
 * same user objects in the same run. Then the manager is restarted over the settled state: a full resync of 500
 * unchanged components, whose write requests it counts (target: zero).
 *
 * Targets (issue): ≥ 50 components/s; zero writes on a resync of unchanged components.
 */
import { dataPlaneNamespaceName } from '../../src/api/naming.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import { install } from '../../src/services/install.js';
import { installAllCrds, type ManagerProcess, metric, pool, startManager, until, writes } from './lib.js';

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 500);
const CONCURRENCY = 8;
const ORG = 'default';
const PROJECT = 'default';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
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

/** Write requests the apiserver served, by resource (its own apiserver_request_total), for finding who writes. */
async function apiserverWrites(client: KubeClient): Promise<Map<string, number>> {
  const text = await client.request<string>('GET', '/metrics', { accept: 'text/plain' });
  const out = new Map<string, number>();
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="(\w+)"/.exec(line)?.[1] ?? '';
    if (!['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'CREATE', 'UPDATE'].includes(verb)) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const sub = /subresource="([^"]*)"/.exec(line)?.[1];
    const key = `${resource}${sub ? `/${sub}` : ''} ${verb.toLowerCase()}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return out;
}

async function main(): Promise<void> {
  process.stderr.write(`starting a control plane for ${COMPONENTS} Service components\n`);
  const cp = await startControlPlane({ name: 'choreoctl-bench-comp', progress: () => {} });
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

    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY);
    await manager.settled(1500);
    const before = await manager.metrics();
    const cell = dataPlaneNamespaceName(ORG, PROJECT, 'development');

    const serverBefore = await apiserverWrites(client);
    const start = performance.now();
    await pool(names, CONCURRENCY, async (n) => {
      for (const o of userObjects(n, ORG)) await apply(o);
    });
    const applied = (performance.now() - start) / 1000;
    await until(
      async () => (await client.listAll(DEPLOYMENTS, { namespace: cell })).items.length >= COMPONENTS,
      `${COMPONENTS} Deployments in ${cell}`,
      900_000,
    );
    const seconds = (performance.now() - start) / 1000;
    const after = await manager.metrics();
    const managerWrites = writes(after) - writes(before);
    const reconciles =
      metric(after, 'choreoctl_reconcile_total') - metric(before, 'choreoctl_reconcile_total');
    const peak = manager.peakRssMb();
    const serverAfter = await apiserverWrites(client);
    const perResource = [...serverAfter]
      .map(([k, v]) => [k, v - (serverBefore.get(k) ?? 0)] as const)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / COMPONENTS).toFixed(1)}`)
      .join(', ');

    // --- resync: a fresh manager over the settled state must not write ------------------------------------
    // Deployment statuses keep changing for a while (kube-controller-manager), and the Release engine records
    // health: let that settle first, then restart.
    await manager.settled(5000, 600_000);
    await manager.stop();
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY);
    const resyncStart = performance.now();
    await manager.settled(5000, 600_000);
    const resync = await manager.metrics();
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
      `user applies:      ${f(applied)} s`,
      `to the data plane: ${f(seconds)} s → ${f(COMPONENTS / seconds)} components/s (target ≥ 50), ${f(seconds / rawSeconds, 2)}× the raw loop`,
      `manager:           ${reconciles} reconciles, ${managerWrites} API writes (${f(managerWrites / COMPONENTS)} per component), peak RSS ${f(peak)} MB`,
      `writes per component, by resource (apiserver, user applies included): ${perResource}`,
      `resync (restart):  ${resyncReconciles} reconciles in ~${f(resyncSeconds)} s, ${resyncWrites} write requests (target 0): ${byVerb}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await manager?.stop();
    client.close();
    await cp.stop();
  }
}

await main();
