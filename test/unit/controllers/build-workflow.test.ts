import { describe, expect, it } from 'vitest';
import { BuildSteps } from '../../../src/api/build-templates.js';
import { STEP_ON_SIMULATED_NODE } from '../../../src/api/kinds/build.js';
import { buildFinished } from '../../../src/controllers/build/index.js';
import {
  type BuildObject,
  desiredWorkflow,
  simulatedStepCondition,
  summarizeWorkflow,
  workflowParameters,
} from '../../../src/controllers/build/workflow.js';
import type { WorkflowNode, WorkflowObject } from '../../../src/kube/kinds.js';

const build = (revision: { branch?: string; commit?: string }): BuildObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Build',
  metadata: { name: 'orders-build-1', namespace: 'acme', uid: 'u-1' },
  spec: {
    owner: { projectName: 'shop', componentName: 'orders' },
    repository: { url: 'https://github.com/acme/shop', revision, appPath: '/orders' },
    templateRef: {
      engine: 'argo',
      name: 'docker',
      parameters: [
        { name: 'dockerfile-path', value: '/orders/Dockerfile' },
        { name: 'branch', value: 'ignored: common parameters win' },
      ],
    },
  },
});

const params = (b: BuildObject) => Object.fromEntries(workflowParameters(b).map((p) => [p.name, p.value]));

const wf = (phase: string, nodes: WorkflowNode[], message?: string): WorkflowObject => ({
  status: {
    phase,
    ...(message ? { message } : {}),
    nodes: Object.fromEntries(nodes.map((n, i) => [`n${i}`, { type: 'Pod', ...n }])),
  },
});

describe('workflow of a Build', () => {
  it("passes upstream's parameters: a commit wins and clears the branch; the branch defaults to main", () => {
    expect(params(build({ commit: 'abc1234', branch: 'dev' }))).toMatchObject({
      commit: 'abc1234',
      branch: '',
    });
    expect(params(build({}))).toMatchObject({ commit: '', branch: 'main' });
    expect(params(build({ branch: 'dev' }))).toEqual({
      'project-name': 'shop',
      'component-name': 'orders',
      'git-repo': 'https://github.com/acme/shop',
      branch: 'dev',
      commit: '',
      'app-path': '/orders',
      'image-name': 'shop-orders',
      'image-tag': 'default',
      'dockerfile-path': '/orders/Dockerfile',
    });
  });

  it('runs the ClusterWorkflowTemplate in the organization CI namespace with a TTL', () => {
    const w = desiredWorkflow(build({}));
    expect(w.metadata?.namespace).toBe('openchoreo-ci-acme');
    expect(w.spec).toMatchObject({
      workflowTemplateRef: { name: 'docker', clusterScope: true },
      serviceAccountName: 'workflow-sa',
      ttlStrategy: { secondsAfterCompletion: 3600 },
    });
  });
});

describe('summarizeWorkflow', () => {
  it('no status yet: Pending', () => {
    expect(summarizeWorkflow({}).phase).toBe('Pending');
  });

  it('Running names the step that runs now', () => {
    const s = summarizeWorkflow(
      wf('Running', [
        { templateName: BuildSteps.clone, phase: 'Succeeded', startedAt: '2026-01-01T00:00:00Z' },
        { templateName: BuildSteps.build, phase: 'Running', startedAt: '2026-01-01T00:00:05Z' },
      ]),
    );
    expect(s).toMatchObject({ phase: 'Running', step: 'build-step', reason: 'BuildRunning' });
    expect(s.message).toBe('step build-step is running (1 step(s) done)');
    expect(s.stepNode).toBeUndefined();
  });

  it('records the Node of the running step, and says what a simulated one means', () => {
    const s = summarizeWorkflow(
      wf('Running', [
        {
          templateName: BuildSteps.clone,
          phase: 'Succeeded',
          startedAt: '2026-01-01T00:00:00Z',
          hostNodeName: 'node-a',
        },
        {
          templateName: BuildSteps.build,
          phase: 'Running',
          startedAt: '2026-01-01T00:00:05Z',
          hostNodeName: 'node-b',
        },
      ]),
    );
    expect(s.stepNode).toBe('node-b');
    const c = simulatedStepCondition(s);
    expect(c).toMatchObject({ status: 'False', reason: STEP_ON_SIMULATED_NODE });
    expect(c.message).toContain('step build-step runs on simulated node "node-b"');
    expect(c.message).toContain('it will not finish unless its result is reported');
    // a finished workflow has no running step, so no node to speak of
    expect(
      summarizeWorkflow(wf('Failed', [{ templateName: 'x', phase: 'Failed', hostNodeName: 'n' }])).stepNode,
    ).toBeUndefined();
  });

  it("Failed names the failing step and Argo's message", () => {
    const s = summarizeWorkflow(
      wf(
        'Failed',
        [
          { templateName: BuildSteps.clone, phase: 'Succeeded', startedAt: '2026-01-01T00:00:00Z' },
          {
            templateName: BuildSteps.push,
            phase: 'Error',
            startedAt: '2026-01-01T00:00:09Z',
            message: 'denied',
          },
        ],
        'child failed',
      ),
    );
    expect(s).toMatchObject({ phase: 'Failed', step: 'push-step', message: 'step push-step failed: denied' });
    expect(summarizeWorkflow(wf('Error', [], 'invalid spec')).message).toBe(
      'the build workflow failed: invalid spec',
    );
  });

  it('Succeeded reads the outputs of the succeeded steps only', () => {
    const out = (name: string, value: string) => ({ parameters: [{ name, value }] });
    const s = summarizeWorkflow(
      wf('Succeeded', [
        { templateName: BuildSteps.clone, phase: 'Succeeded', outputs: out('git-revision', 'abcdef12') },
        { templateName: BuildSteps.push, phase: 'Failed', outputs: out('image', 'wrong') },
        {
          templateName: BuildSteps.push,
          phase: 'Succeeded',
          outputs: out('image', 'reg/x:default-abcdef12'),
        },
        {
          templateName: BuildSteps.workloadCreate,
          phase: 'Succeeded',
          outputs: out('workload-cr', 'kind: Workload'),
        },
      ]),
    );
    expect(s).toMatchObject({
      phase: 'Succeeded',
      gitRevision: 'abcdef12',
      image: 'reg/x:default-abcdef12',
      workloadCr: 'kind: Workload',
    });
  });

  it('a Build is finished once failed, or succeeded with its Workload applied', () => {
    const cond = (status: 'True' | 'False') => [
      {
        type: 'WorkloadUpdated',
        status,
        reason: 'r',
        message: 'm',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    expect(buildFinished({ status: { phase: 'Failed' } })).toBe(true);
    expect(buildFinished({ status: { phase: 'Succeeded', conditions: cond('False') } })).toBe(false);
    expect(buildFinished({ status: { phase: 'Succeeded', conditions: cond('True') } })).toBe(true);
    expect(buildFinished({ status: { phase: 'Running' } })).toBe(false);
  });
});
