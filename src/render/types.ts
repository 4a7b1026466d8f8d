/**
 * The contract between the binding controllers and the pure renderers (src/render/): a binding, its class and
 * its environment go in; the Kubernetes objects of one Release and the binding's endpoint status come out.
 * Renderers do no IO: everything they need is in the input (resolved connections included).
 */
import type {
  API,
  APIBinding,
  APIClass,
  ConfigurationGroup,
  DataPlane,
  Environment,
  ScheduledTaskBinding,
  ScheduledTaskClass,
  ServiceBinding,
  ServiceClass,
  WebApplicationBinding,
  WebApplicationClass,
} from '../api/index.js';
import type { KubeObject } from '../kube/client.js';

/** One object of a Release: `id` is stable across renders (pruning goes by it), `object` is a full manifest. */
export interface RenderedResource {
  id: string;
  object: KubeObject;
}

/** How a consumer reaches an endpoint (a Binding's status.endpoints[].project/organization/public). */
export interface EndpointAccess {
  host: string;
  port: number;
  scheme?: string;
  basePath?: string;
  uri?: string;
}

export interface EndpointStatus {
  name: string;
  type: string;
  project?: EndpointAccess;
  organization?: EndpointAccess;
  public?: EndpointAccess;
}

/**
 * A connection of the workload resolved by the controller before rendering: the target component's endpoint
 * in the same environment (from its binding's status), for env-var injection and the eastbound policy.
 */
export interface ResolvedConnection {
  name: string;
  /** Target component, its project and the cell namespace it runs in. */
  component: string;
  project: string;
  namespace: string;
  endpoint: string;
  access: EndpointAccess;
}

/** Where the binding runs: organization, project, environment and their data plane, already looked up. */
export interface RenderContext {
  organization: string;
  project: string;
  component: string;
  environment: Environment;
  dataPlane: DataPlane;
  /** The cell namespace: dataPlaneNamespaceName(org, project, env). */
  namespace: string;
  connections: ResolvedConnection[];
  /** Configuration groups the workload references, by name. */
  configurationGroups: Record<string, ConfigurationGroup>;
  /**
   * Southbound destinations the workload may reach (egress `toFQDNs`): its `type: external` connections, one
   * per port (`externalServicesOf(workloadSpec)`). Without any, only DNS leaves the cell.
   */
  externalServices?: ExternalService[];
  /** For an APIBinding: the API it binds and the in-cell Service that serves it (renderAPIBinding needs it). */
  api?: APIBindingTarget;
  /**
   * Extra data-plane labels selecting the workload's pods, beside the four hierarchy labels. The legacy
   * Deployment path sets `deployment-track-name` and `deployment-name`, so two tracks of one component can run
   * in one cell without their selectors overlapping.
   */
  workloadLabels?: Record<string, string>;
}

/** An external (southbound) destination: a DNS name and port outside the cluster. */
export interface ExternalService {
  /** The connection that declares it. */
  name: string;
  /** A DNS name, or a pattern with a `*.` wildcard label (rendered as `matchPattern`). */
  host: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export interface APIBindingTarget {
  api: API;
  /**
   * Name of the in-cell Service serving the API: `bindingWorkloadName(<the component's ServiceBinding>)`.
   * Default: `bindingWorkloadName(api.spec.owner.componentName)` (a binding named like its component).
   */
  service?: string;
}

export interface RenderResult {
  resources: RenderedResource[];
  endpoints: EndpointStatus[];
}

export type RenderServiceBinding = (
  binding: ServiceBinding,
  cls: ServiceClass,
  apiClasses: Record<string, APIClass>,
  ctx: RenderContext,
) => RenderResult;
export type RenderWebApplicationBinding = (
  binding: WebApplicationBinding,
  cls: WebApplicationClass,
  ctx: RenderContext,
) => RenderResult;
export type RenderScheduledTaskBinding = (
  binding: ScheduledTaskBinding,
  cls: ScheduledTaskClass,
  ctx: RenderContext,
) => RenderResult;
export type RenderAPIBinding = (binding: APIBinding, cls: APIClass, ctx: RenderContext) => RenderResult;

/** Renderers fail with this (the controller sets Ready=False reason RenderFailed with the message). */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
