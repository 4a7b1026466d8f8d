/** Shared pieces of the benchmark scripts (test/bench/*.ts): pools, polling, the manager process, metrics. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allCrds } from '../../src/api/crd.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import type { GVR } from '../../src/kube/discovery.js';
import { freePort } from '../../src/local/controlplane.js';
import { externalCrdYaml } from '../../src/local/external-crds.js';

export const WRITE_VERBS = ['create', 'update', 'apply', 'patch', 'delete', 'deletecollection'];

/** Run `fn` over `items` with at most `n` in flight. */
export async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

export async function until(fn: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Sum of a Prometheus metric's samples whose label text contains `filter`. */
export function metric(text: string, name: string, filter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(filter)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

export function writes(text: string): number {
  return WRITE_VERBS.reduce((n, v) => n + metric(text, 'choreoctl_kube_requests_total', `verb="${v}"`), 0);
}

/** Our CRDs and the data-plane CRDs (Gateway API, Envoy Gateway, Cilium, Argo). */
export async function installAllCrds(
  client: KubeClient,
  /** Leave out external CRDs of these API groups (a bench that never touches them: less for a loaded apiserver). */
  skipGroups: readonly string[] = [],
): Promise<void> {
  await withRetries(() => applyCrds(client, allCrds() as unknown as KubeObject[], { fieldManager: 'bench' }));
  const external: KubeObject[] = [];
  for (const text of externalCrdYaml()) {
    for (const d of parseAllDocuments(text)) {
      const o = d.toJS() as KubeObject | null;
      const group = (o?.spec as { group?: string } | undefined)?.group ?? '';
      if (o?.kind === 'CustomResourceDefinition' && !skipGroups.includes(group)) external.push(o);
    }
  }
  await withRetries(() => applyCrds(client, external, { fieldManager: 'bench' }));
}

/**
 * A loaded machine makes kube-apiserver time out on the largest CRDs (Argo's) now and then: the applies are
 * idempotent, so try again (five times) rather than lose the run.
 */
async function withRetries(fn: () => Promise<unknown>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (i >= 5) throw e;
      process.stderr.write(`installing CRDs failed (${(e as Error).message}); again\n`);
    }
  }
}

export interface ManagerProcess {
  pid: number;
  metrics(): Promise<string>;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /**
   * Wait until the manager has sent no write for `quietMs` and no key is queued. (Reconciles never stop: a
   * Release re-checks the health of its objects every 10 s while they progress, and they always progress on a
   * control plane without kubelets.)
   */
  settled(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** This checkout's CLI (`npm run build` first). */
export const CHOREOCTL_BIN = join(import.meta.dirname, '../../bin/choreoctl.js');

/**
 * `choreoctl controller run` as its own process (its RSS is the manager's alone). Needs `npm run build`. `bin`:
 * another build's CLI, to measure a baseline version in the same run (BENCH_BASE_BIN in the benches).
 */
export async function startManager(
  kubeconfig: string,
  concurrency: number,
  bin = CHOREOCTL_BIN,
): Promise<ManagerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the manager there when it exits.
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      bin,
      'controller',
      'run',
      '--kubeconfig',
      kubeconfig,
      '--metrics-addr',
      `127.0.0.1:${port}`,
      '--concurrency',
      String(concurrency),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
    },
  );
  let log = '';
  // BENCH_MANAGER_LOG=<file>: keep the manager's whole log there.
  if (process.env.BENCH_MANAGER_LOG)
    child.stderr?.pipe(createWriteStream(process.env.BENCH_MANAGER_LOG, { flags: 'a' }));
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
    `the controller manager (log: ${log})`,
    60_000,
  );
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  return {
    pid: child.pid ?? 0,
    metrics,
    peakRssMb: () =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    async settled(quietMs = 3000, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      let since = Date.now();
      for (;;) {
        const text = await metrics();
        const n = writes(text);
        const depth = metric(text, 'choreoctl_workqueue_depth');
        if (n !== last || depth > 0) {
          last = n;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) {
          return;
        }
        if (Date.now() > deadline) throw new Error('the manager did not settle');
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Resolves once `n` distinct objects of `ref` exist in `namespace` (a watch from now; none exist before).
 * Watches, not polls: listing 500 Deployments every 200 ms cost the apiserver more CPU than a tenth of the
 * components did.
 */
export async function countArrivals(
  client: KubeClient,
  ref: GVR,
  namespace: string,
  n: number,
  timeoutMs: number,
  /** Called once per object name when it first arrives; returns false for objects not to count. */
  onArrive: (o: KubeObject) => boolean = () => true,
): Promise<void> {
  const seen = new Set<string>();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const { metadata } = await client.list(ref, { namespace, limit: 1 });
    let resourceVersion = metadata?.resourceVersion;
    while (seen.size < n) {
      if (abort.signal.aborted)
        throw new Error(`timed out waiting for ${n} ${ref.resource} in ${namespace} (${seen.size} arrived)`);
      try {
        for await (const e of client.watch(ref, {
          namespace,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 60,
          signal: abort.signal,
        })) {
          resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
          const name = e.object.metadata?.name ?? '';
          if ((e.type === 'ADDED' || e.type === 'MODIFIED') && name !== 'cell-baseline' && !seen.has(name)) {
            if (onArrive(e.object)) seen.add(name);
          }
          if (seen.size >= n) break;
        }
      } catch (err) {
        if (abort.signal.aborted) continue;
        throw err;
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * One request to every custom resource before measuring: kube-apiserver builds a CRD's serving state (schema
 * conversion, CEL programs, the OpenAPI models of server-side apply) on its first request after it starts —
 * ~1 s of its CPU for these CRDs (Cilium's alone is large), paid once per apiserver, not per component.
 */
export async function warmUp(client: KubeClient): Promise<void> {
  const CRDS: GVR = {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    namespaced: false,
  };
  const crds = (await client.listAll(CRDS)).items as {
    spec?: {
      group?: string;
      names?: { plural?: string };
      scope?: string;
      versions?: { name: string; storage?: boolean }[];
    };
  }[];
  await Promise.all(
    crds.map(async (c) => {
      const version = c.spec?.versions?.find((v) => v.storage)?.name ?? c.spec?.versions?.[0]?.name ?? '';
      const ref: GVR = {
        group: c.spec?.group ?? '',
        version,
        resource: c.spec?.names?.plural ?? '',
        namespaced: c.spec?.scope === 'Namespaced',
      };
      await client.list(ref, { limit: 1 }).catch(() => undefined);
    }),
  );
}

/** Write requests the apiserver served, by resource (its own apiserver_request_total), for finding who writes. */
export async function apiserverWrites(client: KubeClient): Promise<Map<string, number>> {
  const text = await client.request<string>('GET', '/metrics', { accept: 'text/plain' });
  const out = new Map<string, number>();
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="(\w+)"/.exec(line)?.[1] ?? '';
    if (
      !['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'CREATE', 'UPDATE'].includes(verb) &&
      !process.env.BENCH_ALL_VERBS
    )
      continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const sub = /subresource="([^"]*)"/.exec(line)?.[1];
    const key = `${resource}${sub ? `/${sub}` : ''} ${verb.toLowerCase()}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return out;
}

/** The difference of two apiserverWrites snapshots, largest first, per unit (component, project). */
export function writesByResource(
  after: Map<string, number>,
  before: Map<string, number>,
  per: number,
): string {
  return [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / per).toFixed(2)}`)
    .join(', ');
}

/** Reconciles per unit (component, project) by controller between two scrapes of the manager's metrics. */
export function reconcilesByController(after: string, before: string, per: number): string {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('choreoctl_reconcile_total{')) continue;
      const c = /controller="([^"]*)"/.exec(line)?.[1] ?? '';
      m.set(c, (m.get(c) ?? 0) + Number(line.split(' ').pop()));
    }
    return m;
  };
  const b = count(before);
  return [...count(after)]
    .map(([c, n]) => [c, n - (b.get(c) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([c, n]) => `${c} ${(n / per).toFixed(1)}`)
    .join(', ');
}
