/**
 * `choreoctl create build --wait` and `logs build -f` as processes (the BUILT CLI; `npm run build` first) against
 * a control plane of their own with one simulated node (kube-scheduler + kwok) and the controllers running in this
 * process. The BuildPlane is that cluster, with the Argo CRDs and a minimal `docker` ClusterWorkflowTemplate.
 *
 * No Argo workflow-controller runs here: the test plays Argo's part, as Argo would through the apiserver — it
 * creates the step pods of the Workflow (labelled with the workflow, container `main`; kwok runs them and serves
 * their log from its CRI file) and writes the Workflow's status (nodes, phases, outputs). Everything else is real:
 * the CLI creates the Build, the Build controller creates and follows the Workflow, applies the Workload.
 */
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BuildSteps } from '../../src/api/build-templates.js';
import type { KubeObject } from '../../src/kube/client.js';
import { KUBE_REF, type WorkflowNode, type WorkflowObject } from '../../src/kube/kinds.js';
import { criLogLine } from '../../src/local/kwok.js';
import { ordersWorkload } from '../integration/build/fixtures.js';
import { conditionOf, until } from '../integration/helpers.js';
import { acmePlatformAnd, bin, collect, e2ePlatform, node } from './harness.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const CI = 'openchoreo-ci-acme';

const template: KubeObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ClusterWorkflowTemplate',
  metadata: { name: 'docker' },
  spec: {
    entrypoint: 'build-workflow',
    templates: [
      { name: 'build-workflow', steps: Object.values(BuildSteps).map((s) => [{ name: s, template: s }]) },
      ...Object.values(BuildSteps).map((s) => ({
        name: s,
        container: { image: 'busybox', command: ['true'] },
      })),
    ],
  },
};

const platform = e2ePlatform({
  name: 'choreoctl-e2e-build',
  nodes: 1,
  // orders without its Build and Workload (the builds here make them), and the `docker` template
  objects: () => [
    ...acmePlatformAnd((d) => d.metadata?.name === 'orders' && d.kind !== 'Build' && d.kind !== 'Workload'),
    template,
  ],
  fieldManager: 'e2e-build',
  timeoutMs: 400_000,
});
const { cli } = platform;
let server: ServerProcess | undefined;

/** The Workflow the controller created for the Build `create build` printed. */
async function workflowOf(stdout: () => string): Promise<WorkflowObject> {
  const build = await until(
    () => /build\.openchoreo\.dev\/(\S+) created/.exec(stdout())?.[1],
    'the created build',
  );
  return until(async () => {
    const list = await platform.client.list<WorkflowObject>(KUBE_REF.Workflow, { namespace: CI });
    return list.items.find((w) => w.metadata?.labels?.['build-name'] === build);
  }, `the Workflow of ${build}`);
}

/** Play Argo: a pod per step that ran (kwok runs it; each is running before the status says so), then the Workflow's status. */
async function argoRuns(
  wf: WorkflowObject,
  steps: [string, string, Partial<WorkflowNode>?][],
  phase: string,
) {
  const name = wf.metadata?.name ?? '';
  const nodes: Record<string, WorkflowNode> = {};
  for (const [i, [step, stepPhase, extra]] of steps.entries()) {
    const pod = `${name}-${step}-${1000 + i}`;
    await platform.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace: CI, labels: { 'workflows.argoproj.io/workflow': name } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
    });
    const running = await until(
      async () => {
        const p = await platform.client.getOrUndefined<KubeObject>(KUBE_REF.Pod, pod, { namespace: CI });
        return (p?.status as { phase?: string } | undefined)?.phase === 'Running' ? p : undefined;
      },
      `step pod ${pod} running`,
      60_000,
    );
    // as Argo's controller records where the step's pod was scheduled
    const hostNodeName = (running.spec as { nodeName?: string } | undefined)?.nodeName;
    nodes[pod] = {
      ...(hostNodeName ? { hostNodeName } : {}),
      id: pod,
      name: `${name}[${i}].${step}`,
      displayName: step,
      templateName: step,
      type: 'Pod',
      phase: stepPhase,
      startedAt: new Date(Date.now() + i * 1000).toISOString(),
      ...extra,
    };
  }
  await platform.client.patch(KUBE_REF.Workflow, name, { status: { phase, nodes } }, { namespace: CI });
}

beforeAll(async () => {
  // api mode: the same commands through `choreoctl server` in front of this control plane
  const { cp, env } = platform;
  server = await startServerProcess(
    node,
    bin,
    ['--kubeconfig', cp.admin.kubeconfig, '--addr', '127.0.0.1:0'],
    env,
  );
  await writeFile(
    env.CHOREOCTL_CONFIG as string,
    `apiVersion: choreoctl.openchoreo.dev/v1alpha1
kind: Config
currentContext: direct
contexts:
  - {name: direct, mode: direct, kubeconfig: ${cp.admin.kubeconfig}}
  - {name: api, mode: api, apiUrl: "${server.url}", token: "${cp.admin.token}"}
`,
    { mode: 0o600 },
  );
}, 100_000);

afterAll(async () => {
  await server?.stop();
});

let failedBuild = '';

/**
 * Runs `create build … --wait` while playing a successful Argo run whose clone step reports `revision`; returns
 * the process's result and the image the push step reported.
 */
async function succeededBuild(args: string[], revision: string) {
  const proc = cli(args);
  const wf = await workflowOf(collect(proc).text);
  const image = `registry.example/acme/storefront-orders:default-${revision}`;
  const workload = ordersWorkload(image);
  const param = (name: string, value: string) => ({ outputs: { parameters: [{ name, value }] } });
  await argoRuns(
    wf,
    [
      [BuildSteps.clone, 'Succeeded', param('git-revision', revision)],
      [BuildSteps.build, 'Succeeded'],
      [BuildSteps.push, 'Succeeded', param('image', image)],
      [BuildSteps.workloadCreate, 'Succeeded', param('workload-cr', stringify(workload))],
    ],
    'Succeeded',
  );
  return { r: await proc, image };
}

describe('choreoctl create build --wait', () => {
  it('exits 0 once the build succeeded and its Workload is applied', async () => {
    const { r, image } = await succeededBuild(
      ['create', 'build', 'orders', '-n', 'acme', '--project', 'storefront', '--wait'],
      '4f9c2e1a',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`succeeded: built ${image}; Workload "orders" applied`);
    const wl = await platform.client.get<KubeObject>(
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Workload' },
      'orders',
      {
        namespace: 'acme',
      },
    );
    expect(JSON.stringify(wl.spec)).toContain(image);
  }, 180_000);

  it('works the same through the REST server (api mode): progress, then exit 0 naming the image', async () => {
    const { r, image } = await succeededBuild(
      ['--context', 'api', 'create', 'build', 'orders', '-n', 'acme', '--commit', '9a8b7c6', '--wait'],
      '9a8b7c6',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`succeeded: built ${image}; Workload "orders" applied`);
  }, 180_000);

  it('exits 1 naming the failed step and the message of Argo', async () => {
    const proc = cli(['create', 'build', 'orders', '-n', 'acme', '--commit', 'abc1234', '--wait']);
    const wf = await workflowOf(collect(proc).text);
    failedBuild = wf.metadata?.labels?.['build-name'] ?? '';
    await argoRuns(
      wf,
      [
        [BuildSteps.clone, 'Succeeded'],
        [BuildSteps.build, 'Failed', { message: 'Error (exit code 1): no Dockerfile at /services/orders' }],
      ],
      'Failed',
    );
    const r = await proc;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `error: build ${failedBuild} failed at step build-step: step build-step failed: Error (exit code 1): no Dockerfile at /services/orders`,
    );
  }, 180_000);
});

describe('a build whose step sits on a simulated node', () => {
  it('create build --wait says so once and exits 1 instead of waiting for the timeout', async () => {
    const proc = cli(['create', 'build', 'orders', '-n', 'acme', '--commit', 'feedbee', '--wait']);
    const wf = await workflowOf(collect(proc).text);
    const build = wf.metadata?.labels?.['build-name'] ?? '';
    // Argo starts the clone step; its pod runs on the kwok node, and nothing reports its end.
    await argoRuns(wf, [[BuildSteps.clone, 'Running']], 'Running');
    const r = await proc;
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: build ${build} will not finish: step clone-step runs on simulated node "[^"]+" \\(kwok\\)`,
        'm',
      ),
    );
    expect(r.stderr).toContain(`It stays Running (choreoctl get build ${build})`);
    expect(r.stderr.match(/simulated node/g)).toHaveLength(1);
    await platform.client.delete({ apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Build' }, build, {
      namespace: 'acme',
    });
  }, 180_000);
});

describe('choreoctl create build --follow', () => {
  it("prints the final step's last lines even when the build ends before the follow read them", async () => {
    // Every simulated container logs this file: the last line any step logged before the build ended.
    const marker = `workload written ${Date.now()}`;
    appendFileSync(platform.logFile, criLogLine(marker));
    const { r } = await succeededBuild(
      ['create', 'build', 'orders', '-n', 'acme', '--commit', 'f00dfeed', '--follow'],
      'f00dfeed',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`=== workload-create-step ===\\n(.*\\n)*.*${marker}`));
    expect(r.stdout).toContain('succeeded: built');
  }, 180_000);
});

describe('choreoctl logs build -f', () => {
  it("prints each step's log under a header", async () => {
    // kwok serves every simulated container's log from one file: the lines appear under each step.
    expect(failedBuild).not.toBe('');
    await until(
      async () =>
        (await platform.client.list<KubeObject>(KUBE_REF.Pod, { namespace: CI })).items.filter(
          (p) =>
            p.metadata?.labels?.['workflows.argoproj.io/workflow']?.startsWith(failedBuild) &&
            conditionOf(p)?.status === 'True',
        ).length === 2,
      'the two step pods of the failed build running',
      120_000,
    );
    const marker = `cloning into /mnt/vol/source ${Date.now()}`;
    appendFileSync(platform.logFile, criLogLine(marker));
    const proc = cli(['logs', 'build', failedBuild, '-n', 'acme', '-f']);
    const out = collect(proc);
    const text = await out.until(
      (o) =>
        o.includes('=== clone-step ===') && o.includes('=== build-step ===') && o.split(marker).length > 2,
      'both step headers, each followed by the lines',
    );
    proc.kill('SIGINT');
    const r = await proc;
    expect(r.exitCode).toBe(0);
    expect(text).toMatch(new RegExp(`=== clone-step ===\\n(.*\\n)*.*${marker}`));
  }, 180_000);
});
