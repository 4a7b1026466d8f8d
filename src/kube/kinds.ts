/**
 * The core and ecosystem kinds the controllers and the CLI read and write, once: group, version, resource,
 * kind and scope, plus the fields our code reads of Secret and Event (these kinds have no schema of ours).
 * The openchoreo.dev kinds are in src/api/refs.ts. A `TypedRef<T>` is a GVR that also says what its objects
 * look like, so caches built from it hand out `T`.
 */
import type { KubeObject, ObjectMeta } from './client.js';
import type { GVR } from './discovery.js';

export interface TypedRef<T extends KubeObject = KubeObject> extends GVR {
  readonly kind: string;
  readonly namespaced: boolean;
  /** Type only, never set: the objects this reference addresses. */
  readonly __object?: T;
}

export interface SecretObject extends KubeObject {
  metadata?: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface EventObject extends KubeObject {
  involvedObject?: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
}

/** The fields of an Argo Workflow node the Build controller and `describe build` read. */
export interface WorkflowNode {
  id?: string;
  name?: string;
  displayName?: string;
  templateName?: string;
  type?: string;
  phase?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The Node the step's pod was scheduled to (Argo copies the pod's `spec.nodeName`). */
  hostNodeName?: string;
  outputs?: { parameters?: { name: string; value?: string }[] };
}

/**
 * The annotation kwok selects the nodes it simulates by (`--manage-nodes-with-annotation-selector`): a Node
 * carrying it runs no containers, so nothing a pod there would do by itself (end a build step, report outputs)
 * happens unless someone plays it.
 */
export const SIMULATED_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Whether a Node is simulated by kwok (see SIMULATED_NODE_ANNOTATION). */
export function isSimulatedNode(node: KubeObject | undefined): boolean {
  return node?.metadata?.annotations?.[SIMULATED_NODE_ANNOTATION] !== undefined;
}

/** An Argo Workflow (argoproj.io/v1alpha1): what we write in spec, what we read of status. */
export interface WorkflowObject extends KubeObject {
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    nodes?: Record<string, WorkflowNode>;
  };
}

const ref = <T extends KubeObject = KubeObject>(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced = true,
): TypedRef<T> => ({ group, version, resource, kind, namespaced });

/** By Kind: `KUBE_REF.Deployment`. */
export const KUBE_REF = {
  Namespace: ref('', 'v1', 'namespaces', 'Namespace', false),
  Secret: ref<SecretObject>('', 'v1', 'secrets', 'Secret'),
  ConfigMap: ref('', 'v1', 'configmaps', 'ConfigMap'),
  Service: ref('', 'v1', 'services', 'Service'),
  ServiceAccount: ref('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  Event: ref<EventObject>('', 'v1', 'events', 'Event'),
  Lease: ref('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  Deployment: ref('apps', 'v1', 'deployments', 'Deployment'),
  StatefulSet: ref('apps', 'v1', 'statefulsets', 'StatefulSet'),
  Job: ref('batch', 'v1', 'jobs', 'Job'),
  CronJob: ref('batch', 'v1', 'cronjobs', 'CronJob'),
  CustomResourceDefinition: ref(
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
  ),
  HTTPRoute: ref('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute'),
  SecurityPolicy: ref('gateway.envoyproxy.io', 'v1alpha1', 'securitypolicies', 'SecurityPolicy'),
  BackendTrafficPolicy: ref(
    'gateway.envoyproxy.io',
    'v1alpha1',
    'backendtrafficpolicies',
    'BackendTrafficPolicy',
  ),
  HTTPRouteFilter: ref('gateway.envoyproxy.io', 'v1alpha1', 'httproutefilters', 'HTTPRouteFilter'),
  CiliumNetworkPolicy: ref('cilium.io', 'v2', 'ciliumnetworkpolicies', 'CiliumNetworkPolicy'),
  Pod: ref('', 'v1', 'pods', 'Pod'),
  Node: ref('', 'v1', 'nodes', 'Node', false),
  Role: ref('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  RoleBinding: ref('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  Workflow: ref<WorkflowObject>('argoproj.io', 'v1alpha1', 'workflows', 'Workflow'),
  WorkflowTaskResult: ref('argoproj.io', 'v1alpha1', 'workflowtaskresults', 'WorkflowTaskResult'),
  ClusterWorkflowTemplate: ref(
    'argoproj.io',
    'v1alpha1',
    'clusterworkflowtemplates',
    'ClusterWorkflowTemplate',
    false,
  ),
} as const;
