/**
 * Benchmark (run on demand: `npm run bench:controllers`): 200 projects × 3 environments, from apply to every
 * project Ready (its three cell namespaces created), against a control plane this script starts.
 *
 * Printed beside a raw write loop against the same apiserver in the same run — the same objects the controllers
 * end up writing (600 labelled namespaces, each with its cell-baseline CiliumNetworkPolicy, and 200 projects'
 * worth of writes), created by a plain loop at the
 * same concurrency (8 requests in flight; the manager runs with --concurrency 8) — because absolute seconds mean
 * little on a shared 2-core machine. Also printed: reconciles/s, API writes/s and the controller manager's peak
 * RSS (it runs as its own `choreoctl controller run` process).
 *
 * Targets (issue): within 2× of the raw write loop; peak RSS under 150 MB.
 *
 * Before each phase the script waits until kube-controller-manager has furnished every namespace so far (its
 * ConfigMap and ServiceAccount per namespace), so no phase pays for the namespaces of the one before it.
 *
 * BENCH_BASE_BIN=<another checkout>/bin/choreoctl.js (built): the same measurement with that version's manager
 * first, in an organization of its own, then this checkout's — before and after side by side in one run, against
 * the same apiserver and the same raw loop. The second phase runs with the first one's objects in place (and its
 * manager caches them): BENCH_BASE_LAST=1 runs the base version second.
 */
import { cellBaseline } from '../../src/controllers/project/baseline.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import {
  apiserverWrites,
  CHOREOCTL_BIN,
  installAllCrds,
  type ManagerProcess,
  metric,
  pool,
  reconcilesByController,
  startManager,
  until,
  WRITE_VERBS,
  writes,
  writesByResource,
} from './lib.js';

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 200);
const CONCURRENCY = 8;
const ORG = 'bench';
const ENVS = ['development', 'staging', 'production'];

const gvr = (resource: string): GVR => ({
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource,
  namespaced: true,
});
const NAMESPACES: GVR = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CILIUM: GVR = {
  group: 'cilium.io',
  version: 'v2',
  resource: 'ciliumnetworkpolicies',
  namespaced: true,
};
const CONFIGMAPS: GVR = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

const SERVICEACCOUNTS: GVR = { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true };

/**
 * kube-controller-manager has given every namespace its `kube-root-ca.crt` ConfigMap and `default`
 * ServiceAccount. It does so after the namespace is created, on its own time: without this wait, the writes
 * caused by the raw loop's (or an earlier phase's) 600 namespaces land inside the next phase's measurement.
 */
async function namespacesFurnished(client: KubeClient): Promise<void> {
  await until(
    async () => {
      const [ns, cms, sas] = await Promise.all([
        client.listAll(NAMESPACES),
        client.listAll(CONFIGMAPS, { fieldSelector: 'metadata.name=kube-root-ca.crt' }),
        client.listAll(SERVICEACCOUNTS, { fieldSelector: 'metadata.name=default' }),
      ]);
      return cms.items.length >= ns.items.length && sas.items.length >= ns.items.length;
    },
    'kube-controller-manager to furnish every namespace',
    300_000,
  );
}

function ready(o: KubeObject): boolean {
  const conds = (o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function main(): Promise<void> {
  process.stderr.write(`starting a control plane for ${PROJECTS} projects × ${ENVS.length} environments\n`);
  const cp = await startControlPlane({ name: 'choreoctl-bench', progress: () => {} });
  const client = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  let manager: ManagerProcess | undefined;
  try {
    // Argo's workflow CRDs (the build plane's) are the largest and play no part in cells.
    await installAllCrds(client, ['argoproj.io']);

    // --- baseline: a raw write loop of the same objects, same concurrency ----------------------------------
    client.resetStats();
    const rawStart = performance.now();
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'raw-bench' } });
    const items = Array.from({ length: PROJECTS }, (_, i) => i);
    await pool(items, CONCURRENCY, async (i) => {
      // A project's worth: the project object and its status, and its three cells.
      await client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `p${i}`, namespace: 'raw-bench' },
        data: { pipeline: 'default' },
      });
      await client.patch(CONFIGMAPS, `p${i}`, { data: { ready: 'True' } }, { namespace: 'raw-bench' });
      for (const env of ENVS) {
        await client.create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: `raw-${i}-${env}`,
            labels: { 'openchoreo.dev/project': `p${i}`, 'openchoreo.dev/environment': env },
          },
        });
        await client.create(
          cellBaseline(`raw-${i}-${env}`, {
            'openchoreo.dev/project': `p${i}`,
            'openchoreo.dev/environment': env,
          }),
        );
      }
    });
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const rawWrites = WRITE_VERBS.reduce((n, v) => n + (client.stats.byVerb[v] ?? 0), 0);

    // --- the controllers as their own process, then the platform they reconcile ----------------------------
    const f = (n: number, d = 1) => n.toFixed(d);
    const lines = [
      `raw write loop:   ${f(rawSeconds)} s, ${rawWrites} writes, ${f(rawWrites / rawSeconds)} writes/s`,
    ];
    const phases: [string, string, string][] = [['this', CHOREOCTL_BIN, ORG]];
    const base = process.env.BENCH_BASE_BIN;
    // The base version first, unless BENCH_BASE_LAST=1 (the second phase runs with the first one's objects).
    if (base) phases[process.env.BENCH_BASE_LAST ? 'push' : 'unshift'](['base', base, `${ORG}-base`]);
    for (const [label, bin, org] of phases) {
      manager = await startManager(cp.admin.kubeconfig, CONCURRENCY, bin);
      const m = manager;
      const apply = (o: KubeObject) => client.apply(o, { fieldManager: 'bench', force: true });
      await apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Organization',
        metadata: { name: org },
        spec: {},
      });
      await until(
        async () => (await client.getOrUndefined(NAMESPACES, org)) !== undefined,
        'the org namespace',
        60_000,
      );
      await apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'DataPlane',
        metadata: { name: 'default', namespace: org },
        spec: {
          registry: { prefix: 'registry.bench.local:5000' },
          gateway: { publicVirtualHost: 'apps.bench.local', organizationVirtualHost: 'apps.bench.internal' },
        },
      });
      for (const env of ENVS) {
        await apply({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Environment',
          metadata: { name: env, namespace: org },
          spec: { dataPlaneRef: 'default', isProduction: env === 'production' },
        });
      }
      await apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'DeploymentPipeline',
        metadata: { name: 'default', namespace: org },
        spec: {
          promotionPaths: [
            { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }] },
            {
              sourceEnvironmentRef: 'staging',
              targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
            },
          ],
        },
      });
      // Wait for the platform objects to settle, so the measurement covers the projects only.
      await until(
        async () => (await client.list(gvr('environments'), { namespace: org })).items.every(ready),
        'environments Ready',
        60_000,
      );
      await m.settled(1000);
      await namespacesFurnished(client);
      const before = await m.metrics();
      const serverBefore = await apiserverWrites(client);

      const start = performance.now();
      await pool(items, CONCURRENCY, (i) =>
        apply({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Project',
          metadata: { name: `p${i}`, namespace: org },
          spec: { deploymentPipelineRef: 'default' },
        }),
      );
      await until(
        async () => {
          const { items: projects } = await client.listAll(gvr('projects'), { namespace: org });
          return projects.length === PROJECTS && projects.every(ready);
        },
        'every project Ready',
        600_000,
      );
      const seconds = (performance.now() - start) / 1000;
      const after = await m.metrics();
      const reconciles =
        metric(after, 'choreoctl_reconcile_total') - metric(before, 'choreoctl_reconcile_total');
      const managerWrites = writes(after) - writes(before);
      // Every writer's requests (the bench's project applies and kube-controller-manager's included), per project.
      const perResource = writesByResource(await apiserverWrites(client), serverBefore, PROJECTS);
      const byController = reconcilesByController(after, before, PROJECTS);
      const selector = `openchoreo.dev/organization=${org},openchoreo.dev/project`;
      const cells = (await client.list(NAMESPACES, { labelSelector: selector })).items.length;
      const baselines = (await client.list(CILIUM, { labelSelector: selector })).items.length;
      lines.push(
        `[${label}] projects: ${PROJECTS} × ${ENVS.length} environments → ${cells} cell namespaces, ${baselines} cell baselines`,
        `[${label}] controllers: ${f(seconds)} s (apply → every project Ready), ${reconciles} reconciles (${f(reconciles / seconds)}/s), ${managerWrites} API writes by the manager (${f(managerWrites / seconds)}/s) + ${PROJECTS} project applies`,
        `[${label}] ratio: ${f(seconds / rawSeconds, 2)}× the raw write loop (target ≤ 2×)`,
        `[${label}] apiserver writes per project, by resource: ${perResource}`,
        `[${label}] reconciles per project, by controller: ${byController}`,
        `[${label}] manager peak RSS: ${f(m.peakRssMb())} MB (target < 150 MB)`,
      );
      await m.stop();
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await manager?.stop();
    client.close();
    await cp.stop();
  }
}

await main();
