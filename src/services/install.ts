/**
 * `choreoctl install` / `uninstall` as an operation: the CLI command and the REST server are thin front ends.
 *
 * install = the openchoreo.dev CRDs, the default platform of one organization (Organization, three
 * Environments, a DeploymentPipeline with approval before production, a Project, a DataPlane and a BuildPlane
 * on this cluster, the default classes and the upstream APIClasses) and the controller: a ServiceAccount with
 * least-privilege RBAC and a Deployment running `choreoctl controller run --leader-elect` (replicas, with a
 * PodDisruptionBudget from two on); optionally the REST server (`server`) and the bundled CRDs of Gateway API,
 * Envoy Gateway, Cilium and Argo Workflows (`dependencies`). deploy/helm/choreoctl is generated from this plan.
 * Every object but the CRDs carries `openchoreo.dev/managed-by: choreoctl-install`, which is how uninstall
 * finds them again and tells them apart from user resources.
 */

import pkg from '../../package.json' with { type: 'json' };
import {
  API_VERSION,
  allCrds,
  formatError,
  GROUP,
  KINDS,
  type KindInfo,
  kindInfo,
  Labels,
  sortForApply,
  validate,
} from '../api/index.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { applyCrds, CRDS } from '../kube/crds.js';
import type { GVR } from '../kube/discovery.js';
import { isNotFound, KubeError, UnknownResourceError } from '../kube/errors.js';
import { KUBE_REF } from '../kube/kinds.js';
import { type BuildTemplateOptions, buildTemplateObjects } from './build-templates.js';
import { dependencyCrds } from './dependencies.js';
import { promotionAccessObjects } from './promotion-access.js';

export const MANAGED_BY_LABEL = Labels.managedBy;
export const MANAGED_BY_VALUE = 'choreoctl-install';
/** Label selector of every object install creates (except the CRDs, which carry `app.kubernetes.io/managed-by`). */
export const INSTALL_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
export const SYSTEM_NAMESPACE = 'choreoctl-system';
export const CONTROLLER_NAME = 'choreoctl-controller-manager';
/** The REST server's Deployment, Service and ServiceAccount. */
export const SERVER_NAME = 'choreoctl-server';
/** Port of the REST server (HTTP, with /healthz and /readyz). */
export const SERVER_HTTP_PORT = 8080;
export const DEFAULT_FIELD_MANAGER = 'choreoctl';
export const IMAGE_REPOSITORY = 'ghcr.io/openchoreo/choreoctl';
/** Port of the controller's /healthz, /readyz and /metrics endpoint. */
export const CONTROLLER_HTTP_PORT = 8080;
/** The APIClasses upstream ships, all created by install. */
export const DEFAULT_API_CLASSES = [
  'default',
  'default-with-jwt-auth',
  'default-with-cors',
  'default-with-rate-limit',
  'default-with-circuit-breaker',
] as const;

export interface PlanOptions {
  /** Organization of the default platform (default `default`); its namespace has the same name. */
  organization?: string;
  /** Controller image (default `ghcr.io/openchoreo/choreoctl:<version>`). */
  image?: string;
  /** Version for the default image tag (default: this package's version). */
  version?: string;
  /** Include the CRDs (default true). */
  crds?: boolean;
  /** Include the controller: namespace, ServiceAccount, RBAC and Deployment (default true). */
  controller?: boolean;
  /**
   * Manager replicas (default 1). Leader election is always on (a rolling update overlaps two pods); from 2 on
   * a PodDisruptionBudget keeps one running through node drains.
   */
  replicas?: number;
  /** Controllers the manager runs (default: all). */
  controllers?: string[];
  /** The manager container's resources (default requests 100m/128Mi, limits 1 CPU/512Mi). */
  resources?: ContainerResources;
  /** Also deploy the REST server (`choreoctl server`): ServiceAccount, RBAC, Deployment and Service. */
  server?: boolean;
  /**
   * Also apply the bundled CRDs of Gateway API, Envoy Gateway, Cilium and Argo Workflows (data/), which the
   * data and build planes need; uninstall leaves them (other software may use them).
   */
  dependencies?: boolean;
  /**
   * Also install the Argo ClusterWorkflowTemplates builds run (docker, google-cloud-buildpacks, react,
   * ballerina-buildpack; src/services/build-templates.ts). They need the Argo Workflows CRDs, so the default is
   * on exactly when `dependencies` is.
   */
  buildTemplates?: boolean;
  /** Step images, registry and TTL of the build templates (their workload-create step runs `image`). */
  build?: BuildTemplateOptions;
}

export interface ContainerResources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export const DEFAULT_RESOURCES: ContainerResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ObjectResult {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

export interface InstallOptions extends PlanOptions {
  /**
   * `client`: nothing is sent, each object is compared with what the cluster has (read-only);
   * `server`: every write is sent with dryRun=All. Absent: apply for real.
   */
  dryRun?: 'client' | 'server';
  fieldManager?: string;
  /** Called once per object after it was applied (for progress output). */
  onObject?: (r: ObjectResult) => void;
  signal?: AbortSignal;
}

export interface InstallResult {
  dryRun?: 'client' | 'server';
  objects: ObjectResult[];
  /** Time to apply the CRDs and see them Established, and the whole install. */
  crdMs: number;
  totalMs: number;
}

export interface UninstallOptions {
  /** Delete even when user resources exist (they go with their CRDs), and drop finalizers nobody will handle. */
  force?: boolean;
  /** How long to wait for the CRDs to disappear (default 120 s). */
  timeoutMs?: number;
  /** How long terminating objects may wait for the controller before force drops their finalizers (10 s). */
  finalizerGraceMs?: number;
  onObject?: (r: { kind: string; name: string; namespace?: string }) => void;
}

export interface UninstallResult {
  deleted: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  totalMs: number;
}

/** User resources that block uninstall, by namespace (`''` for cluster-scoped) and kind. */
export interface Remaining {
  namespace: string;
  kind: KindInfo;
  names: string[];
}

/** Uninstall refused: user resources still exist. */
export class UninstallRefusedError extends KubeError {
  override name = 'UninstallRefusedError';
  readonly remaining: Remaining[];
  constructor(remaining: Remaining[]) {
    super(describeRemaining(remaining));
    this.remaining = remaining;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The plan

const managed = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };

function meta(
  name: string,
  namespace: string | undefined,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject['metadata'] {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { ...managed, ...extra.labels },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
}

/** Who may request and approve promotions (ClusterRoles and the admission policies that pin identities). */
export function promotionAccess(): KubeObject[] {
  return promotionAccessObjects(meta);
}

function described(displayName: string, description: string): Record<string, string> {
  return { 'openchoreo.dev/display-name': displayName, 'openchoreo.dev/description': description };
}

/** Container security context of the default classes: non-root, read-only root filesystem, no capabilities. */
const containerSecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const podSecurityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
/** A read-only root filesystem still needs somewhere to write temporary files. */
const tmpVolume = { volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }] };
const tmpMount = { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] };

/**
 * The probe of the default Service and WebApplication classes: TCP on port 8080, the platform's convention for
 * the main container (components listening elsewhere choose a class with their own probes).
 */
const tcpProbe = (initialDelaySeconds: number, periodSeconds: number) => ({
  tcpSocket: { port: 8080 },
  initialDelaySeconds,
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold: 3,
});

const longRunningTemplate = (resources: { cpu: [string, string]; memory: [string, string] }) => ({
  replicas: 1,
  revisionHistoryLimit: 3,
  template: {
    spec: {
      securityContext: podSecurityContext,
      automountServiceAccountToken: false,
      ...tmpVolume,
      containers: [
        {
          name: 'main',
          resources: {
            requests: { cpu: resources.cpu[0], memory: resources.memory[0] },
            limits: { cpu: resources.cpu[1], memory: resources.memory[1] },
          },
          readinessProbe: tcpProbe(2, 5),
          livenessProbe: tcpProbe(10, 10),
          securityContext: containerSecurityContext,
          ...tmpMount,
        },
      ],
    },
  },
});

/** The openchoreo.dev objects of the default platform of `org`, in apply order. */
export function defaultPlatform(org = 'default'): KubeObject[] {
  const ns = org;
  const orgLabels = { [Labels.organization]: org };
  const named = (name: string) => ({ ...orgLabels, [Labels.name]: name });
  const oc = (kind: string, name: string, spec: unknown, extra: Parameters<typeof meta>[2] = {}) => ({
    apiVersion: API_VERSION,
    kind,
    metadata: meta(name, kindInfo(kind)?.namespaced === false ? undefined : ns, {
      ...extra,
      labels: { ...named(name), ...extra.labels },
    }),
    spec,
  });
  const env = (name: string, dnsPrefix: string, isProduction: boolean, display: string) =>
    oc(
      'Environment',
      name,
      { dataPlaneRef: 'default', isProduction, gateway: { dnsPrefix } },
      { annotations: described(display, `${display} environment on the default data plane`) },
    );
  const apiClass = (name: string, restPolicy: Record<string, unknown>, what: string) =>
    oc('APIClass', name, { restPolicy }, { annotations: described(name, what) });

  const docs: KubeObject[] = [
    oc(
      'Organization',
      org,
      {},
      {
        annotations: described(
          org === 'default' ? 'Default Organization' : org,
          'Created by choreoctl install',
        ),
      },
    ),
    oc(
      'DataPlane',
      'default',
      {
        // no kubernetesCluster: the workloads run in this (the control plane's) cluster
        registry: { prefix: 'registry.openchoreo-data-plane:5000' },
        gateway: {
          publicVirtualHost: 'openchoreoapis.localhost',
          organizationVirtualHost: 'openchoreoapis.internal',
        },
      },
      {
        labels: { [Labels.buildPlane]: 'true' },
        annotations: described('Default data plane', 'This cluster'),
      },
    ),
    oc('BuildPlane', 'default', {}, { annotations: described('Default build plane', 'This cluster') }),
    env('development', 'dev', false, 'Development'),
    env('staging', 'staging', false, 'Staging'),
    env('production', 'prod', true, 'Production'),
    oc(
      'DeploymentPipeline',
      'default',
      {
        promotionPaths: [
          {
            sourceEnvironmentRef: 'development',
            targetEnvironmentRefs: [{ name: 'staging', requiresApproval: false }],
          },
          {
            sourceEnvironmentRef: 'staging',
            targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
          },
        ],
      },
      {
        annotations: described(
          'Default pipeline',
          'development → staging → production; promotion to production needs approval',
        ),
      },
    ),
    oc(
      'Project',
      'default',
      { deploymentPipelineRef: 'default' },
      { annotations: described('Default project', 'Components that belong to no other project') },
    ),
    oc(
      'ServiceClass',
      'default',
      {
        deploymentTemplate: longRunningTemplate({ cpu: ['100m', '500m'], memory: ['128Mi', '512Mi'] }),
        serviceTemplate: { type: 'ClusterIP' },
      },
      { annotations: described('Default service class', 'One replica, TCP probes on 8080, non-root') },
    ),
    oc(
      'WebApplicationClass',
      'default',
      {
        deploymentTemplate: longRunningTemplate({ cpu: ['50m', '250m'], memory: ['64Mi', '256Mi'] }),
        serviceTemplate: { type: 'ClusterIP' },
      },
      {
        annotations: described('Default web application class', 'One replica, TCP probes on 8080, non-root'),
      },
    ),
    oc(
      'ScheduledTaskClass',
      'default',
      {
        // Jobs get no probes: readiness means nothing for a batch pod and a liveness probe would kill long work.
        cronJobTemplate: {
          schedule: '0 * * * *',
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              activeDeadlineSeconds: 3600,
              ttlSecondsAfterFinished: 86400,
              template: {
                spec: {
                  securityContext: podSecurityContext,
                  automountServiceAccountToken: false,
                  ...tmpVolume,
                  containers: [
                    {
                      name: 'main',
                      resources: {
                        requests: { cpu: '100m', memory: '128Mi' },
                        limits: { cpu: '1', memory: '512Mi' },
                      },
                      securityContext: containerSecurityContext,
                      ...tmpMount,
                    },
                  ],
                },
              },
            },
          },
        },
      },
      { annotations: described('Default scheduled task class', 'Hourly, no overlapping runs, non-root') },
    ),
    apiClass('default', { defaults: {}, public: {}, organization: {} }, 'No policies'),
    apiClass(
      'default-with-jwt-auth',
      {
        defaults: {},
        public: {
          authentication: {
            type: 'jwt',
            jwt: {
              jwks: 'http://identity.openchoreo-system.svc.cluster.local:8090/oauth2/jwks',
              issuer: 'openchoreo',
            },
          },
        },
        organization: {},
      },
      'Public callers need a JWT from the platform identity provider (point jwks at yours)',
    ),
    apiClass(
      'default-with-cors',
      {
        defaults: {
          cors: {
            allowOrigins: ['*'],
            allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
            allowHeaders: ['Content-Type', 'Authorization'],
            maxAge: 86400,
          },
        },
        public: {},
        organization: {},
      },
      'Browsers on any origin may call the API',
    ),
    apiClass(
      'default-with-rate-limit',
      { defaults: { rateLimit: { requests: 10, window: '1m' } }, public: {}, organization: {} },
      '10 requests per minute',
    ),
    apiClass(
      'default-with-circuit-breaker',
      {
        defaults: {
          circuitBreaker: {
            enabled: true,
            maxConnections: 50,
            maxPendingRequests: 20,
            maxParallelRequests: 50,
            maxParallelRetries: 3,
          },
        },
        public: {},
        organization: {},
      },
      'Sheds load when the backend is saturated',
    ),
  ];
  return sortForApply(docs);
}

export interface ControllerOptions {
  image: string;
  replicas?: number;
  controllers?: string[];
  resources?: ContainerResources;
}

/** The controller's pods: restricted pod security, a writable /tmp on a read-only root. */
const podSpec = (serviceAccountName: string, container: Record<string, unknown>) => ({
  serviceAccountName,
  securityContext: podSecurityContext,
  terminationGracePeriodSeconds: 30,
  ...tmpVolume,
  containers: [{ ...container, securityContext: containerSecurityContext, ...tmpMount }],
});

/**
 * The controller: namespace (restricted pod security), ServiceAccount, RBAC (least privilege), the Deployment
 * and, with more than one replica, a PodDisruptionBudget.
 */
export function controllerObjects(o: ControllerOptions): KubeObject[] {
  const image = o.image;
  const replicas = o.replicas ?? 1;
  const ns = SYSTEM_NAMESPACE;
  const appLabels = { 'app.kubernetes.io/name': CONTROLLER_NAME, 'app.kubernetes.io/part-of': 'openchoreo' };
  const rw = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  const plurals = KINDS.map((k) => k.plural).sort();
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(ns, undefined, {
        labels: {
          'app.kubernetes.io/part-of': 'openchoreo',
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
      }),
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(CONTROLLER_NAME, ns, { labels: appLabels }),
      automountServiceAccountToken: true,
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: meta(CONTROLLER_NAME, undefined, { labels: appLabels }),
      rules: [
        { apiGroups: [GROUP], resources: plurals, verbs: rw },
        {
          apiGroups: [GROUP],
          resources: plurals.map((p) => `${p}/status`),
          verbs: ['get', 'update', 'patch'],
        },
        { apiGroups: [GROUP], resources: plurals.map((p) => `${p}/finalizers`), verbs: ['update'] },
        // organizations own namespaces; project cells are namespaces in the data plane
        { apiGroups: [''], resources: ['namespaces'], verbs: rw },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
    {
      // The default DataPlane and BuildPlane are this cluster: the Release and Build controllers write here.
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: meta(`${CONTROLLER_NAME}-planes`, undefined, { labels: appLabels }),
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: rw },
        // Health of what Releases apply, and the Release engine's well-known kinds when it prunes.
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        // A Release may carry Secrets (configuration groups): the engine applies and prunes them.
        { apiGroups: [''], resources: ['services', 'configmaps', 'secrets'], verbs: rw },
        { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: rw },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: rw },
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: rw },
        {
          apiGroups: ['gateway.envoyproxy.io'],
          resources: ['securitypolicies', 'backendtrafficpolicies', 'httproutefilters'],
          verbs: rw,
        },
        { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: rw },
        { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: rw },
        // The Build controller prepares each organization's CI namespace: the workflow's ServiceAccount and a
        // Role for Argo's executor (granting a Role needs the rights it grants).
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: rw },
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: rw },
        {
          apiGroups: ['argoproj.io'],
          resources: ['workflowtaskresults'],
          verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'],
        },
        {
          apiGroups: ['argoproj.io'],
          resources: ['clusterworkflowtemplates'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
    ...[CONTROLLER_NAME, `${CONTROLLER_NAME}-planes`].map((role) => ({
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: meta(role, undefined, { labels: appLabels }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: ns }],
    })),
    {
      // leader election: leases only in the controller's own namespace
      apiVersion: rbac,
      kind: 'Role',
      metadata: meta(`${CONTROLLER_NAME}-leader-election`, ns, { labels: appLabels }),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: rw }],
    },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: meta(`${CONTROLLER_NAME}-leader-election`, ns, { labels: appLabels }),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: `${CONTROLLER_NAME}-leader-election`,
      },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(CONTROLLER_NAME, ns, { labels: appLabels }),
      spec: {
        replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': CONTROLLER_NAME } },
        template: {
          metadata: { labels: appLabels },
          spec: podSpec(CONTROLLER_NAME, {
            name: 'manager',
            image,
            args: [
              'controller',
              'run',
              '--leader-elect',
              // the Role for leases is in this namespace only (the command's default is kube-system)
              `--leader-election-namespace=${ns}`,
              // the kubelet probes the pod IP: listen on every address, not loopback (the default)
              `--metrics-addr=0.0.0.0:${CONTROLLER_HTTP_PORT}`,
              ...(o.controllers?.length ? [`--controllers=${o.controllers.join(',')}`] : []),
            ],
            env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
            ports: [{ name: 'http', containerPort: CONTROLLER_HTTP_PORT, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10 },
            livenessProbe: {
              httpGet: { path: '/healthz', port: 'http' },
              initialDelaySeconds: 15,
              periodSeconds: 20,
            },
            resources: o.resources ?? DEFAULT_RESOURCES,
          }),
        },
      },
    },
    ...(replicas > 1 ? [disruptionBudget(CONTROLLER_NAME, appLabels)] : []),
  ];
}

/** One pod of `name` stays up through voluntary disruptions (node drains). */
function disruptionBudget(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(name, SYSTEM_NAMESPACE, { labels }),
    spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } },
  };
}

/**
 * The REST server (`choreoctl server`): it authenticates callers with TokenReview and acts as them through
 * impersonation, so its ServiceAccount may do exactly that; a Deployment with probes and a ClusterIP Service.
 */
export function serverObjects(opts: { image: string; replicas?: number }): KubeObject[] {
  const ns = SYSTEM_NAMESPACE;
  const replicas = opts.replicas ?? 1;
  const appLabels = { 'app.kubernetes.io/name': SERVER_NAME, 'app.kubernetes.io/part-of': 'openchoreo' };
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(SERVER_NAME, ns, { labels: appLabels }),
      automountServiceAccountToken: true,
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: meta(SERVER_NAME, undefined, { labels: appLabels }),
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
        // the caller's uid and extra (`userextras/<key>`): RBAC has no wildcard for the key, hence `*`
        { apiGroups: ['authentication.k8s.io'], resources: ['*'], verbs: ['impersonate'] },
        // which organizations a caller bound in some namespaces only may see (checked by SubjectAccessReview)
        { apiGroups: ['openchoreo.dev'], resources: ['organizations'], verbs: ['get', 'list'] },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: meta(SERVER_NAME, undefined, { labels: appLabels }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SERVER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: SERVER_NAME, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(SERVER_NAME, ns, { labels: appLabels }),
      spec: {
        replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': SERVER_NAME } },
        template: {
          metadata: { labels: appLabels },
          spec: podSpec(SERVER_NAME, {
            name: 'server',
            image: opts.image,
            args: ['server', `--addr=0.0.0.0:${SERVER_HTTP_PORT}`],
            ports: [{ name: 'http', containerPort: SERVER_HTTP_PORT, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10 },
            livenessProbe: {
              httpGet: { path: '/healthz', port: 'http' },
              initialDelaySeconds: 10,
              periodSeconds: 20,
            },
            resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '384Mi' } },
          }),
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(SERVER_NAME, ns, { labels: appLabels }),
      spec: {
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': SERVER_NAME },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    ...(replicas > 1 ? [disruptionBudget(SERVER_NAME, appLabels)] : []),
  ];
}

/** The controller image for a version: `ghcr.io/openchoreo/choreoctl:v<version>`. */
export function defaultImage(version: string = pkg.version): string {
  return `${IMAGE_REPOSITORY}:${version.startsWith('v') ? version : `v${version}`}`;
}

/**
 * Everything install applies, in order: CRDs; the controller's namespace, ServiceAccount and RBAC; the
 * organization's namespace (unless it is `default`); the default platform; the controller Deployment last.
 */
export function planInstall(opts: PlanOptions = {}): KubeObject[] {
  const org = opts.organization ?? 'default';
  const withController = opts.controller ?? true;
  const image = opts.image ?? defaultImage(opts.version);
  const ctl = withController
    ? [
        ...controllerObjects({
          image,
          ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
          ...(opts.controllers ? { controllers: opts.controllers } : {}),
          ...(opts.resources ? { resources: opts.resources } : {}),
        }),
        ...(opts.server ? serverObjects({ image }) : []),
      ]
    : [];
  // The workloads go last, once everything they need exists.
  const last = new Set(['Deployment', 'Service', 'PodDisruptionBudget']);
  const deployment = ctl.filter((o) => last.has(String(o.kind)));
  const orgNamespace: KubeObject[] =
    org === 'default' ? [] : [{ apiVersion: 'v1', kind: 'Namespace', metadata: meta(org, undefined) }];
  return [
    ...(opts.crds === false ? [] : (allCrds() as unknown as KubeObject[])),
    ...(opts.dependencies ? dependencyCrds() : []),
    ...ctl.filter((o) => !last.has(String(o.kind))),
    // who may request and approve promotions: only meaningful with the controller that performs them
    ...(withController ? promotionAccess() : []),
    ...orgNamespace,
    ...defaultPlatform(org),
    ...((opts.buildTemplates ?? opts.dependencies ?? false) ? buildTemplates(image, opts.build) : []),
    ...deployment,
  ];
}

/** The build plane's ClusterWorkflowTemplates, labelled as installed. */
export function buildTemplates(
  choreoctlImage: string,
  opts: BuildTemplateOptions & { sentinels?: boolean } = {},
): KubeObject[] {
  return buildTemplateObjects({ ...opts, choreoctlImage, labels: { ...managed, ...opts.labels } });
}

// ---------------------------------------------------------------------------------------------------------
// install

function refOf(o: KubeObject): { apiVersion: string; kind: string } {
  return { apiVersion: String(o.apiVersion), kind: String(o.kind) };
}

function resultOf(o: KubeObject, action: ApplyAction): ObjectResult {
  const ns = o.metadata?.namespace;
  return {
    apiVersion: String(o.apiVersion),
    kind: String(o.kind),
    name: String(o.metadata?.name),
    ...(ns ? { namespace: ns } : {}),
    action,
  };
}

/** Whether every field of `want` is present with the same value in `have` (lists compared whole). */
function contains(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object' || Array.isArray(want)) {
    return JSON.stringify(have) === JSON.stringify(want);
  }
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  return Object.entries(want).every(([k, v]) => contains((have as Record<string, unknown>)[k], v));
}

function stripVolatile(o: KubeObject | undefined): unknown {
  if (!o) return undefined;
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metaRest } = o.metadata ?? {};
  return { ...o, metadata: metaRest };
}

function isMissingTarget(e: unknown): boolean {
  return isNotFound(e) || e instanceof UnknownResourceError;
}

/**
 * Apply the plan: CRDs first (waiting until Established), then everything else in order, with server-side
 * apply. Each object is reported created, configured (changed) or unchanged (same resourceVersion).
 */
export async function install(client: KubeClient, opts: InstallOptions = {}): Promise<InstallResult> {
  const t0 = Date.now();
  const fieldManager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
  const plan = planInstall(opts);
  for (const o of plan) {
    if (o.apiVersion !== API_VERSION) continue;
    const v = validate(o);
    if (!v.ok) throw new KubeError(`${o.kind}/${o.metadata?.name}: ${v.errors.map(formatError).join('; ')}`);
  }
  const crds = plan.filter(
    (o) => o.kind === 'CustomResourceDefinition' && o.apiVersion === 'apiextensions.k8s.io/v1',
  );
  const rest = plan.filter((o) => !crds.includes(o));
  const objects: ObjectResult[] = [];
  const report = (r: ObjectResult) => {
    objects.push(r);
    opts.onObject?.(r);
  };

  if (opts.dryRun === 'client') {
    for (const o of plan) {
      const live = await getLive(client, o);
      report(resultOf(o, !live ? 'created' : contains(live, o) ? 'unchanged' : 'configured'));
    }
    return { dryRun: 'client', objects, crdMs: 0, totalMs: Date.now() - t0 };
  }

  const dry = opts.dryRun === 'server';
  const tc = Date.now();
  if (crds.length > 0) {
    const res = await applyCrds(client, crds, { fieldManager, dryRun: dry, timeoutMs: 120_000 });
    res.forEach((r, i) => {
      const crd = crds[i];
      if (crd) report(resultOf(crd, r.action));
    });
  }
  const crdMs = Date.now() - tc;

  for (const o of rest) {
    opts.signal?.throwIfAborted();
    const before = await getLive(client, o);
    let after: KubeObject;
    try {
      after = await client.apply(o, {
        fieldManager,
        force: true,
        fieldValidation: 'Strict',
        ...(dry ? { dryRun: 'All' as const } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      // A server-side dry run cannot reach kinds or namespaces that the same run would only create.
      if (dry && isMissingTarget(e)) {
        report(resultOf(o, 'created'));
        continue;
      }
      throw e;
    }
    let action: ApplyAction;
    if (!before) action = 'created';
    else if (dry) {
      action =
        JSON.stringify(stripVolatile(before)) === JSON.stringify(stripVolatile(after))
          ? 'unchanged'
          : 'configured';
    } else {
      // Same resourceVersion: nothing changed. Otherwise compare without status and volatile metadata: the
      // apiserver may have written status between our read and the apply (a ValidatingAdmissionPolicy's type
      // checking does, a second after it is created), which is not a change this apply made.
      const same =
        before.metadata?.resourceVersion === after.metadata?.resourceVersion ||
        JSON.stringify(stripVolatile({ ...before, status: undefined })) ===
          JSON.stringify(stripVolatile({ ...after, status: undefined }));
      action = same ? 'unchanged' : 'configured';
    }
    report(resultOf(o, action));
  }
  return { ...(dry ? { dryRun: 'server' as const } : {}), objects, crdMs, totalMs: Date.now() - t0 };
}

async function getLive(client: KubeClient, o: KubeObject): Promise<KubeObject | undefined> {
  try {
    return await client.getOrUndefined(refOf(o), String(o.metadata?.name), {
      ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
    });
  } catch (e) {
    if (e instanceof UnknownResourceError) return undefined; // the CRD is not installed yet
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// uninstall

/** Kinds install creates outside our group, in apply order. */
const FOREIGN: { ref: GVR; kind: string; apiVersion: string }[] = [
  {
    ref: KUBE_REF.Namespace,
    kind: 'Namespace',
    apiVersion: 'v1',
  },
  {
    ref: KUBE_REF.ServiceAccount,
    kind: 'ServiceAccount',
    apiVersion: 'v1',
  },
  ...(['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'] as const).map((resource) => ({
    ref: {
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      resource,
      namespaced: !resource.startsWith('cluster'),
    },
    kind: {
      clusterroles: 'ClusterRole',
      clusterrolebindings: 'ClusterRoleBinding',
      roles: 'Role',
      rolebindings: 'RoleBinding',
    }[resource],
    apiVersion: 'rbac.authorization.k8s.io/v1',
  })),
  ...(['validatingadmissionpolicies', 'validatingadmissionpolicybindings'] as const).map((resource) => ({
    ref: { group: 'admissionregistration.k8s.io', version: 'v1', resource, namespaced: false },
    kind:
      resource === 'validatingadmissionpolicies'
        ? 'ValidatingAdmissionPolicy'
        : 'ValidatingAdmissionPolicyBinding',
    apiVersion: 'admissionregistration.k8s.io/v1',
  })),
  {
    ref: KUBE_REF.Deployment,
    kind: 'Deployment',
    apiVersion: 'apps/v1',
  },
  {
    ref: { group: '', version: 'v1', resource: 'services', namespaced: true },
    kind: 'Service',
    apiVersion: 'v1',
  },
  {
    ref: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespaced: true },
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
  },
  {
    // the build templates (absent when Argo's CRDs are not installed: listed as nothing)
    ref: {
      group: 'argoproj.io',
      version: 'v1alpha1',
      resource: 'clusterworkflowtemplates',
      namespaced: false,
    },
    kind: 'ClusterWorkflowTemplate',
    apiVersion: 'argoproj.io/v1alpha1',
  },
];

const gvrOf = (k: KindInfo): GVR => ({
  group: k.group,
  version: k.version,
  resource: k.plural,
  namespaced: k.namespaced,
});

async function listOrEmpty(client: KubeClient, ref: GVR, labelSelector?: string): Promise<KubeObject[]> {
  try {
    return (await client.listAll(ref, labelSelector ? { labelSelector } : {})).items;
  } catch (e) {
    if (isMissingTarget(e)) return [];
    throw e;
  }
}

/** openchoreo.dev objects that install did not create, by namespace and kind. */
export async function userResources(client: KubeClient): Promise<Remaining[]> {
  const out: Remaining[] = [];
  for (const k of KINDS) {
    const items = await listOrEmpty(client, gvrOf(k));
    const byNs = new Map<string, string[]>();
    for (const it of items) {
      if (it.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) continue;
      const ns = it.metadata?.namespace ?? '';
      byNs.set(ns, [...(byNs.get(ns) ?? []), String(it.metadata?.name)]);
    }
    for (const [namespace, names] of byNs) out.push({ namespace, kind: k, names });
  }
  return out;
}

/** "3 components, 1 project still exist in organization default: delete them or pass --force" (one per org). */
export function describeRemaining(remaining: readonly Remaining[]): string {
  const byNs = new Map<string, Remaining[]>();
  for (const r of remaining) byNs.set(r.namespace, [...(byNs.get(r.namespace) ?? []), r]);
  const parts = [...byNs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, rs]) => {
      const counts = rs
        .sort((a, b) => b.names.length - a.names.length || a.kind.rank - b.kind.rank)
        .map((r) => `${r.names.length} ${r.names.length === 1 ? r.kind.singular : r.kind.plural}`);
      const total = rs.reduce((n, r) => n + r.names.length, 0);
      const verb = total === 1 ? 'exists' : 'exist';
      if (ns === '') {
        const names = rs.flatMap((r) => r.names).join(', ');
        return `${counts.join(', ')} (${names}) still ${verb}`;
      }
      return `${counts.join(', ')} still ${verb} in organization ${ns}`;
    });
  return `${parts.join('; ')}: delete them or pass --force`;
}

/**
 * Remove what install created. Refuses (UninstallRefusedError) while user resources exist, unless `force`.
 * Order: the default openchoreo objects (while the controller still runs to handle their finalizers), the
 * controller and its RBAC and namespaces, then the CRDs (which takes any remaining objects with them).
 */
export async function uninstall(client: KubeClient, opts: UninstallOptions = {}): Promise<UninstallResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const grace = opts.finalizerGraceMs ?? 10_000;
  if (!opts.force) {
    const remaining = await userResources(client);
    if (remaining.length > 0) throw new UninstallRefusedError(remaining);
  }
  const deleted: UninstallResult['deleted'] = [];
  const del = async (ref: GVR, o: KubeObject, apiVersion: string, kind: string) => {
    const name = String(o.metadata?.name);
    const namespace = o.metadata?.namespace;
    if (ref.resource === 'namespaces' && (name === 'default' || name.startsWith('kube-'))) return;
    const gone = await client.delete(ref, name, {
      ...(namespace ? { namespace } : {}),
      propagationPolicy: 'Background',
    });
    if (gone) {
      const r = { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
      deleted.push(r);
      opts.onObject?.(r);
    }
  };

  // 1. default openchoreo objects, most dependent first
  const ours = [...KINDS].sort((a, b) => b.rank - a.rank);
  const pending: { k: KindInfo; o: KubeObject }[] = [];
  for (const k of ours) {
    for (const o of await listOrEmpty(client, gvrOf(k), INSTALL_SELECTOR)) {
      await del(gvrOf(k), o, k.apiVersion, k.kind);
      pending.push({ k, o });
    }
  }
  await waitGone(client, pending, Math.min(grace, timeoutMs));
  // 2. the controller, its RBAC and namespaces (Deployment first)
  for (const f of [...FOREIGN].reverse()) {
    for (const o of await listOrEmpty(client, f.ref, INSTALL_SELECTOR))
      await del(f.ref, o, f.apiVersion, f.kind);
  }
  // 3. the CRDs; their remaining objects go with them
  const crdNames = allCrds().map((c) => c.metadata.name);
  for (const name of crdNames) {
    if (await client.delete(CRDS, name)) {
      const r = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name };
      deleted.push(r);
      opts.onObject?.(r);
    }
  }
  await waitCrdsGone(client, crdNames, timeoutMs, grace, opts.force ?? false);
  client.invalidateDiscovery();
  return { deleted, totalMs: Date.now() - t0 };
}

async function dropFinalizers(client: KubeClient, ref: GVR, o: KubeObject): Promise<void> {
  if (!o.metadata?.finalizers?.length) return;
  await client
    .patch(
      ref,
      String(o.metadata.name),
      { metadata: { finalizers: null } },
      {
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      },
    )
    .catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
}

/** Wait until the objects are gone, at most `ms`; the CRD deletion later takes whatever remains. */
async function waitGone(
  client: KubeClient,
  objs: { k: KindInfo; o: KubeObject }[],
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  let left = objs;
  while (left.length > 0 && Date.now() < deadline) {
    const still: typeof left = [];
    for (const x of left) {
      const live = await client
        .getOrUndefined(gvrOf(x.k), String(x.o.metadata?.name), {
          ...(x.o.metadata?.namespace ? { namespace: x.o.metadata.namespace } : {}),
        })
        .catch((e: unknown) => (isMissingTarget(e) ? undefined : Promise.reject(e)));
      if (live) still.push(x);
    }
    left = still;
    if (left.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitCrdsGone(
  client: KubeClient,
  names: string[],
  timeoutMs: number,
  graceMs: number,
  force: boolean,
): Promise<void> {
  const start = Date.now();
  let pending = names;
  while (pending.length > 0) {
    const still: string[] = [];
    for (const n of pending) if (await client.getOrUndefined(CRDS, n)) still.push(n);
    pending = still;
    if (pending.length === 0) return;
    const waited = Date.now() - start;
    if (force && waited > graceMs) {
      // Nobody is left to handle finalizers (the controller was removed): drop them so the CRDs can go.
      for (const n of pending) {
        const k = KINDS.find((x) => `${x.plural}.${GROUP}` === n);
        if (!k) continue;
        for (const o of await listOrEmpty(client, gvrOf(k))) await dropFinalizers(client, gvrOf(k), o);
      }
    }
    if (waited > timeoutMs) {
      throw new KubeError(
        `CRDs still terminating after ${Math.round(timeoutMs / 1000)}s: ${pending.join(', ')}` +
          (force ? '' : ' (objects with finalizers wait for the controller; pass --force to drop them)'),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
