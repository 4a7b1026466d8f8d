/**
 * Benchmark (run on demand: `npm run bench:controllers`): 200 projects × 3 environments, from apply to every
 * project Ready (its three cell namespaces created), against a control plane this script starts.
 *
 * Printed beside a raw write loop against the same apiserver in the same run — the same objects the controllers
 * end up writing (600 labelled namespaces and 200 projects' worth of writes), created by a plain loop at the
 * same concurrency (8 requests in flight; the manager runs with --concurrency 8) — because absolute seconds mean little on a shared 2-core machine. Also printed: reconciles/s,
 * API writes/s and the controller manager's peak RSS (it runs as its own `choreoctl controller run` process).
 *
 * Targets (issue): within 2× of the raw write loop; peak RSS under 150 MB.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allCrds } from '../../src/api/crd.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { freePort, startControlPlane } from '../../src/local/controlplane.js';
import { externalCrdYaml } from '../../src/local/external-crds.js';

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
const PROJECTS_R = gvr('projects');
const NAMESPACES: GVR = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CONFIGMAPS: GVR = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

async function until(fn: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function ready(o: KubeObject): boolean {
  const conds = (o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function metric(text: string, name: string, filter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(filter)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const WRITE_VERBS = ['create', 'update', 'apply', 'patch', 'delete', 'deletecollection'];

async function main(): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  progress(`starting a control plane for ${PROJECTS} projects × ${ENVS.length} environments`);
  const cp = await startControlPlane({ name: 'choreoctl-bench', progress: () => {} });
  const client = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  let manager: ReturnType<typeof spawn> | undefined;
  try {
    await applyCrds(client, allCrds() as unknown as KubeObject[], { fieldManager: 'bench' });
    const external: KubeObject[] = [];
    for (const text of externalCrdYaml()) {
      for (const d of parseAllDocuments(text)) {
        const o = d.toJS() as KubeObject | null;
        if (o?.kind === 'CustomResourceDefinition') external.push(o);
      }
    }
    await applyCrds(client, external, { fieldManager: 'bench' });

    // --- baseline: a raw write loop of the same objects, same concurrency ----------------------------------
    client.resetStats();
    const rawStart = performance.now();
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'raw-bench' } });
    const rawItems = Array.from({ length: PROJECTS }, (_, i) => i);
    await pool(rawItems, CONCURRENCY, async (i) => {
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
      }
    });
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const rawWrites = WRITE_VERBS.reduce((n, v) => n + (client.stats.byVerb[v] ?? 0), 0);

    // --- the controllers as their own process, then the platform they reconcile
    const metricsPort = await freePort();
    const bin = join(import.meta.dirname, '../../bin/choreoctl.js');
    manager = spawn(
      process.execPath,
      [
        bin,
        'controller',
        'run',
        '--kubeconfig',
        cp.admin.kubeconfig,
        '--metrics-addr',
        `127.0.0.1:${metricsPort}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
      },
    );
    let managerLog = '';
    manager.stderr?.on('data', (c: Buffer) => {
      managerLog = (managerLog + c.toString()).slice(-4000);
    });
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await until(
      async () =>
        (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.status === 200,
      `the controller manager (log: ${managerLog})`,
      60_000,
    );
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
    }).catch(async (e: Error) => {
      throw new Error(`DataPlane: ${e.message}`);
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
    const before = await metrics();

    const start = performance.now();
    await pool(rawItems, CONCURRENCY, (i) =>
      apply({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: `p${i}`, namespace: ORG },
        spec: { deploymentPipelineRef: 'default' },
      }),
    );
    await until(
      async () => {
        const { items } = await client.listAll(PROJECTS_R, { namespace: ORG });
        return items.length === PROJECTS && items.every(ready);
      },
      'every project Ready',
      600_000,
    );
    const seconds = (performance.now() - start) / 1000;
    const after = await metrics();
    const reconciles =
      metric(after, 'choreoctl_reconcile_total') - metric(before, 'choreoctl_reconcile_total');
    const writes = WRITE_VERBS.reduce(
      (n, v) =>
        n +
        metric(after, 'choreoctl_kube_requests_total', `verb="${v}"`) -
        metric(before, 'choreoctl_kube_requests_total', `verb="${v}"`),
      0,
    );
    const cells = (
      await client.list(NAMESPACES, {
        labelSelector: `openchoreo.dev/organization=${ORG},openchoreo.dev/project`,
      })
    ).items.length;
    const status = readFileSync(`/proc/${manager.pid}/status`, 'utf8');
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);

    const f = (n: number, d = 1) => n.toFixed(d);
    const lines = [
      `projects: ${PROJECTS} × ${ENVS.length} environments → ${cells} cell namespaces`,
      `raw write loop:   ${f(rawSeconds)} s, ${rawWrites} writes, ${f(rawWrites / rawSeconds)} writes/s`,
      `controllers:      ${f(seconds)} s (apply → every project Ready), ${reconciles} reconciles (${f(reconciles / seconds)}/s), ${writes} API writes by the manager (${f(writes / seconds)}/s) + ${PROJECTS} project applies`,
      `ratio:            ${f(seconds / rawSeconds, 2)}× the raw write loop (target ≤ 2×)`,
      `manager peak RSS: ${f(peakKb / 1024)} MB (target < 150 MB)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (manager && manager.exitCode === null) {
      manager.kill('SIGTERM');
      await new Promise((r) => manager?.once('exit', r));
    }
    client.close();
    await cp.stop();
  }
}

await main();
