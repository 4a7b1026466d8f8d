/**
 * Benchmark (run on demand: `npm run bench:api`): the CLI's operations through the REST API (`choreoctl server`,
 * the built CLI as a child process, acting as the caller by impersonation) against the same operations in
 * direct mode, on one control plane this script starts. The clients are the CLI's own (DirectClient, ApiClient),
 * so each figure is what a command pays: get one component, list 100 components, apply one component (the
 * all-or-nothing apply: dry-run, read, server-side apply). Iterations alternate between the modes so both see
 * the same machine. Target: api p99 ≤ 2× direct p99.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allCrds } from '../../src/api/crd.js';
import { createApiClient } from '../../src/cli/api.js';
import type { OperationsClient } from '../../src/cli/client.js';
import { createDirectClient } from '../../src/cli/direct.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import { parseSources } from '../../src/services/manifests.js';
import { type ServerProcess, startServerProcess } from '../e2e/server-process.js';
import { pool } from './lib.js';

const N = Number(process.env.BENCH_API_N ?? 200);
const WARMUP = 20;
const NS = 'bench';
const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

const component = (name: string, image = 'v1') => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: NS, labels: { bench: image } },
  spec: { owner: { projectName: 'default' }, type: 'Service' },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({
    name: 'choreoctl-bench-api',
    controllerManager: false,
    progress: () => {},
  });
  const admin = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  let server: ServerProcess | undefined;
  try {
    await applyCrds(admin, allCrds() as unknown as KubeObject[], { fieldManager: 'bench' });
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await pool(
      Array.from({ length: 100 }, (_, i) => `c-${i}`),
      8,
      (n) => admin.create(component(n)),
    );
    server = await startServerProcess(
      node,
      bin,
      ['--kubeconfig', cp.admin.kubeconfig, '--addr', '127.0.0.1:0'],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        NO_COLOR: '1',
      },
    );
    const url = server.url;
    const clients: Record<'direct' | 'api', OperationsClient> = {
      direct: await createDirectClient({
        name: 'bench',
        mode: 'direct',
        kubeconfig: cp.admin.kubeconfig,
        organization: NS,
      }),
      api: await createApiClient({
        name: 'bench-api',
        mode: 'api',
        apiUrl: url,
        token: cp.admin.token,
        organization: NS,
      }),
    };
    const r = await clients.direct.resolveName('components');
    let version = 0;
    const ops: Record<string, (c: OperationsClient) => Promise<unknown>> = {
      'get one component': (c) => c.get(r, 'c-7'),
      'list 100 components': (c) => c.list(r),
      'apply one component': async (c) => {
        const text = JSON.stringify(component('applied', `v${version++}`));
        const { manifests } = parseSources([{ name: 'bench.json', text }]);
        const { prepared } = await c.prepare(manifests);
        const res = await c.apply(prepared);
        if (res.invalid.length > 0 || res.outcomes.some((o) => o.error)) throw new Error('apply failed');
      },
    };
    const rows: string[] = [];
    const ratios: number[] = [];
    for (const [label, op] of Object.entries(ops)) {
      const times = { direct: [] as number[], api: [] as number[] };
      for (let i = 0; i < WARMUP + N; i++) {
        for (const mode of i % 2 === 0 ? (['direct', 'api'] as const) : (['api', 'direct'] as const)) {
          const t0 = performance.now();
          await op(clients[mode]);
          if (i >= WARMUP) times[mode].push(performance.now() - t0);
        }
      }
      const stat = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        return { p50: percentile(s, 50), p99: percentile(s, 99), rps: 1000 / mean };
      };
      const d = stat(times.direct);
      const a = stat(times.api);
      ratios.push(a.p99 / d.p99);
      rows.push(
        `${label.padEnd(22)} ${d.p50.toFixed(1).padStart(7)} ${d.p99.toFixed(1).padStart(7)} ${d.rps.toFixed(0).padStart(6)}   ${a.p50.toFixed(1).padStart(7)} ${a.p99.toFixed(1).padStart(7)} ${a.rps.toFixed(0).padStart(6)}   ${(a.p50 / d.p50).toFixed(2).padStart(5)}× ${(a.p99 / d.p99).toFixed(2).padStart(5)}×`,
      );
    }
    for (const c of Object.values(clients)) c.close();
    console.log(`\n${N} sequential calls of each, alternating modes (ms; req/s of one caller)`);
    console.log(
      `${'operation'.padEnd(22)} ${'direct p50'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(6)}   ${'api p50'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(6)}   ${'p50'.padStart(6)} ${'p99'.padStart(6)}`,
    );
    for (const row of rows) console.log(row);
    const worst = Math.max(...ratios);
    console.log(
      `\nworst api/direct p99 ratio: ${worst.toFixed(2)}× (target ≤ 2×): ${worst <= 2 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await server?.stop();
    admin.close();
    await cp.stop();
  }
}

await main();
