/**
 * Benchmark (run on demand: `npm run bench:apiserver-ops`): what one write of each kind the controllers send costs
 * kube-apiserver, in CPU milliseconds per request (from /proc), on a control plane this script starts with every
 * CRD installed. The controllers' throughput is bound by the apiserver on a small machine, so this is the cost
 * model behind their choice of verbs (create vs server-side apply, status apply vs merge patch, events).
 * Each row runs N requests at concurrency 8; a ConfigMap create is the baseline every row is divided by.
 */
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';
import { cpuSeconds, installAllCrds, pool } from './lib.js';

const N = Number(process.env.BENCH_OPS ?? 300);
const NS = 'ops';
const COMPONENTS: GVR = {
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource: 'components',
  namespaced: true,
};
const BINDINGS: GVR = {
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource: 'servicebindings',
  namespaced: true,
};

const names = (p: string) => Array.from({ length: N }, (_, i) => `${p}-${i}`);
const component = (name: string): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: NS },
  spec: { owner: { projectName: 'default' }, type: 'Service' },
});
const readyStatus = (n: number) => ({
  observedGeneration: 1,
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'Progressing',
      message: `step ${n}`,
      lastTransitionTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      observedGeneration: 1,
    },
  ],
});
const release = (name: string, image: string): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Release',
  metadata: { name, namespace: NS },
  spec: {
    owner: { projectName: 'default', componentName: name },
    environmentName: 'development',
    resources: [
      {
        id: `${name}-deployment`,
        object: {
          ...deployment(name),
          spec: {
            ...(deployment(name).spec as object),
            template: {
              metadata: { labels: { app: name } },
              spec: {
                containers: [
                  {
                    name: 'main',
                    image,
                    ports: [{ containerPort: 8080 }],
                    env: Array.from({ length: 8 }, (_, i) => ({ name: `VAR_${i}`, value: `value-${i}` })),
                  },
                ],
              },
            },
          },
        },
      },
      {
        id: `${name}-service`,
        object: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: NS },
          spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
        },
      },
      {
        id: `${name}-cell`,
        object: {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNetworkPolicy',
          metadata: { name, namespace: NS },
          spec: {
            endpointSelector: { matchLabels: { app: name } },
            ingress: [{ fromEndpoints: [{}] }],
            egress: [{ toEndpoints: [{}] }],
          },
        },
      },
    ],
  },
});
const deployment = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS, labels: { app: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'main', image: `registry.local/${name}:1`, ports: [{ containerPort: 8080 }] }],
      },
    },
  },
});
const binding = (name: string): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'ServiceBinding',
  metadata: { name, namespace: NS },
  spec: {
    owner: { projectName: 'default', componentName: name },
    environment: 'development',
    className: 'default',
    workloadSpec: {
      containers: { main: { image: `registry.local/${name}:1` } },
      endpoints: { http: { type: 'REST', port: 8080 } },
    },
  },
});

async function main(): Promise<void> {
  const cp = await startControlPlane({ name: 'choreoctl-bench-ops', progress: () => {} });
  const client = new KubeClient(loadConnection({ kubeconfig: cp.admin.kubeconfig }));
  const apiPid = cp.pids()[1] ?? 0;
  const etcdPid = cp.pids()[0] ?? 0;
  try {
    await installAllCrds(client);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // Warm every storage up (the apiserver builds a CRD's serving state on its first request).
    for (const r of [COMPONENTS, BINDINGS]) await client.list(r, { namespace: NS });
    await new Promise((r) => setTimeout(r, 2000));

    const rows: [string, number, number, number][] = [];
    const run = async (label: string, items: string[], fn: (n: string, i: number) => Promise<unknown>) => {
      const a0 = cpuSeconds(apiPid);
      const e0 = cpuSeconds(etcdPid);
      const t0 = performance.now();
      let i = 0;
      await pool(items, 8, (n) => fn(n, i++));
      const ms = performance.now() - t0;
      rows.push([
        label,
        ((cpuSeconds(apiPid) - a0) * 1000) / items.length,
        ((cpuSeconds(etcdPid) - e0) * 1000) / items.length,
        ms / items.length,
      ]);
    };
    const fm = { fieldManager: 'ops', force: true, namespace: NS };

    await run('ConfigMap create', names('cm'), (n) =>
      client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: n, namespace: NS },
        data: { a: n },
      }),
    );
    await run('Component create', names('cc'), (n) => client.create(component(n)));
    await run('Component apply (new)', names('ca'), (n) => client.apply(component(n), fm));
    await run('Component apply (unchanged)', names('ca'), (n) => client.apply(component(n), fm));
    await run('Component status apply', names('ca'), (n, i) =>
      client.applyStatus(
        {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Component',
          metadata: { name: n, namespace: NS },
          status: readyStatus(i % 50),
        },
        fm,
      ),
    );
    await run('Component status merge patch', names('cc'), (n, i) =>
      client.patchStatus(COMPONENTS, n, { status: readyStatus(i % 50) }, { namespace: NS }),
    );
    await run('Component merge patch (finalizer)', names('cc'), (n) =>
      client.patch(COMPONENTS, n, { metadata: { finalizers: ['openchoreo.dev/x'] } }, { namespace: NS }),
    );
    await run('ServiceBinding apply (new)', names('sb'), (n) => client.apply(binding(n), fm));
    await run('ServiceBinding create', names('sc'), (n) => client.create(binding(n)));
    await run('Release apply (new)', names('rl'), (n) => client.apply(release(n, 'img:1'), fm));
    await run('Release apply (changed)', names('rl'), (n) => client.apply(release(n, 'img:2'), fm));
    await run('Deployment apply (new)', names('da'), (n) => client.apply(deployment(n), fm));
    await run('Deployment create', names('dc'), (n) => client.create(deployment(n)));
    await run('Event create', names('ev'), (n) =>
      client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${n}.1`, namespace: NS },
        involvedObject: { kind: 'Component', name: n, namespace: NS, apiVersion: 'openchoreo.dev/v1alpha1' },
        reason: 'Test',
        message: 'something happened',
        type: 'Normal',
        source: { component: 'ops' },
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        count: 1,
      }),
    );
    await run('Component get', names('cc'), (n) => client.get(COMPONENTS, n, { namespace: NS }));

    const base = rows[0]?.[1] ?? 1;
    const w = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`apiserver CPU per request (N=${N}, concurrency 8), ratio to a ConfigMap create\n`);
    for (const [label, api, etcd, wall] of rows) {
      process.stdout.write(
        `${label.padEnd(w)}  apiserver ${api.toFixed(2)} ms (${(api / base).toFixed(2)}×)  etcd ${etcd.toFixed(2)} ms  wall ${wall.toFixed(2)} ms\n`,
      );
    }
  } finally {
    client.close();
    await cp.stop();
  }
}

await main();
