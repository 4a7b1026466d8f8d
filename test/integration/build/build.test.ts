/**
 * The Build controller against the harness apiserver, which is both the control plane and the build plane (a
 * BuildPlane without kubernetesCluster): the Argo CRDs are installed, and a minimal ClusterWorkflowTemplate of
 * the four steps. No Argo workflow-controller runs in this file: the test plays exactly Argo's part, writing the
 * Workflow's status (phase, nodes, output parameters) as Argo would, through the apiserver. Everything of ours is
 * real: the controller creates the Workflow, follows it through its informer, applies the Workload, and the
 * Service → binding → Release chain deploys the new image to the data plane.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BuildSteps } from '../../../src/api/build-templates.js';
import { buildNamespaceName, dataPlaneNamespaceName, workflowName } from '../../../src/api/naming.js';
import { REF } from '../../../src/api/refs.js';
import type { KubeObject } from '../../../src/kube/client.js';
import {
  KUBE_REF,
  SIMULATED_NODE_ANNOTATION,
  type WorkflowNode,
  type WorkflowObject,
} from '../../../src/kube/kinds.js';
import { conditionOf, controllerHarness, uniqueName, until, waitReady } from '../helpers.js';
import { buildPlane as fixtureBuildPlane, ordersBuild, ordersWorkload, orgDocuments } from './fixtures.js';

const h = controllerHarness({ externalCrds: () => true });
const org = uniqueName('bld');
const ciNs = buildNamespaceName(org);
const TEMPLATE = uniqueName('tpl');

const buildPlane = fixtureBuildPlane(org);

/** A ClusterWorkflowTemplate with the four steps (what `choreoctl install` ships, minus the scripts). */
const template = (name: string): KubeObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ClusterWorkflowTemplate',
  metadata: { name },
  spec: {
    entrypoint: 'build-workflow',
    templates: [
      {
        name: 'build-workflow',
        steps: Object.values(BuildSteps).map((s) => [{ name: s, template: s }]),
      },
      ...Object.values(BuildSteps).map((s) => ({
        name: s,
        container: { image: 'busybox', command: ['true'] },
      })),
    ],
  },
});

const build = (name: string, commit?: string) => ordersBuild(org, name, TEMPLATE, commit);

const t0 = Date.parse('2026-01-01T10:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString().replace('.000', '');

/** A step node as Argo's controller records it. */
function node(
  wf: string,
  i: number,
  step: string,
  phase: string,
  extra: Partial<WorkflowNode> = {},
): [string, WorkflowNode] {
  const id = `${wf}-${i}`;
  return [
    id,
    {
      id,
      name: `${wf}[${i}].${step}`,
      displayName: step,
      templateName: step,
      type: 'Pod',
      phase,
      startedAt: at(i * 10),
      ...(phase === 'Succeeded' || phase === 'Failed' ? { finishedAt: at(i * 10 + 7) } : {}),
      ...extra,
    },
  ];
}

/** Play Argo's controller: write the Workflow's status (`name`: the Build's). */
async function argoWrites(name: string, status: WorkflowObject['status']): Promise<void> {
  await h.client.patch(KUBE_REF.Workflow, workflowName(name), { status }, { namespace: ciNs });
}

const getWorkflow = (name: string) =>
  h.client.getOrUndefined<WorkflowObject>(KUBE_REF.Workflow, workflowName(name), { namespace: ciNs });
type Params = { parameters?: { name: string; value: string }[] };
const paramsOf = (wf: WorkflowObject | undefined) =>
  Object.fromEntries(((wf?.spec?.arguments ?? {}) as Params).parameters?.map((p) => [p.name, p.value]) ?? []);
const getBuild = (name: string) => h.client.getOrUndefined<KubeObject>(REF.Build, name, { namespace: org });

describe('Build controller', () => {
  it('waits for a BuildPlane, then creates the Workflow from the named template with the Build parameters', async () => {
    const c = h.client;
    for (const d of orgDocuments(org)) await c.apply(d, { fieldManager: 'test', force: true });
    await c.apply(template(TEMPLATE), { fieldManager: 'test', force: true });
    await c.create(build('b1', '4f9c2e1a'));
    const missing = await waitReady(c, REF.Build, 'b1', org, 'False', 'BuildPlaneNotFound', 60_000);
    expect(missing.message).toContain(`no BuildPlane in namespace "${org}"`);

    await c.create(buildPlane);
    const wf = await until(() => getWorkflow('b1'), 'the Workflow of b1', 60_000).catch(async (e) => {
      throw new Error(`${e.message}; b1: ${JSON.stringify((await getBuild('b1'))?.status)}`);
    });
    expect(wf.metadata?.labels).toMatchObject({
      'build-name': 'b1',
      'openchoreo.dev/managed-by': 'build-controller',
    });
    expect(wf.spec).toMatchObject({
      serviceAccountName: 'workflow-sa',
      workflowTemplateRef: { name: TEMPLATE, clusterScope: true },
      ttlStrategy: { secondsAfterCompletion: 3600 },
    });
    const params = paramsOf(wf);
    expect(params).toEqual({
      'project-name': 'storefront',
      'component-name': 'orders',
      'git-repo': 'https://github.com/acme/storefront',
      branch: '',
      commit: '4f9c2e1a',
      'app-path': '/services/orders',
      'image-name': 'storefront-orders',
      'image-tag': 'default',
      'docker-context': '/services/orders',
    });
    // The build plane is prepared: namespace, ServiceAccount, Role, RoleBinding.
    expect(await c.getOrUndefined(KUBE_REF.ServiceAccount, 'workflow-sa', { namespace: ciNs })).toBeDefined();
    expect(
      await c.getOrUndefined(KUBE_REF.RoleBinding, 'workflow-role-binding', { namespace: ciNs }),
    ).toBeDefined();
    const pending = conditionOf(await getBuild('b1'));
    expect(pending?.reason).toBe('BuildPending');
  }, 300_000);

  it('follows Argo: Running names the step; success records commit and image and deploys the Workload', async () => {
    const c = h.client;
    await argoWrites('b1', {
      phase: 'Running',
      startedAt: at(0),
      nodes: Object.fromEntries([
        node('b1', 0, BuildSteps.clone, 'Succeeded', {
          outputs: { parameters: [{ name: 'git-revision', value: '4f9c2e1a' }] },
        }),
        node('b1', 1, BuildSteps.build, 'Running'),
      ]),
    });
    const running = await waitReady(c, REF.Build, 'b1', org, 'False', 'BuildRunning');
    expect(running.message).toContain('step build-step is running');
    const image = `registry.example/${org}/storefront-orders:default-4f9c2e1a`;
    const workload = ordersWorkload(image);
    await argoWrites('b1', {
      phase: 'Succeeded',
      startedAt: at(0),
      finishedAt: at(40),
      nodes: Object.fromEntries([
        node('b1', 0, BuildSteps.clone, 'Succeeded', {
          outputs: { parameters: [{ name: 'git-revision', value: '4f9c2e1a' }] },
        }),
        node('b1', 1, BuildSteps.build, 'Succeeded'),
        node('b1', 2, BuildSteps.push, 'Succeeded', {
          outputs: { parameters: [{ name: 'image', value: image }] },
        }),
        node('b1', 3, BuildSteps.workloadCreate, 'Succeeded', {
          outputs: { parameters: [{ name: 'workload-cr', value: stringify(workload) }] },
        }),
      ]),
    });
    await waitReady(c, REF.Build, 'b1', org, 'True', 'BuildSucceeded');
    const b = (await getBuild('b1')) as KubeObject & {
      status: { phase: string; commit: string; imageStatus: { image: string }; steps: { name: string }[] };
    };
    expect(b.status).toMatchObject({ phase: 'Succeeded', commit: '4f9c2e1a', imageStatus: { image } });
    expect(b.status.steps.map((s) => s.name)).toEqual(Object.values(BuildSteps));
    expect(conditionOf(b, 'WorkloadUpdated')?.status).toBe('True');
    // The Workload drives the existing chain: the data plane's Deployment runs the new image.
    const cell = dataPlaneNamespaceName(org, 'storefront', 'dev');
    const deployment = await until(
      async () => {
        const list = await c.list<KubeObject>(KUBE_REF.Deployment, { namespace: cell });
        return list.items.find((d) => JSON.stringify(d.spec).includes(image));
      },
      'the orders Deployment with the built image',
      120_000,
    );
    expect(deployment.metadata?.labels?.['component-name']).toBe('orders');
  }, 300_000);

  it('a failing step: Failed, naming the step and Argo message', async () => {
    const c = h.client;
    await c.create(build('b2'));
    await until(() => getWorkflow('b2'), 'the Workflow of b2', 60_000);
    await argoWrites('b2', {
      phase: 'Failed',
      message: 'child failed',
      startedAt: at(0),
      finishedAt: at(20),
      nodes: Object.fromEntries([
        node('b2', 0, BuildSteps.clone, 'Succeeded'),
        node('b2', 1, BuildSteps.build, 'Failed', { message: 'Error (exit code 3): no Dockerfile' }),
      ]),
    });
    const failed = await waitReady(c, REF.Build, 'b2', org, 'False', 'BuildFailed');
    expect(failed.message).toBe('step build-step failed: Error (exit code 3): no Dockerfile');
    expect((await getBuild('b2'))?.status as { phase: string; step: string }).toMatchObject({
      phase: 'Failed',
      step: 'build-step',
    });
    const wf = await getWorkflow('b2');
    expect(paramsOf(wf).branch).toBe('release-1');
  }, 120_000);

  it('a workload-create step that prints an invalid Workload: the Build says which field, nothing is applied', async () => {
    // The schema is loaded on a build's first Workload (not at manager start): this is that path's failure.
    const c = h.client;
    await c.create(build('b5'));
    await until(() => getWorkflow('b5'), 'the Workflow of b5', 60_000);
    const bad = ordersWorkload('registry.example/orders:bad');
    await argoWrites('b5', {
      phase: 'Succeeded',
      startedAt: at(0),
      finishedAt: at(30),
      nodes: Object.fromEntries([
        node('b5', 0, BuildSteps.clone, 'Succeeded'),
        node('b5', 1, BuildSteps.build, 'Succeeded'),
        node('b5', 2, BuildSteps.push, 'Succeeded'),
        node('b5', 3, BuildSteps.workloadCreate, 'Succeeded', {
          outputs: {
            parameters: [
              {
                name: 'workload-cr',
                value: stringify({ ...bad, spec: { ...(bad.spec as object), replicaz: 3 } }),
              },
            ],
          },
        }),
      ]),
    });
    const updated = await until(
      async () => conditionOf(await getBuild('b5'), 'WorkloadUpdated'),
      'the WorkloadUpdated condition of b5',
      60_000,
    );
    expect(updated).toMatchObject({ status: 'False', reason: 'WorkloadInvalid' });
    expect(updated.message).toContain('replicaz');
  }, 120_000);

  it('a missing template is a condition, recovered when the template appears', async () => {
    const c = h.client;
    const other = uniqueName('tpl');
    await c.create({
      ...build('b3'),
      spec: { ...(build('b3').spec as object), templateRef: { name: other } },
    });
    const missing = await waitReady(c, REF.Build, 'b3', org, 'False', 'TemplateNotFound');
    expect(missing.message).toContain(`ClusterWorkflowTemplate "${other}" not found on BuildPlane "builds"`);
    await c.apply(template(other), { fieldManager: 'test', force: true });
    await until(() => getWorkflow('b3'), 'the Workflow of b3 once its template exists', 60_000);
    await c.delete(KUBE_REF.ClusterWorkflowTemplate, other);
  }, 120_000);

  it('a step on a simulated node says so, and reads as Running again once its pod is on a real node', async () => {
    const c = h.client;
    // A Node as kwok manages it (its annotation), tainted so nothing else of the shared apiserver lands there.
    const simulated = uniqueName('kwok-node');
    await c.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: simulated, annotations: { [SIMULATED_NODE_ANNOTATION]: 'fake' } },
      spec: { taints: [{ key: 'choreoctl.test/build', effect: 'NoSchedule' }] },
    });
    try {
      await c.create(build('b4'));
      await until(() => getWorkflow('b4'), 'the Workflow of b4', 60_000);
      await argoWrites('b4', {
        phase: 'Running',
        startedAt: at(0),
        nodes: Object.fromEntries([node('b4', 0, BuildSteps.clone, 'Running', { hostNodeName: simulated })]),
      });
      const stuck = await waitReady(c, REF.Build, 'b4', org, 'False', 'StepOnSimulatedNode');
      expect(stuck.message).toContain(`step clone-step runs on simulated node "${simulated}"`);
      expect(stuck.message).toContain('it will not finish unless its result is reported');
      expect((await getBuild('b4'))?.status).toMatchObject({ phase: 'Running', step: 'clone-step' });
      // The next step on a node that is no kwok node (here: one that does not exist) is plain Running.
      await argoWrites('b4', {
        phase: 'Running',
        startedAt: at(0),
        nodes: Object.fromEntries([
          node('b4', 0, BuildSteps.clone, 'Succeeded', { hostNodeName: simulated }),
          node('b4', 1, BuildSteps.build, 'Running', { hostNodeName: uniqueName('real-node') }),
        ]),
      });
      const running = await waitReady(c, REF.Build, 'b4', org, 'False', 'BuildRunning');
      expect(running.message).toContain('step build-step is running');
    } finally {
      await c.delete(KUBE_REF.Node, simulated);
      await c.delete(REF.Build, 'b4', { namespace: org });
    }
  }, 120_000);

  it('deleting a Build deletes its Workflow', async () => {
    const c = h.client;
    await c.delete(REF.Build, 'b3', { namespace: org });
    await until(
      async () => !(await getWorkflow('b3')) && !(await getBuild('b3')),
      'b3 and its Workflow gone',
      60_000,
    );
    await c.delete(REF.Build, 'b1', { namespace: org });
    await c.delete(REF.Build, 'b2', { namespace: org });
    await c.delete(KUBE_REF.ClusterWorkflowTemplate, TEMPLATE);
  }, 120_000);
});
