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
 */
import { cellBaseline } from '../../src/controllers/project/baseline.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import {
  apiserverWrites,
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
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY);
    const apply = (o: KubeObject) => client.apply(o, { fieldManager: 'bench', force: true });
    await apply({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Organization',
      metadata: { name: ORG },
      spec: {},
    });
    await until(
      async () => (await client.getOrUndefined(NAMESPACES, ORG)) !== undefined,
      'the org namespace',
      60_000,
    );
    await apply({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'DataPlane',
      metadata: { name: 'default', namespace: ORG },
      spec: {
        registry: { prefix: 'registry.bench.local:5000' },
        gateway: { publicVirtualHost: 'apps.bench.local', organizationVirtualHost: 'apps.bench.internal' },
      },
    });
    for (const env of ENVS) {
      await apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Environment',
        metadata: { name: env, namespace: ORG },
        spec: { dataPlaneRef: 'default', isProduction: env === 'production' },
      });
    }
    await apply({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'DeploymentPipeline',
      metadata: { name: 'default', namespace: ORG },
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
      async () => (await client.list(gvr('environments'), { namespace: ORG })).items.every(ready),
      'environments Ready',
      60_000,
    );
    await manager.settled(1000);
    const before = await manager.metrics();
    const serverBefore = await apiserverWrites(client);

    const start = performance.now();
    await pool(items, CONCURRENCY, (i) =>
      apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: `p${i}`, namespace: ORG },
        spec: { deploymentPipelineRef: 'default' },
      }),
    );
    await until(
      async () => {
        const { items: projects } = await client.listAll(gvr('projects'), { namespace: ORG });
        return projects.length === PROJECTS && projects.every(ready);
      },
      'every project Ready',
      600_000,
    );
    const seconds = (performance.now() - start) / 1000;
    const after = await manager.metrics();
    const reconciles =
      metric(after, 'choreoctl_reconcile_total') - metric(before, 'choreoctl_reconcile_total');
    const managerWrites = writes(after) - writes(before);
    // Every writer's requests (the bench's project applies and kube-controller-manager's included), per project.
    const perResource = writesByResource(await apiserverWrites(client), serverBefore, PROJECTS);
    const byController = reconcilesByController(after, before, PROJECTS);
    const cells = (
      await client.list(NAMESPACES, {
        labelSelector: `openchoreo.dev/organization=${ORG},openchoreo.dev/project`,
      })
    ).items.length;
    const baselines = (
      await client.list(CILIUM, {
        labelSelector: `openchoreo.dev/organization=${ORG},openchoreo.dev/project`,
      })
    ).items.length;

    const f = (n: number, d = 1) => n.toFixed(d);
    const lines = [
      `projects: ${PROJECTS} × ${ENVS.length} environments → ${cells} cell namespaces, ${baselines} cell baselines`,
      `raw write loop:   ${f(rawSeconds)} s, ${rawWrites} writes, ${f(rawWrites / rawSeconds)} writes/s`,
      `controllers:      ${f(seconds)} s (apply → every project Ready), ${reconciles} reconciles (${f(reconciles / seconds)}/s), ${managerWrites} API writes by the manager (${f(managerWrites / seconds)}/s) + ${PROJECTS} project applies`,
      `ratio:            ${f(seconds / rawSeconds, 2)}× the raw write loop (target ≤ 2×)`,
      `apiserver writes per project, by resource: ${perResource}`,
      `reconciles per project, by controller: ${byController}`,
      `manager peak RSS: ${f(manager.peakRssMb())} MB (target < 150 MB)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await manager?.stop();
    client.close();
    await cp.stop();
  }
}

await main();
