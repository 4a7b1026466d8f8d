/**
 * The one piece of Argo the real-Argo Build tests play: the executor inside a step pod (argoexec's `wait`
 * container). No container runs on simulated nodes, so no step process ends and nothing reports its outputs;
 * this does what argoexec does when the step's process has ended, and nothing else:
 *
 * 1. it writes the step's WorkflowTaskResult (named after the node, labelled with the workflow and
 *    `report-outputs-completed: "true"`, owned by the Workflow) with the output parameters the step's script
 *    would have written to its `valueFrom.path` files;
 * 2. it records the step process's exit code on the pod (annotation `sim.choreoctl.dev/exit-code`), from which
 *    kwok, playing the kubelet, terminates the containers and ends the pod (stage `pod-step-exit`).
 *
 * Everything else is Argo's real workflow-controller: pods, PVCs, step order, parameter passing between steps
 * (the inputs read here are the ones Argo resolved), the node phases and failure messages, the Workflow's phase.
 */
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF, type WorkflowObject } from '../../../src/kube/kinds.js';
import { ARGO_WORKFLOW_LABEL, EXIT_CODE_ANNOTATION } from '../../../src/local/kwok.js';

const NODE_ID = 'workflows.argoproj.io/node-id';
const NODE_NAME = 'workflows.argoproj.io/node-name';
const OUTPUTS_COMPLETED = 'workflows.argoproj.io/report-outputs-completed';

export interface StepPod {
  pod: KubeObject;
  nodeId: string;
  /** The step's name in the workflow (`…[1].build-step` → `build-step`). */
  step: string;
  /** The environment and arguments of the step's process, as Argo resolved them (parameters substituted). */
  env: Record<string, string>;
  args: string[];
}

/** Running step pods of a workflow that have not ended yet, with what Argo resolved for them. */
export async function runningSteps(
  client: KubeClient,
  namespace: string,
  workflow: string,
): Promise<StepPod[]> {
  const pods = await client.list<KubeObject>(KUBE_REF.Pod, {
    namespace,
    labelSelector: `${ARGO_WORKFLOW_LABEL}=${workflow}`,
  });
  return pods.items
    .filter(
      (p) =>
        (p.status as { phase?: string } | undefined)?.phase === 'Running' &&
        p.metadata?.annotations?.[EXIT_CODE_ANNOTATION] === undefined,
    )
    .map((pod) => ({
      pod,
      nodeId: pod.metadata?.annotations?.[NODE_ID] ?? '',
      step: (pod.metadata?.annotations?.[NODE_NAME] ?? '').split('.').pop() ?? '',
      ...processOf(pod),
    }));
}

/**
 * The step's process as Argo resolved it (its parameters substituted): argoexec reads the template from the
 * pod's `ARGO_TEMPLATE`.
 */
function processOf(pod: KubeObject): { env: Record<string, string>; args: string[] } {
  type Container = { name: string; env?: { name: string; value?: string }[] };
  const spec = pod.spec as { initContainers?: Container[]; containers?: Container[] };
  const env = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
    .flatMap((c) => c.env ?? [])
    .find((e) => e.name === 'ARGO_TEMPLATE');
  type Proc = { env?: { name: string; value?: string }[]; args?: string[] };
  const tmpl = JSON.parse(env?.value ?? '{}') as { script?: Proc; container?: Proc };
  const proc = tmpl.script ?? tmpl.container ?? {};
  return {
    env: Object.fromEntries((proc.env ?? []).map((e) => [e.name, e.value ?? ''])),
    args: proc.args ?? [],
  };
}

/** Report a step's end as argoexec would: its outputs (task result), then its process's exit code. */
export async function stepEnded(
  client: KubeClient,
  step: StepPod,
  workflow: WorkflowObject,
  result: { exitCode: number; outputs?: Record<string, string> },
): Promise<void> {
  const namespace = step.pod.metadata?.namespace ?? '';
  const parameters = Object.entries(result.outputs ?? {}).map(([name, value]) => ({ name, value }));
  await client.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTaskResult',
    metadata: {
      name: step.nodeId,
      namespace,
      labels: { [ARGO_WORKFLOW_LABEL]: workflow.metadata?.name ?? '', [OUTPUTS_COMPLETED]: 'true' },
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          name: workflow.metadata?.name ?? '',
          uid: workflow.metadata?.uid ?? '',
        },
      ],
    },
    outputs: { ...(parameters.length > 0 ? { parameters } : {}), exitCode: String(result.exitCode) },
  });
  await client.patch(
    KUBE_REF.Pod,
    step.pod.metadata?.name ?? '',
    { metadata: { annotations: { [EXIT_CODE_ANNOTATION]: String(result.exitCode) } } },
    { namespace },
  );
}
