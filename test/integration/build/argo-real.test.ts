/**
 * Opt-in (CHOREOCTL_REAL_ARGO=1, and the binary built: src/local/argo-controller.ts): Argo's own
 * workflow-controller against a control plane of its own with one kwok node. It checks the part of Argo's loop
 * that can run without containers: Argo accepts the Workflow, starts it, and creates the first step's pod,
 * which kwok runs. The executor inside that pod never runs here, so no step reports outputs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { applyCrds } from '../../../src/kube/crds.js';
import { KUBE_REF, type WorkflowObject } from '../../../src/kube/kinds.js';
import { findArgoController } from '../../../src/local/argo-controller.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { newClient, until } from '../helpers.js';

const binary = findArgoController();
const enabled = process.env.CHOREOCTL_REAL_ARGO === '1' && binary !== undefined;
const NS = 'openchoreo-ci-argo';
let cp: ControlPlane;
let client: KubeClient;
let proc: ReturnType<typeof spawn> | undefined;
const out: string[] = [];

describe.runIf(enabled)("Argo's workflow-controller on simulated nodes", () => {
  beforeAll(async () => {
    cp = await startControlPlane({ name: 'choreoctl-argo', nodes: 1 });
    client = newClient(cp.admin.kubeconfig);
    const mod = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
    const dir = join(mod, 'github.com/argoproj/argo-workflows/v3@v3.7.3/manifests/base/crds/full');
    const crds = readdirSync(dir)
      .filter((f) => f.startsWith('argoproj.io_'))
      .flatMap((f) =>
        parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject),
      );
    await applyCrds(client, crds, { fieldManager: 'test', timeoutMs: 300_000 });
    client.close();
    client = newClient(cp.admin.kubeconfig); // discovery afresh: the Argo kinds are served now
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await client.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'workflow-sa', namespace: NS },
    });
    // Argo reads its configuration from this ConfigMap in its own namespace (out of cluster: the kubeconfig's,
    // `default`) and stops without it.
    for (const namespace of [NS, 'default']) {
      await client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'workflow-controller-configmap', namespace },
        data: {},
      });
    }
    proc = spawn(
      binary as string,
      [
        '--kubeconfig',
        cp.admin.kubeconfig,
        '--namespaced',
        '--managed-namespace',
        NS,
        '--executor-image',
        'argoexec:unused',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ARGO_NAMESPACE: NS, LEADER_ELECTION_IDENTITY: 'choreoctl-test' },
      },
    );
    proc.stdout?.on('data', (b: Buffer) => out.push(b.toString()));
    proc.stderr?.on('data', (b: Buffer) => out.push(b.toString()));
  }, 600_000);

  afterAll(async () => {
    proc?.kill('SIGTERM');
    client?.close();
    await cp?.stop();
  });

  it('starts the Workflow and creates the step pod, which kwok runs', async () => {
    await client.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'probe', namespace: NS },
      spec: {
        serviceAccountName: 'workflow-sa',
        entrypoint: 'main',
        templates: [{ name: 'main', container: { image: 'busybox', command: ['true'] } }],
      },
    });
    const running = await until(
      async () => {
        const wf = await client.getOrUndefined<WorkflowObject>(KUBE_REF.Workflow, 'probe', { namespace: NS });
        return wf?.status?.phase === 'Running' || wf?.status?.phase === 'Failed' ? wf : undefined;
      },
      `Argo to start the Workflow (controller output: ${out.join('').slice(-2000)})`,
      120_000,
    );
    expect(running.status?.phase, JSON.stringify(running.status)).toBe('Running');
    const pods = await until(
      async () => (await client.list<KubeObject>(KUBE_REF.Pod, { namespace: NS })).items,
      'the step pod',
      60_000,
    );
    expect(pods[0]?.metadata?.labels?.['workflows.argoproj.io/workflow']).toBe('probe');
  }, 300_000);
});
