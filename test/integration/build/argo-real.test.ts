/**
 * Builds with Argo's real workflow-controller (v3.7.3, the version of the CRDs we install), run whenever the
 * binary is cached (src/local/argo-controller.ts; `npm run setup -- --with-argo` builds it), on a control plane of
 * its own with a kwok node and kube-controller-manager's hostPath provisioner (the templates' workspace claim).
 *
 * Real: our controllers (Build → Workflow → Workload → Service → binding → Release → the data plane's Deployment),
 * the ClusterWorkflowTemplates `choreoctl install` ships (docker), and all of Argo's controller: it resolves the
 * template, creates the workspace PVC and one pod per step in order, passes outputs to the next step's inputs,
 * turns pod ends into node phases and failure messages, and ends the Workflow.
 *
 * Played (./argo-executor.ts): only argoexec inside each step pod, since no container runs here. When a step pod
 * runs, the test writes the step's WorkflowTaskResult (its output parameters, what the step's script would have
 * written: the commit, the pushed image, and for workload-create the Workload our real `create workload
 * --descriptor` code makes from a descriptor) and the exit code of the step's process, from which kwok ends the
 * pod.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BuildOutputs, BuildSteps } from '../../../src/api/build-templates.js';
import { STEP_ON_SIMULATED_NODE } from '../../../src/api/kinds/build.js';
import { buildNamespaceName, dataPlaneNamespaceName, workflowName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF, type WorkflowObject } from '../../../src/kube/kinds.js';
import {
  ARGO_BUILD_COMMAND,
  findArgoController,
  type RunningArgo,
  startArgoController,
} from '../../../src/local/argo-controller.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { buildTemplateObjects } from '../../../src/services/build-templates.js';
import { workloadFromDescriptor } from '../../../src/services/workload-descriptor.js';
import {
  conditionOf,
  installCrds,
  installExternalCrds,
  newClient,
  uniqueName,
  until,
  waitReady,
} from '../helpers.js';
import { runningSteps, type StepPod, stepEnded } from './argo-executor.js';
import { buildPlane, ordersBuild, orgDocuments } from './fixtures.js';

const binary = findArgoController();
if (!binary) {
  console.warn(
    `argo-real.test.ts skipped: Argo's workflow-controller is not in the cache; \`${ARGO_BUILD_COMMAND}\` builds it`,
  );
}
const org = uniqueName('argo');
const ciNs = buildNamespaceName(org);
const REGISTRY = 'registry.openchoreo-data-plane:5000';
/** The developer's descriptor in the repository (services/orders/workload.yaml). */
const DESCRIPTOR = `apiVersion: openchoreo.dev/v1alpha1
metadata:
  name: orders
endpoints:
  - name: orders-api
    type: REST
    port: 8080
`;

let cp: ControlPlane;
let client: KubeClient;
let ctrl: RunningControllers | undefined;
let argo: RunningArgo | undefined;
const logs: string[] = [];

const build = (name: string, commit: string) => ordersBuild(org, name, 'docker', commit);

/** What each step's process would have written to its output files, from what Argo gave it. */
function outputsOf(step: StepPod): Record<string, string> {
  const { env, args } = step;
  const arg = (flag: string) => args[args.indexOf(flag) + 1] ?? '';
  switch (step.step) {
    case BuildSteps.clone: // git rev-parse HEAD | cut -c1-8 of the commit fetched
      return { [BuildOutputs.gitRevision.name]: (env.COMMIT ?? '').slice(0, 8) };
    case BuildSteps.push: // "$PULL_REGISTRY/$IMAGE_NAME:$IMAGE_TAG-$GIT_REVISION"
      return {
        [BuildOutputs.image.name]:
          `${env.PULL_REGISTRY}/${env.IMAGE_NAME}:${env.IMAGE_TAG}-${env.GIT_REVISION}`,
      };
    case BuildSteps.workloadCreate: {
      // choreoctl create workload --project P --component C --image I --descriptor workload.yaml -o FILE
      const r = workloadFromDescriptor({
        source: { name: arg('--descriptor'), text: DESCRIPTOR },
        project: arg('--project'),
        component: arg('--component'),
        image: arg('--image'),
        readFile: () => {
          throw new Error('the descriptor names no schema file');
        },
      });
      if (!r.ok) throw new Error(`descriptor: ${JSON.stringify(r.errors)}`);
      return { [BuildOutputs.workloadCr.name]: stringify(r.workload) };
    }
    default:
      return {};
  }
}

/**
 * Play the executor of each step of a Build's workflow as Argo starts it, until the workflow ends; `exitCodes`
 * gives a step's process exit code (default 0). Returns the steps in the order Argo ran them.
 */
async function playSteps(
  name: string,
  exitCodes: Record<string, number> = {},
): Promise<{ ran: string[]; end: WorkflowObject }> {
  const wfName = workflowName(name);
  const ran: string[] = [];
  for (;;) {
    const step = await until(
      async () => {
        const wf = await client.getOrUndefined<WorkflowObject>(KUBE_REF.Workflow, wfName, {
          namespace: ciNs,
        });
        const phase = wf?.status?.phase;
        if (wf && (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error'))
          return { done: true as const, wf };
        const [s] = await runningSteps(client, ciNs, wfName);
        return s && wf ? { done: false as const, step: s, wf } : undefined;
      },
      `Argo to run the next step of ${wfName} (after ${ran.join(', ') || 'none'}; controller log: ${argo?.process.logTail(5)})`,
      120_000,
    );
    if (step.done) return { ran, end: step.wf };
    const exitCode = exitCodes[step.step.step] ?? 0;
    await stepEnded(client, step.step, step.wf, {
      exitCode,
      outputs: exitCode === 0 ? outputsOf(step.step) : {},
    });
    ran.push(step.step.step);
  }
}

describe.runIf(binary !== undefined)("Builds with Argo's real workflow-controller", () => {
  beforeAll(async () => {
    cp = await startControlPlane({ name: 'choreoctl-argo', nodes: 1 });
    client = newClient(cp.admin.kubeconfig);
    await installCrds(client);
    await installExternalCrds(client);
    client.close();
    client = newClient(cp.admin.kubeconfig); // discovery afresh: the Argo kinds are served now
    argo = await startArgoController({
      binary: binary as string,
      kubeconfig: cp.admin.kubeconfig,
      logFile: `${cp.dir}/logs/workflow-controller.log`,
    });
    for (const t of buildTemplateObjects({ choreoctlImage: 'ghcr.io/openchoreo/choreoctl:test' })) {
      await client.apply(t, { fieldManager: 'test', force: true });
    }
    for (const d of [...orgDocuments(org), buildPlane(org)]) {
      await client.apply(d, { fieldManager: 'test', force: true });
    }
    ctrl = runControllers({ client, handleSignals: false, log: (m) => logs.push(m) });
    await ctrl.started;
  }, 600_000);

  afterAll(async () => {
    await ctrl?.stop();
    await argo?.stop();
    client?.close();
    await cp?.stop();
  });

  it('runs the docker template step by step; the Build succeeds and the data plane runs the new image', async () => {
    await client.create(build('b1', '4f9c2e1a77'));
    // Before anything plays the executor, the clone step sits on the kwok node, and the Build says so: Argo
    // records the pod's node, which carries kwok's annotation.
    const stuck = await waitReady(client, REF.Build, 'b1', org, 'False', STEP_ON_SIMULATED_NODE, 120_000);
    expect(stuck.message).toMatch(/^step clone-step runs on simulated node "[^"]+" \(kwok\)/);
    const { ran, end } = await playSteps('b1');
    expect(end.status?.phase, JSON.stringify(end.status)).toBe('Succeeded');
    expect(ran).toEqual([BuildSteps.clone, BuildSteps.build, BuildSteps.push, BuildSteps.workloadCreate]);
    const image = `${REGISTRY}/storefront-orders:default-4f9c2e1a`;
    const ready = await waitReady(client, REF.Build, 'b1', org, 'True', 'BuildSucceeded', 60_000);
    expect(ready.message).toContain(image);
    const b = await client.getOrUndefined<KubeObject>(REF.Build, 'b1', { namespace: org });
    expect(b?.status).toMatchObject({ phase: 'Succeeded', commit: '4f9c2e1a', imageStatus: { image } });
    expect(
      ((b?.status as { steps?: { phase: string }[] } | undefined)?.steps ?? []).map((s) => s.phase),
    ).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(conditionOf(b, 'WorkloadUpdated')?.status).toBe('True');
    // Each step pod mounted the workspace claim Argo created: kube-controller-manager's hostPath provisioner bound
    // it, or the scheduler would not have placed a single step.
    const wf = await client.getOrUndefined<WorkflowObject>(KUBE_REF.Workflow, workflowName('b1'), {
      namespace: ciNs,
    });
    expect(wf?.status?.phase).toBe('Succeeded');
    const cell = dataPlaneNamespaceName(org, 'storefront', 'dev');
    const deployment = await until(
      async () => {
        const list = await client.list<KubeObject>(KUBE_REF.Deployment, { namespace: cell });
        return list.items.find((d) => JSON.stringify(d.spec).includes(image));
      },
      'the orders Deployment with the built image',
      120_000,
    );
    expect(deployment.metadata?.labels?.['component-name']).toBe('orders');
  }, 400_000);

  it('a step whose process fails: Argo fails the Workflow and the Build is Failed naming the step', async () => {
    await client.create(build('b2', '0badc0de11'));
    const { ran, end } = await playSteps('b2', { [BuildSteps.build]: 2 });
    expect(end.status?.phase).toBe('Failed');
    expect(ran).toEqual([BuildSteps.clone, BuildSteps.build]);
    const failed = await waitReady(client, REF.Build, 'b2', org, 'False', 'BuildFailed', 60_000);
    expect(failed.message).toBe('step build-step failed: main: Error (exit code 2)');
    const b = await client.getOrUndefined<KubeObject>(REF.Build, 'b2', { namespace: org });
    expect(b?.status).toMatchObject({ phase: 'Failed', step: BuildSteps.build });
  }, 300_000);
});
