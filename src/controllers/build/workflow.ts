/**
 * The pure half of the Build controller: the Argo Workflow a Build asks for (reference controllers.md §4, with
 * the parameter and step names of src/api/build-templates.ts), the build-plane objects it runs with, and what a
 * Workflow's status says about the Build (phase, the current or failing step, per-step times, the outputs).
 */
import {
  BUILD_PARAMETER_DEFAULTS,
  BuildOutputs,
  BuildParams,
  BuildSteps,
} from '../../api/build-templates.js';
import { STEP_ON_SIMULATED_NODE } from '../../api/kind-constants.js';
import type { Build } from '../../api/kinds/build.js';
import { DataPlaneLabels, Labels, LabelValues } from '../../api/labels.js';
import { buildImageName, buildNamespaceName, workflowName } from '../../api/naming.js';
import type { KubeObject } from '../../kube/client.js';
import type { WorkflowNode, WorkflowObject } from '../../kube/kinds.js';
import type { Stored } from '../shared.js';

export const WORKFLOW_SERVICE_ACCOUNT = 'workflow-sa';
export const WORKFLOW_ROLE = 'workflow-role';
export const WORKFLOW_ROLE_BINDING = 'workflow-role-binding';
/** Finished workflows (and their pods) are deleted by Argo this long after they complete. */
export const WORKFLOW_TTL_SECONDS = 3600;

export type BuildObject = Stored<Build>;
type BuildStatus = NonNullable<Build['status']>;
export type BuildStep = NonNullable<BuildStatus['steps']>[number];

/** Labels of everything the controller creates for a Build in the build plane; they map events back to it. */
export function workflowLabels(build: BuildObject): Record<string, string> {
  const ns = build.metadata.namespace ?? '';
  return {
    [DataPlaneLabels.organization]: ns,
    [DataPlaneLabels.project]: build.spec.owner.projectName,
    [DataPlaneLabels.component]: build.spec.owner.componentName,
    [DataPlaneLabels.build]: build.metadata.name,
    [DataPlaneLabels.uuid]: build.metadata.uid ?? '',
    [DataPlaneLabels.target]: LabelValues.targetBuild,
    [Labels.managedBy]: LabelValues.managedByBuildController,
    [Labels.organization]: ns,
    [Labels.build]: build.metadata.name,
  };
}

/** `namespace/name` of the Build a workflow (or its pod) belongs to, from its labels. */
export function buildKeyOf(o: KubeObject): string | undefined {
  const l = o.metadata?.labels ?? {};
  const ns = l[Labels.organization];
  const name = l[Labels.build];
  return ns && name ? `${ns}/${name}` : undefined;
}

/** The workflow parameters: upstream's common ones, then the template's own (templateRef.parameters). */
export function workflowParameters(build: BuildObject): { name: string; value: string }[] {
  const { owner, repository, templateRef } = build.spec;
  const commit = repository.revision.commit ?? '';
  const branch = commit
    ? ''
    : (repository.revision.branch ?? BUILD_PARAMETER_DEFAULTS[BuildParams.branch] ?? 'main');
  const common: [string, string][] = [
    [BuildParams.projectName, owner.projectName],
    [BuildParams.componentName, owner.componentName],
    [BuildParams.gitRepo, repository.url],
    [BuildParams.branch, branch],
    [BuildParams.commit, commit],
    [BuildParams.appPath, repository.appPath],
    [BuildParams.imageName, buildImageName(owner.projectName, owner.componentName)],
    [BuildParams.imageTag, BUILD_PARAMETER_DEFAULTS[BuildParams.imageTag] ?? 'default'],
  ];
  const seen = new Set(common.map(([n]) => n));
  const extra = (templateRef.parameters ?? []).filter((p) => !seen.has(p.name));
  return [...common.map(([name, value]) => ({ name, value })), ...extra];
}

/** The Workflow of a Build: the named ClusterWorkflowTemplate with the Build's parameters, bounded by a TTL. */
export function desiredWorkflow(build: BuildObject): WorkflowObject {
  const labels = workflowLabels(build);
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: workflowName(build.metadata.name),
      namespace: buildNamespaceName(build.metadata.namespace ?? ''),
      labels,
    },
    spec: {
      serviceAccountName: WORKFLOW_SERVICE_ACCOUNT,
      workflowTemplateRef: { name: build.spec.templateRef.name, clusterScope: true },
      arguments: { parameters: workflowParameters(build) },
      podMetadata: { labels },
      ttlStrategy: {
        secondsAfterCompletion: WORKFLOW_TTL_SECONDS,
        secondsAfterSuccess: WORKFLOW_TTL_SECONDS,
        secondsAfterFailure: WORKFLOW_TTL_SECONDS,
      },
    },
  };
}

/**
 * What the workflow needs in the build plane before it can run: the organization's CI namespace, the
 * ServiceAccount its pods run as, and a Role that lets Argo's executor report step results.
 */
export function buildPlanePrerequisites(org: string): KubeObject[] {
  const namespace = buildNamespaceName(org);
  const labels = {
    [DataPlaneLabels.organization]: org,
    [DataPlaneLabels.target]: LabelValues.targetBuild,
    [Labels.managedBy]: LabelValues.managedByBuildController,
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: WORKFLOW_SERVICE_ACCOUNT, namespace, labels },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: WORKFLOW_ROLE, namespace, labels },
      rules: [
        {
          apiGroups: ['argoproj.io'],
          resources: ['workflowtaskresults'],
          verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: WORKFLOW_ROLE_BINDING, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WORKFLOW_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: WORKFLOW_SERVICE_ACCOUNT, namespace }],
    },
  ];
}

export type BuildPhase = NonNullable<BuildStatus['phase']>;

export interface WorkflowSummary {
  phase: BuildPhase;
  /** Ready condition of the Build while the workflow runs or once it ended. */
  reason: 'BuildPending' | 'BuildRunning' | 'BuildSucceeded' | 'BuildFailed';
  message: string;
  /** The step running now, or the one that failed. */
  step: string | undefined;
  /** The Node the running step's pod is on, once Argo saw it scheduled. */
  stepNode: string | undefined;
  steps: BuildStep[];
  startedAt: string | undefined;
  finishedAt: string | undefined;
  /** Outputs, by the node that produced them. */
  gitRevision: string | undefined;
  image: string | undefined;
  workloadCr: string | undefined;
}

const FAILED = new Set(['Failed', 'Error']);

function output(node: WorkflowNode | undefined, name: string): string | undefined {
  return node?.outputs?.parameters?.find((p) => p.name === name)?.value;
}

/** Step nodes (pods) in the order they started; a step not started yet sorts last. */
function stepNodes(wf: WorkflowObject): WorkflowNode[] {
  const nodes = Object.values(wf.status?.nodes ?? {}).filter((n) => n.type === 'Pod');
  return nodes.sort((a, b) => (a.startedAt ?? '\uffff').localeCompare(b.startedAt ?? '\uffff'));
}

function stepName(n: WorkflowNode): string {
  return n.templateName ?? n.displayName ?? n.name ?? '?';
}

/** The Build's view of its Workflow: phase, the step that matters, step times, outputs. Pure. */
export function summarizeWorkflow(wf: WorkflowObject): WorkflowSummary {
  const st = wf.status ?? {};
  const nodes = stepNodes(wf);
  const steps: BuildStep[] = nodes.slice(0, 64).map((n) => ({
    name: stepName(n),
    phase: n.phase ?? 'Pending',
    ...(n.startedAt ? { startedAt: n.startedAt } : {}),
    ...(n.finishedAt ? { finishedAt: n.finishedAt } : {}),
    ...(n.message ? { message: n.message } : {}),
  }));
  const byTemplate = (t: string) => nodes.find((n) => n.templateName === t && n.phase === 'Succeeded');
  const base = {
    steps,
    startedAt: st.startedAt || undefined,
    finishedAt: st.finishedAt || undefined,
    gitRevision: output(byTemplate(BuildOutputs.gitRevision.step), BuildOutputs.gitRevision.name),
    image: output(byTemplate(BuildOutputs.image.step), BuildOutputs.image.name),
    workloadCr: output(byTemplate(BuildOutputs.workloadCr.step), BuildOutputs.workloadCr.name),
  };
  const phase = st.phase ?? '';
  if (phase === 'Succeeded') {
    return {
      ...base,
      phase: 'Succeeded',
      reason: 'BuildSucceeded',
      message: 'the build workflow succeeded',
      step: undefined,
      stepNode: undefined,
    };
  }
  if (FAILED.has(phase)) {
    const failing = nodes.find((n) => FAILED.has(n.phase ?? ''));
    const why = failing?.message || st.message || 'no message from Argo';
    return {
      ...base,
      phase: 'Failed',
      reason: 'BuildFailed',
      message: failing ? `step ${stepName(failing)} failed: ${why}` : `the build workflow failed: ${why}`,
      step: failing ? stepName(failing) : undefined,
      stepNode: undefined,
    };
  }
  const current = [...nodes].reverse().find((n) => n.phase === 'Running' || n.phase === 'Pending');
  if (phase === 'Running' && current) {
    const done = steps.filter((s) => s.phase === 'Succeeded').length;
    return {
      ...base,
      phase: 'Running',
      reason: 'BuildRunning',
      message: `step ${stepName(current)} is ${current.phase === 'Pending' ? 'starting' : 'running'} (${done} step(s) done)`,
      step: stepName(current),
      stepNode: current.hostNodeName || undefined,
    };
  }
  if (phase === 'Running') {
    return {
      ...base,
      phase: 'Running',
      reason: 'BuildRunning',
      message: 'the build workflow is running',
      step: undefined,
      stepNode: undefined,
    };
  }
  return {
    ...base,
    phase: 'Pending',
    reason: 'BuildPending',
    message: st.message
      ? `the build workflow is pending: ${st.message}`
      : 'waiting for Argo to start the build workflow',
    step: undefined,
    stepNode: undefined,
  };
}

/**
 * The Ready condition of a running Build whose current step sits on a simulated node (pure): no container runs
 * there, so the step ends only when something reports its result in argoexec's place.
 */
export function simulatedStepCondition(s: Pick<WorkflowSummary, 'step' | 'stepNode'>): {
  status: 'False';
  reason: typeof STEP_ON_SIMULATED_NODE;
  message: string;
} {
  return {
    status: 'False',
    reason: STEP_ON_SIMULATED_NODE,
    message: `step ${s.step ?? '?'} runs on simulated node "${s.stepNode ?? '?'}" (kwok), where no container runs: it will not finish unless its result is reported in Argo's executor's place (the step's WorkflowTaskResult and its pod's exit code), or the build runs on a build plane with real nodes`,
  };
}

/** The first step of a fresh build: for a message before Argo reported anything. */
export const FIRST_STEP = BuildSteps.clone;
