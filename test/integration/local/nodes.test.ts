/**
 * Simulated nodes: a control plane of its own with kube-scheduler and kwok (3 nodes), the controllers, and
 * examples/acme applied. Pods are placed by the real scheduler, run and become Ready by kwok's stages, and
 * Deployments become Available through the real kube-controller-manager — so bindings and components reach
 * Ready=True on their own. Also: a ScheduledTask's CronJob runs a Job to completion, a Job pod can be told to
 * fail, a Deployment no node fits names the scheduler's reason, pods/log reaches kwok through the apiserver,
 * and deleted pods go away.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortForApply } from '../../../src/api/index.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { criLogLine, EXIT_CODE_ANNOTATION } from '../../../src/local/kwok.js';
import {
  acmeExampleDocuments,
  conditionOf,
  installCrds,
  installExternalCrds,
  newClient,
  until,
} from '../helpers.js';

const core = (resource: string): GVR => ({ group: '', version: 'v1', resource, namespaced: true });
const PODS = core('pods');
const NODES: GVR = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const JOBS: GVR = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true };
const oc = (resource: string): GVR => ({
  group: 'openchoreo.dev',
  version: 'v1alpha1',
  resource,
  namespaced: true,
});
const COMPONENTS = oc('components');
const RELEASES = oc('releases');
const BINDINGS = ['servicebindings', 'webapplicationbindings', 'apibindings', 'scheduledtaskbindings'].map(
  oc,
);

let cp: ControlPlane;
let client: KubeClient;
let ctrl: RunningControllers;

const ownerOf = (o: KubeObject) =>
  ((o.spec ?? {}) as { owner?: { componentName?: string } }).owner?.componentName ?? '';
const envOf = (o: KubeObject) => ((o.spec ?? {}) as { environment?: string }).environment;

async function bindingOf(component: string, env = 'dev'): Promise<KubeObject | undefined> {
  for (const ref of BINDINGS) {
    const items = (await client.list(ref, { namespace: 'acme' })).items;
    const b = items.find((o) => ownerOf(o) === component && envOf(o) === env);
    if (b) return b;
  }
  return undefined;
}

async function applyAll(docs: KubeObject[]): Promise<void> {
  for (const doc of sortForApply(docs)) {
    await until(
      async () => client.apply(doc, { fieldManager: 'nodes-test', force: true }).then(() => true),
      `${doc.kind}/${doc.metadata?.name} to apply`,
      60_000,
    );
  }
}

/** A component of the given type with one container, its Workload and its instance (Service / ScheduledTask). */
function component(name: string, type: 'Service' | 'ScheduledTask', className: string): KubeObject[] {
  const owner = { projectName: 'back-office', componentName: name };
  return [
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace: 'acme' },
      spec: { owner: { projectName: 'back-office' }, type },
    },
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name, namespace: 'acme' },
      spec: { owner, containers: { main: { image: `ghcr.io/acme/${name}:1.0.0` } } },
    },
    {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: type,
      metadata: { name, namespace: 'acme' },
      spec: { owner, workloadName: name, className },
    },
  ];
}

beforeAll(async () => {
  cp = await startControlPlane({ name: 'choreoctl-nodes', nodes: 3 });
  client = newClient(cp.admin.kubeconfig);
  await installCrds(client);
  await installExternalCrds(client);
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  await applyAll(acmeExampleDocuments());
}, 300_000);

afterAll(async () => {
  await ctrl?.stop();
  client?.close();
  await cp?.stop();
});

describe('simulated nodes (kube-scheduler + kwok)', () => {
  it('registers Ready nodes sized for the examples', async () => {
    const nodes = (await client.list(NODES)).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['kwok-node-0', 'kwok-node-1', 'kwok-node-2']);
    for (const n of nodes) {
      expect(conditionOf(n)?.status).toBe('True');
      expect((n.status as { allocatable: Record<string, string> }).allocatable.cpu).toBe('4');
    }
  });

  it('Service, WebApplication and API components of the examples reach Ready=True on their own', async () => {
    const components = (await client.list(COMPONENTS, { namespace: 'acme' })).items.filter(
      (c) => (c.spec as { type?: string }).type !== 'ScheduledTask',
    );
    expect(components.map((c) => c.metadata?.name).sort()).toEqual(
      expect.arrayContaining(['catalog', 'orders', 'reports', 'web-shop']),
    );
    for (const c of components) {
      const name = c.metadata?.name ?? '';
      const binding = await until(
        async () => {
          const b = await bindingOf(name);
          return conditionOf(b)?.status === 'True' ? b : undefined;
        },
        `the dev binding of ${name} to be Ready`,
        180_000,
      );
      expect(conditionOf(binding)?.message).toMatch(/^All \d+ resources are deployed and healthy$/);
      const ready = await until(
        async () => {
          const got = await client.get(COMPONENTS, name, { namespace: 'acme' });
          return conditionOf(got)?.status === 'True' ? conditionOf(got) : undefined;
        },
        `component ${name} to be Ready`,
        60_000,
      );
      expect(ready.status).toBe('True');
    }
    // The pods really run on the simulated nodes, placed by the scheduler, and are Ready.
    const catalogPods = (await client.list(PODS, { labelSelector: 'component-name=catalog' })).items;
    expect(catalogPods.length).toBeGreaterThan(0);
    for (const p of catalogPods) {
      expect((p.spec as { nodeName?: string }).nodeName).toMatch(/^kwok-node-\d$/);
      expect(conditionOf(p)?.status).toBe('True');
    }
  }, 400_000);

  it('a ScheduledTask’s CronJob runs a Job to completion, and that shows in the Release status', async () => {
    await applyAll([
      {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'ScheduledTaskClass',
        metadata: { name: 'every-minute', namespace: 'acme' },
        spec: { cronJobTemplate: { schedule: '* * * * *', jobTemplate: { spec: { backoffLimit: 0 } } } },
      },
      ...component('ticker', 'ScheduledTask', 'every-minute'),
    ]);
    // The CronJob controller starts a Job at the next full minute; kwok completes its pod a second later. (A
    // CronJob waiting for its first run already counts as healthy, so the wait is for the run itself.)
    type CronEntry = { kind: string; healthStatus?: string; status?: { lastSuccessfulTime?: string } };
    const cron = await until(
      async () => {
        const b = await bindingOf('ticker');
        if (conditionOf(b)?.status !== 'True') return undefined;
        const release = await client.getOrUndefined(RELEASES, b?.metadata?.name ?? '', { namespace: 'acme' });
        const entry = ((release?.status ?? {}) as { resources?: CronEntry[] }).resources?.find(
          (r) => r.kind === 'CronJob',
        );
        return entry?.status?.lastSuccessfulTime ? entry : undefined;
      },
      'the ticker binding Ready and its CronJob with a successful run in the Release status',
      150_000,
    );
    expect(cron.healthStatus).toBe('Healthy');
    const jobs = (await client.list(JOBS, { labelSelector: 'component-name=ticker' })).items;
    expect(jobs.some((j) => (j.status as { succeeded?: number }).succeeded === 1)).toBe(true);
  }, 200_000);

  it('a Job pod annotated with an exit code fails with it', async () => {
    const job = await client.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'fails', namespace: 'default' },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { [EXIT_CODE_ANNOTATION]: '3' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
        },
      },
    });
    const failed = await until(
      async () => {
        const j = await client.get(JOBS, job.metadata?.name ?? '', { namespace: 'default' });
        return conditionOf(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'the Job to fail',
      60_000,
    );
    expect(conditionOf(failed, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    const [pod] = (await client.list(PODS, { namespace: 'default', labelSelector: 'job-name=fails' })).items;
    const status = pod?.status as
      | { containerStatuses?: { state: { terminated?: { exitCode: number } } }[] }
      | undefined;
    expect(status?.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(3);
  });

  it('a Deployment no node fits names the object and the scheduler’s message', async () => {
    await applyAll([
      {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'ServiceClass',
        metadata: { name: 'huge', namespace: 'acme' },
        spec: {
          deploymentTemplate: {
            template: {
              spec: { containers: [{ name: 'main', resources: { requests: { cpu: '64', memory: '1Gi' } } }] },
            },
          },
        },
      },
      ...component('hog', 'Service', 'huge'),
    ]);
    const ready = await until(
      async () => {
        const c = conditionOf(await bindingOf('hog'));
        return c?.message.includes('PodsUnschedulable') ? c : undefined;
      },
      'the hog binding to report the unschedulable pod',
      120_000,
    );
    expect(ready.status).toBe('False');
    expect(ready.message).toMatch(
      /Deployment [a-z0-9-]+\/hog-[a-z0-9-]+: pod hog-[a-z0-9-]+: 0\/3 nodes are available/,
    );
    expect(ready.message).toContain('Insufficient cpu');
  }, 150_000);

  it('serves pods/log through the apiserver from kwok, and deleted pods go away', async () => {
    const [pod] = (await client.list(PODS, { labelSelector: 'component-name=reports' })).items;
    const ns = pod?.metadata?.namespace ?? '';
    const name = pod?.metadata?.name ?? '';
    const marker = `hello from the nodes test ${Date.now()}`;
    appendFileSync(cp.nodes?.logFile ?? '', criLogLine(marker));
    const lines: string[] = [];
    for await (const line of client.logs(ns, name, { container: 'main', tailLines: 5 })) lines.push(line);
    expect(lines.at(-1)).toBe(marker);

    await client.delete(PODS, name, { namespace: ns });
    await until(
      async () => (await client.getOrUndefined(PODS, name, { namespace: ns })) === undefined,
      'the deleted pod to go away',
      60_000,
    );
  });
});
