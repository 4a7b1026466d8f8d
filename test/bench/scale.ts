/**
 * Benchmark (run on demand: `npm run bench:scale`; sizes: `SCALE_SIZES=100,1000` or `npm run bench:scale --
 * 100,1000`, default 100,1000,5000): N Service components (Component + Workload + Service each, one
 * environment), from apply to every Deployment and Service in the data plane, on a fresh control plane per size
 * with the controller manager as its own process. Per size it prints:
 *
 * - seconds and components/s, manager writes per component, CPU seconds per component of kube-apiserver
 *   (/proc/<pid>/stat) and of the manager;
 * - the manager's peak RSS (VmHWM) and peak V8 heap (sampled from its /metrics every second), and its RSS and
 *   heap per 1,000 cached objects once settled (the informer caches' object counts from /metrics plus the
 *   data-plane objects the Release engine caches: a Deployment and a Service per component);
 * - backpressure: while the big rollout runs, one probe component is applied every second and the time from its
 *   apply to its Deployment is recorded (p50, p99, max);
 * - a resync by restart over the settled state: writes (target 0) and seconds to settle.
 *
 * Then the ratio of each per-component figure to the first size's, measured in the same run (targets: time and
 * apiserver CPU per component at the largest size within 1.3× of the smallest; writes ≤ 9 per component). A size
 * listed again (`SCALE_SIZES=500,5000,500`) runs again, and the ratios are to the mean of its runs.
 */
import { readFileSync } from 'node:fs';
import { dataPlaneNamespaceName } from '../../src/api/naming.js';
import { REF } from '../../src/api/refs.js';
import { trimLive } from '../../src/controllers/release/live.js';
import { Informer, type InformerOptions } from '../../src/controllers/runtime/informer.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR, ResourceRef } from '../../src/kube/discovery.js';
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
  startManager,
  WRITE_VERBS,
  warmUp,
  writes,
  writesByResource,
} from './lib.js';

const SIZES = (process.env.SCALE_SIZES ?? process.argv[2] ?? '100,1000,5000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const CONCURRENCY = Number(process.env.SCALE_CONCURRENCY ?? 8);
const PROBE_EVERY_MS = Number(process.env.SCALE_PROBE_MS ?? 1000);
const ORG = 'default';
const PROJECT = 'default';
const DEPLOYMENTS: GVR = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const CORE_SERVICES: GVR = { group: '', version: 'v1', resource: 'services', namespaced: true };
/**
 * Data-plane objects the Release engine caches per component: Deployment and Service (no CiliumNetworkPolicy: the
 * cell baseline isolates a component with no gateway port, connection to another cell or external service).
 */
const PLANE_OBJECTS_PER_COMPONENT = 2;
const MB = 1024 * 1024;

function userObjects(name: string): KubeObject[] {
  const owner = { projectName: PROJECT, componentName: name };
  const metadata = { name, namespace: ORG };
  return [
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Component',
      metadata,
      spec: { owner: { projectName: PROJECT }, type: 'Service' },
    },
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workload',
      metadata,
      spec: {
        owner,
        containers: { main: { image: `registry.bench.local/${name}:1.0.0` } },
        endpoints: { http: { type: 'REST', port: 8080 } },
      },
    },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Service', metadata, spec: { owner, workloadName: name } },
  ];
}

const componentOf = (o: KubeObject): string => o.metadata?.labels?.['openchoreo.dev/component'] ?? '';

const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

/**
 * V8 heap per cached object of `ref` in an informer with `opts`, in this process (needs --expose-gc): COPIES
 * informers are filled and kept at once, so the figure stands out of the noise of whatever else the process
 * allocates meanwhile (a single cache of 100 objects is below it).
 */
async function heapPerObject(
  client: KubeClient,
  ref: ResourceRef,
  namespace: string | undefined,
  opts: Pick<InformerOptions, 'transform' | 'metadataOnly'>,
): Promise<{ count: number; bytes: number }> {
  const COPIES = 8;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:scale does)');
  const make = () => new Informer(client, ref, { resyncMs: 0, ...(namespace ? { namespace } : {}), ...opts });
  // Warm-up: code paths compiled, connections open, before the baseline.
  const warm = make();
  await warm.start();
  await warm.stop();
  gc();
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const informers = Array.from({ length: COPIES }, make);
  for (const inf of informers) await inf.start();
  // The watches stop first (their buffers are not the cache), the caches stay referenced until measured.
  for (const inf of informers) await inf.stop();
  gc();
  gc();
  const h1 = process.memoryUsage().heapUsed;
  const count = informers[0]?.size ?? 0;
  return { count, bytes: count ? (h1 - h0) / (count * informers.length) : 0 };
}

/** Heap per cached object by kind: as listed (before), trimmed (now), and metadata only where used. */
async function cacheHeap(client: KubeClient, cell: string): Promise<string> {
  const kinds: [string, ResourceRef, string | undefined, boolean | 'plane'][] = [
    ['Deployment', KUBE_REF.Deployment, cell, 'plane'],
    ['Service', KUBE_REF.Service, cell, 'plane'],
    ['Component', REF.Component, ORG, false],
    ['Workload', REF.Workload, ORG, false],
    ['ServiceBinding', REF.ServiceBinding, ORG, false],
    ['Release', REF.Release, ORG, false],
    ['Namespace', KUBE_REF.Namespace, undefined, true],
  ];
  const rows: string[] = [];
  for (const [kind, ref, ns, meta] of kinds) {
    const whole = await heapPerObject(client, ref, ns, { transform: (o) => o });
    const trimmed = await heapPerObject(client, ref, ns, {});
    const partial = meta === true ? await heapPerObject(client, ref, ns, { metadataOnly: true }) : undefined;
    // Data-plane objects as the Release engine's informers keep them (trimLive).
    const engine =
      meta === 'plane' ? await heapPerObject(client, ref, ns, { transform: trimLive }) : undefined;
    const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
    rows.push(
      `    ${kind.padEnd(20)} ${String(whole.count).padStart(6)} objects: whole ${kb(whole.bytes)}, trimmed ${kb(trimmed.bytes)} (${(trimmed.bytes / whole.bytes).toFixed(2)}×)${partial ? `, metadata only ${kb(partial.bytes)} (${(partial.bytes / whole.bytes).toFixed(2)}×)` : ''}${engine ? `, as the engine keeps it ${kb(engine.bytes)} (${(engine.bytes / whole.bytes).toFixed(2)}×)` : ''}`,
    );
  }
  return rows.join('\n');
}

interface Figures {
  size: number;
  load: string;
  seconds: number;
  writesPerComponent: number;
  /** Writes the apiserver served per component by resource, every client's (the bench's own 3 applies too). */
  perResource: string;
  /** Manager writes per component applied once settled (the last components' final statuses included). */
  settledWrites: number;
  /** perResource once settled. */
  settledPerResource: string;
  /** The manager's own writes per component by verb. */
  byVerb: string;
  apiserverCpuPerComponent: number;
  managerCpuPerComponent: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** Peaks of the parts (MB): V8 heap committed, its young generation, external; RssAnon and RssFile. */
  peakParts: { heapTotal: number; young: number; external: number; anon: number; file: number };
  cachedObjects: number;
  rssPer1000: number;
  heapPer1000: number;
  probes: number[];
  resyncWrites: number;
  resyncSeconds: number;
  resyncPeakRssMb: number;
  cacheHeap: string;
}

const loadAverage = async (): Promise<string> =>
  (await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Memory {
  heap: number;
  rss: number;
  cached: number;
  /** V8 heap committed (used + garbage + free pages), and of it the young generation (new_space). */
  heapTotal: number;
  young: number;
  /** Buffers and other memory outside the V8 heap that JavaScript holds. */
  external: number;
}

async function memory(m: ManagerProcess): Promise<Memory> {
  const text = await m.metrics();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    heap: gauge('choreoctl_process_heap_used_bytes'),
    rss: gauge('choreoctl_process_resident_memory_bytes'),
    cached: metric(text, 'choreoctl_informer_objects'),
    heapTotal: gauge('choreoctl_process_heap_total_bytes'),
    young: metric(text, 'choreoctl_process_heap_space_bytes', 'space="new_space"'),
    external: gauge('choreoctl_process_external_bytes'),
  };
}

/** RssAnon and RssFile of a process, in bytes (/proc/<pid>/status): what is its own, what is the mapped binary. */
function rssSplit(pid: number): { anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: 0, file: 0 };
  }
}

async function runSize(size: number): Promise<Figures> {
  const log = (m: string) => process.stderr.write(`[scale ${size}] ${m}\n`);
  log('starting a control plane');
  const cp = await startControlPlane({ name: `choreoctl-bench-scale-${size}`, progress: () => {} });
  const client = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  let manager: ManagerProcess | undefined;
  try {
    // No Argo CRDs: nothing here builds, and at load 30 kube-apiserver times out on their size (five tries).
    await installAllCrds(client, ['argoproj.io']);
    await install(client, { controller: false, fieldManager: 'bench' });
    // No kubelet here: the Deployments never become available. At Kubernetes' default 600 s deadline the early
    // ones of a long run turn Degraded (ProgressDeadlineExceeded) while it still settles, and their Releases,
    // bindings and components then write that real change: counted as the rollout's writes (and as a restart's
    // "resync" writes). A deadline no run reaches keeps the figures to going live.
    await client.patch(
      REF.ServiceClass,
      'default',
      { spec: { deploymentTemplate: { progressDeadlineSeconds: 86_400 } } },
      { namespace: ORG, type: 'merge' },
    );
    await warmUp(client);
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY);
    await manager.settled(1500);
    const idle = await memory(manager);
    const before = await manager.metrics();
    const serverBefore = await apiserverWrites(client);
    const [, apiPid] = cp.pids();
    const api0 = cpuSeconds(apiPid ?? 0);
    const mgr0 = cpuSeconds(manager.pid);
    const cell = dataPlaneNamespaceName(ORG, PROJECT, 'development');
    const names = Array.from({ length: size }, (_, i) => `svc-${i}`);

    // Peak heap: the manager's /metrics every second (VmHWM gives the RSS peak by itself); with it the peaks of
    // what makes up the RSS: the heap committed, its young generation, memory outside it, and RssAnon/RssFile.
    let peakHeap = idle.heap;
    const peak = { heapTotal: 0, young: 0, external: 0, anon: 0, file: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = manager ? await memory(manager).catch(() => undefined) : undefined;
        if (m) {
          peakHeap = Math.max(peakHeap, m.heap);
          peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
          peak.young = Math.max(peak.young, m.young);
          peak.external = Math.max(peak.external, m.external);
        }
        const split = manager ? rssSplit(manager.pid) : undefined;
        if (split) {
          peak.anon = Math.max(peak.anon, split.anon);
          peak.file = Math.max(peak.file, split.file);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();

    // Probes: one more component every PROBE_EVERY_MS while the rollout runs; apply → its Deployment, from a
    // watch of their own (the counting watches end with the rollout).
    const probeStart = new Map<string, number>();
    const probeTimes = new Map<string, number>();
    const probeWatch = new AbortController();
    const { metadata: listed } = await client.list(DEPLOYMENTS, { namespace: cell, limit: 1 });
    const probesSeen = (async () => {
      let resourceVersion = listed?.resourceVersion;
      while (!probeWatch.signal.aborted) {
        for await (const e of client.watch(DEPLOYMENTS, {
          namespace: cell,
          resourceVersion,
          labelSelector: 'openchoreo.dev/component',
          allowWatchBookmarks: true,
          timeoutSeconds: 60,
          signal: probeWatch.signal,
        })) {
          resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
          const c = componentOf(e.object);
          const t0 = probeStart.get(c);
          if (t0 !== undefined && !probeTimes.has(c)) probeTimes.set(c, performance.now() - t0);
        }
      }
    })();
    const notProbe = (o: KubeObject) => !componentOf(o).startsWith('probe-');
    const arrived = Promise.all([
      countArrivals(client, DEPLOYMENTS, cell, size, 3_600_000, notProbe),
      countArrivals(client, CORE_SERVICES, cell, size, 3_600_000, notProbe),
    ]);
    let rolling = true;
    const probing = (async () => {
      for (let i = 0; rolling; i++) {
        await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        if (!rolling) break;
        const name = `probe-${i}`;
        probeStart.set(name, performance.now());
        await pool(userObjects(name), 1, (o) => client.apply(o, { fieldManager: 'bench', force: true }));
      }
    })();

    const start = performance.now();
    await pool(names, CONCURRENCY, async (n) => {
      for (const o of userObjects(n)) await client.apply(o, { fieldManager: 'bench', force: true });
    });
    log(`applied in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    await arrived;
    const seconds = (performance.now() - start) / 1000;
    rolling = false;
    await probing;
    const apiCpu = cpuSeconds(apiPid ?? 0) - api0;
    const mgrCpu = cpuSeconds(manager.pid) - mgr0;
    const load = await loadAverage();
    log(`in the data plane after ${seconds.toFixed(1)} s (load ${load})`);
    const after = await manager.metrics();
    const managerWrites = writes(after) - writes(before);
    // Writes are per component applied so far, probes included (they go live meanwhile, at the same cost).
    const applied = size + probeStart.size;
    const perResource = writesByResource(await apiserverWrites(client), serverBefore, applied);
    const byVerb = WRITE_VERBS.map(
      (v) =>
        [
          v,
          metric(after, 'choreoctl_kube_requests_total', `verb="${v}"`) -
            metric(before, 'choreoctl_kube_requests_total', `verb="${v}"`),
        ] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([v, n]) => `${v} ${(n / applied).toFixed(2)}`)
      .join(', ');
    // Probes applied late in the rollout land after it: wait for them (they are not in the figures above).
    const deadline = Date.now() + 300_000;
    while (probeTimes.size < probeStart.size && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    probeWatch.abort();
    await probesSeen;
    if (probeTimes.size < probeStart.size)
      log(`${probeStart.size - probeTimes.size} probes did not reach the data plane within 300 s`);

    await manager.settled(5000, 1_800_000);
    // Every write of going live, the final Ready steps after the last arrival included (the figure above stops
    // counting at the last arrival, while statuses are still on their way).
    const settledWrites = (writes(await manager.metrics()) - writes(before)) / (size + probeStart.size);
    const settledPerResource = writesByResource(
      await apiserverWrites(client),
      serverBefore,
      size + probeStart.size,
    );
    const settled = await memory(manager);
    sampling = false;
    await sampler;
    const peakRssMb = manager.peakRssMb();
    const components = size + probeStart.size;
    const cached = settled.cached + components * PLANE_OBJECTS_PER_COMPONENT;
    const idleCached = idle.cached;
    const per1000 = (bytes: number) => bytes / 1024 / 1024 / ((cached - idleCached) / 1000);

    const heapByKind = await cacheHeap(client, cell);

    // Resync: a fresh manager over the settled state must not write.
    await manager.stop();
    manager = await startManager(cp.admin.kubeconfig, CONCURRENCY);
    const resyncStart = performance.now();
    await manager.settled(5000, 1_800_000);
    const resyncSeconds = (performance.now() - resyncStart) / 1000 - 5;
    const resyncWrites = writes(await manager.metrics());

    return {
      size,
      load,
      seconds,
      writesPerComponent: managerWrites / applied,
      perResource,
      settledWrites,
      settledPerResource,
      byVerb,
      apiserverCpuPerComponent: apiCpu / size,
      managerCpuPerComponent: mgrCpu / size,
      peakRssMb,
      peakHeapMb: peakHeap / 1024 / 1024,
      peakParts: {
        heapTotal: peak.heapTotal / MB,
        young: peak.young / MB,
        external: peak.external / MB,
        anon: peak.anon / MB,
        file: peak.file / MB,
      },
      cachedObjects: cached,
      rssPer1000: per1000(settled.rss - idle.rss),
      heapPer1000: per1000(settled.heap - idle.heap),
      probes: [...probeTimes.values()],
      resyncWrites,
      resyncSeconds,
      resyncPeakRssMb: manager.peakRssMb(),
      cacheHeap: heapByKind,
    };
  } finally {
    await manager?.stop();
    client.close();
    await cp.stop();
  }
}

function report(f: Figures): string {
  const d = (n: number, k = 1) => n.toFixed(k);
  const p = (q: number) => d(percentile(f.probes, q) / 1000, 2);
  return [
    `${f.size} components (load ${f.load}):`,
    `  to the data plane  ${d(f.seconds)} s, ${d(f.size / f.seconds)} components/s, ${d(f.writesPerComponent, 2)} manager writes/component (${f.byVerb})`,
    `  apiserver writes per component by resource (all clients; the bench applies components, workloads, services): ${f.perResource}`,
    `  once settled       ${d(f.settledWrites, 2)} manager writes/component; apiserver writes by resource: ${f.settledPerResource}`,
    `  CPU per component  kube-apiserver ${d(f.apiserverCpuPerComponent * 1000, 1)} ms, manager ${d(f.managerCpuPerComponent * 1000, 1)} ms`,
    `  manager memory     peak RSS ${d(f.peakRssMb)} MB, peak heap ${d(f.peakHeapMb)} MB; settled: ${f.cachedObjects} cached objects, ${d(f.rssPer1000, 2)} MB RSS and ${d(f.heapPer1000, 2)} MB heap per 1,000`,
    `  peaks of the parts heap committed ${d(f.peakParts.heapTotal)} MB (young generation ${d(f.peakParts.young)} MB), external ${d(f.peakParts.external)} MB; RssAnon ${d(f.peakParts.anon)} MB, RssFile ${d(f.peakParts.file)} MB (the mapped node binary and libraries)`,
    `  probe apply→Deployment during the rollout (${f.probes.length}): p50 ${p(50)} s, p99 ${p(99)} s, max ${p(100)} s`,
    `  resync (restart)   ${f.resyncWrites} writes, settled in ${d(f.resyncSeconds)} s, peak RSS ${d(f.resyncPeakRssMb)} MB`,
    '  heap per cached object (this process, after gc):',
    f.cacheHeap,
  ].join('\n');
}

async function main(): Promise<void> {
  if (SIZES.length === 0) throw new Error('no sizes: SCALE_SIZES=100,1000 or an argument like 100,1000');
  const results: Figures[] = [];
  for (const size of SIZES) {
    const f = await runSize(size);
    results.push(f);
    process.stdout.write(`${report(f)}\n`);
  }
  // The baseline: the first size's run, or the mean of its runs when it is listed again (SCALE_SIZES=500,5000,500
  // brackets the big run, so a drift of the machine's pace during it shows and does not land on one side).
  const first = results[0] as Figures;
  const baseRuns = results.filter((f) => f.size === first.size);
  const mean = (pick: (f: Figures) => number) => baseRuns.reduce((n, f) => n + pick(f), 0) / baseRuns.length;
  const base = {
    size: first.size,
    seconds: mean((f) => f.seconds),
    writesPerComponent: mean((f) => f.writesPerComponent),
    apiserverCpuPerComponent: mean((f) => f.apiserverCpuPerComponent),
    managerCpuPerComponent: mean((f) => f.managerCpuPerComponent),
    rssPer1000: mean((f) => f.rssPer1000),
    probes: baseRuns.flatMap((f) => f.probes),
  };
  const others = results.filter((f) => f.size !== first.size);
  if (others.length > 0) {
    const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const runs = baseRuns.length > 1 ? `, the mean of its ${baseRuns.length} runs` : '';
    process.stdout.write(`ratios to ${base.size} components${runs} (per component; 1.00× = flat):\n`);
    for (const f of others) {
      process.stdout.write(
        `  ${f.size}: time ${r(f.seconds / f.size, base.seconds / base.size)}, writes ${r(f.writesPerComponent, base.writesPerComponent)}, apiserver CPU ${r(f.apiserverCpuPerComponent, base.apiserverCpuPerComponent)}, manager CPU ${r(f.managerCpuPerComponent, base.managerCpuPerComponent)}, RSS per 1,000 cached ${r(f.rssPer1000, base.rssPer1000)}, probe p99 ${r(percentile(f.probes, 99), percentile(base.probes, 99))}\n`,
      );
    }
  }
}

await main();
