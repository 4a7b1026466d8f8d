/**
 * What kwok is told to simulate, generated (pure): the pod lifecycle as Stages, where pod logs come from
 * (ClusterLogs), and the Node objects it manages. kwok's own defaults are used for the nodes' lifecycle
 * (initialize + heartbeat); the pod stages are ours:
 *
 * - `pod-start`: a scheduled Pending pod starts; containers without a readiness probe are ready at once,
 *   containers with one are not (yet);
 * - `pod-probe-pass`: a second later the probes "pass" (their presence is respected, not their commands);
 * - `pod-job-complete` / `pod-job-fail`: a Job's running pod ends after a second, with exit code 0 unless its
 *   annotation `sim.choreoctl.dev/exit-code` says otherwise (the failing case for tests and demos);
 * - `pod-step-exit`: an Argo Workflow step pod runs until its process's exit code is known: the same annotation,
 *   written by whoever plays Argo's executor (no container runs here, so no process ends by itself). Its `main`
 *   container ends with that code, the others (Argo's `wait`) with 0, and the pod Succeeded or Failed with it;
 * - `pod-delete`: a pod being deleted goes away (finalizers dropped), as a kubelet confirms the kill.
 */
import { SIMULATED_NODE_ANNOTATION } from '../kube/kinds.js';

/** Annotation kwok selects its nodes by (`--manage-nodes-with-annotation-selector`); the Build controller reads it. */
export const KWOK_NODE_ANNOTATION = SIMULATED_NODE_ANNOTATION;
/** A Job pod with this annotation (a number) exits with that code instead of 0. */
export const EXIT_CODE_ANNOTATION = 'sim.choreoctl.dev/exit-code';

export interface NodeSize {
  cpu: string;
  memory: string;
  pods: number;
}

/** Roomy enough for the examples (every component at its default requests), small enough to show limits. */
export const DEFAULT_NODE_SIZE: NodeSize = { cpu: '4', memory: '16Gi', pods: 110 };

export interface LogFiles {
  /** CRI-format log file every simulated container's current log is read from. */
  current: string;
  /** The same for `--previous`. */
  previous: string;
}

/** A simulated Node, ready to create (Node status may be set on create). */
export function nodeObject(name: string, size: NodeSize = DEFAULT_NODE_SIZE): Record<string, unknown> {
  const resources = { cpu: size.cpu, memory: size.memory, pods: String(size.pods) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'kwok',
        type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  };
}

/** One line in the CRI log format kwok reads (`<RFC3339Nano> stdout F <text>`). */
export function criLogLine(
  text: string,
  at: Date = new Date(),
  stream: 'stdout' | 'stderr' = 'stdout',
): string {
  // RFC3339Nano: the milliseconds padded to nanoseconds.
  const ts = at.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  return `${ts} ${stream} F ${text}\n`;
}

const POD_START = `{{ $now := Now }}
{{ $ready := true }}
{{ range .spec.containers }}{{ if .readinessProbe }}{{ $ready = false }}{{ end }}{{ end }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: {{ if $ready }}"True"{{ else }}"False"{{ end }}
  type: ContainersReady
- lastTransitionTime: {{ $now | Quote }}
  status: {{ if $ready }}"True"{{ else }}"False"{{ end }}
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodScheduled
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: {{ if .readinessProbe }}false{{ else }}true{{ end }}
  restartCount: 0
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      finishedAt: {{ $now | Quote }}
      reason: Completed
      startedAt: {{ $now | Quote }}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`;

const POD_PROBE_PASS = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodScheduled
containerStatuses:
{{ range .status.containerStatuses }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: {{ or .restartCount 0 }}
  started: true
  state:
    running:
      startedAt: {{ or .state.running.startedAt $now | Quote }}
{{ end }}
`;

/** A pod whose process(es) ended: each container terminated, the pod in `phase` (template expressions). */
const podEnd = (exitCode: string, phase: string, reason: string, prelude = '') => `{{ $now := Now }}
${prelude}containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: ${exitCode}
      finishedAt: {{ $now | Quote }}
      reason: ${reason}
      startedAt: {{ $now | Quote }}
{{ end }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  type: ContainersReady
phase: ${phase}
`;

interface Expr {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

const notDeleting: Expr = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const phase = (...values: string[]): Expr => ({ key: '.status.phase', operator: 'In', values });
const ownedByJob: Expr = { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] };
const exitCodeKey = `.metadata.annotations["${EXIT_CODE_ANNOTATION}"]`;
/** Label Argo's workflow-controller puts on every pod of a Workflow. */
export const ARGO_WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';
const argoStep: Expr = { key: `.metadata.labels["${ARGO_WORKFLOW_LABEL}"]`, operator: 'Exists' };

function stage(name: string, matchExpressions: Expr[], next: Record<string, unknown>, delayMs = 0) {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: { matchExpressions },
      ...(delayMs > 0 ? { delay: { durationMilliseconds: delayMs } } : {}),
      next,
    },
  };
}

/** kwok's `--config`: the pod Stages and the ClusterLogs, as a multi-document YAML (JSON documents). */
export function kwokConfig(logs: LogFiles): string {
  const docs: unknown[] = [
    stage('pod-start', [notDeleting, phase('Pending'), { key: '.spec.nodeName', operator: 'Exists' }], {
      statusTemplate: POD_START,
    }),
    stage(
      'pod-probe-pass',
      [
        notDeleting,
        phase('Running'),
        {
          key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
          operator: 'In',
          values: ['False'],
        },
      ],
      { statusTemplate: POD_PROBE_PASS },
      1000,
    ),
    stage(
      'pod-job-complete',
      [notDeleting, phase('Running'), ownedByJob, { key: exitCodeKey, operator: 'DoesNotExist' }],
      { statusTemplate: podEnd('0', 'Succeeded', 'Completed') },
      1000,
    ),
    stage(
      'pod-job-fail',
      [notDeleting, phase('Running'), ownedByJob, { key: exitCodeKey, operator: 'Exists' }],
      {
        statusTemplate: podEnd(
          `{{ index $.metadata.annotations "${EXIT_CODE_ANNOTATION}" }}`,
          'Failed',
          'Error',
        ),
      },
      1000,
    ),
    stage(
      'pod-step-exit',
      [notDeleting, phase('Running'), argoStep, { key: exitCodeKey, operator: 'Exists' }],
      // An Argo step pod's process ended with the annotated code: `main` exits with it, the sidecars with 0.
      {
        statusTemplate: podEnd(
          '{{ if eq .name "main" }}{{ $code }}{{ else }}0{{ end }}',
          '{{ if eq $code "0" }}Succeeded{{ else }}Failed{{ end }}',
          '{{ if or (ne .name "main") (eq $code "0") }}Completed{{ else }}Error{{ end }}',
          `{{ $code := index $.metadata.annotations "${EXIT_CODE_ANNOTATION}" }}\n`,
        ),
      },
    ),
    stage('pod-delete', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], {
      finalizers: { empty: true },
      delete: true,
    }),
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'all-pods' },
      spec: { logs: [{ logsFile: logs.current, previousLogsFile: logs.previous, follow: true }] },
    },
  ];
  return `${docs.map((d) => JSON.stringify(d, null, 2)).join('\n---\n')}\n`;
}
