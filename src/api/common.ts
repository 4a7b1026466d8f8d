/** Types shared by several kinds (reference §1.2). */
import { z } from 'zod';
import {
  dnsLabel,
  dnsSubdomain,
  exactlyOne,
  httpUrl,
  immutable,
  listMap,
  nonEmpty,
  notBoth,
  port,
  urlPath,
  withRules,
} from './dsl.js';
import {
  configKey,
  cronSchedule,
  DNS_LABEL_KEYS,
  envVarName,
  FEATURE_KEYS,
  imageRef,
  int32,
  keyedRecord,
  labelMap,
  nonEmptyText,
  portOrName,
  QUALIFIED_NAME_KEYS,
  quantityValue,
  text,
  textList,
  timeZone,
} from './rules.js';

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const Condition = z
  .strictObject({
    type: nonEmpty('Type of condition in CamelCase, e.g. Ready.'),
    status: z.enum(CONDITION_STATUSES).describe('Status of the condition: True, False or Unknown.'),
    reason: z.string().describe('Machine-readable CamelCase reason for the last transition.'),
    message: z.string().describe('Human-readable message with details about the last transition.'),
    lastTransitionTime: z
      .string()
      .meta({ format: 'date-time', description: 'Last time the condition changed status (RFC 3339).' }),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation the condition was computed from.'),
  })
  .describe('A standard Kubernetes condition.');
export type Condition = z.infer<typeof Condition>;

export const conditions = () =>
  z
    .array(Condition)
    .optional()
    .describe('Current state of the resource as conditions; `Ready` summarises it.');

export const observedGeneration = () =>
  z.number().int().min(0).optional().describe('The metadata.generation last processed by the controller.');

/** The status every kind carries: observedGeneration and conditions. */
export const baseStatus = {
  observedGeneration: observedGeneration(),
  conditions: conditions(),
};

export const ENDPOINT_TYPES = ['HTTP', 'REST', 'gRPC', 'GraphQL', 'Websocket', 'TCP', 'UDP'] as const;
export const EndpointType = z
  .enum(ENDPOINT_TYPES)
  .describe('Protocol of the endpoint: HTTP, REST, gRPC, GraphQL, Websocket, TCP or UDP.');
export type EndpointType = z.infer<typeof EndpointType>;

export const RELEASE_STATES = ['Active', 'Suspend', 'Undeploy'] as const;
export const releaseState = () =>
  z
    .enum(RELEASE_STATES)
    .default('Active')
    .describe(
      'Desired state of the release in this environment: Active (deployed), Suspend (scaled to zero) or Undeploy (removed).',
    );

export const EXPOSE_LEVELS = ['Project', 'Organization', 'Public'] as const;
export const ExposeLevel = z
  .enum(EXPOSE_LEVELS)
  .describe(
    'Visibility: Project (inside the cell only), Organization (internal gateway) or Public (external gateway).',
  );

export const className = () =>
  dnsSubdomain('Name of the class (platform template) to use.').default('default');

// ---------------------------------------------------------------------------------------------------------
// Cluster credentials (DataPlane, BuildPlane)

export const ValueFrom = withRules(
  z
    .strictObject({
      secretRef: dnsSubdomain('Name of a Secret (in the plane’s namespace) holding the value.').optional(),
      secretKey: configKey('Key in the Secret.')
        .optional()
        .describe(
          'Key in the Secret; default per field: ca.crt (CA), tls.crt (client certificate), tls.key (client key), token (bearer token).',
        ),
      value: text('Inline value (base64-encoded PEM for certificates and keys).', 65536).optional(),
    })
    .describe('A value given inline or by reference to a Secret; exactly one of the two.'),
  [exactlyOne('secretRef', 'value')],
);

export const KubeconfigSecretRef = z
  .strictObject({
    name: dnsSubdomain('Name of the Secret (in the plane’s namespace) holding a kubeconfig.'),
    key: configKey('Key of the kubeconfig in the Secret.').default('kubeconfig'),
  })
  .describe('A kubeconfig stored in a Secret; its current context is used.');

export const KubernetesClusterSpec = withRules(
  z
    .strictObject({
      kubeconfigSecretRef: KubeconfigSecretRef.optional(),
      server: httpUrl('URL of the cluster API server, e.g. https://10.0.0.1:6443.').optional(),
      tls: z
        .strictObject({ ca: ValueFrom.describe('CA certificate of the API server (base64 PEM).') })
        .optional()
        .describe('TLS settings for the API server connection; without a CA the system roots are trusted.'),
      auth: withRules(
        z
          .strictObject({
            mtls: z
              .strictObject({
                clientCert: ValueFrom.describe('Client certificate (base64 PEM).'),
                clientKey: ValueFrom.describe('Client private key (base64 PEM).'),
              })
              .optional()
              .describe('Client-certificate authentication; preferred over bearerToken when both are set.'),
            bearerToken: ValueFrom.optional().describe('Bearer token authentication.'),
          })
          .describe('How the controllers authenticate to the cluster: mtls or bearerToken.'),
        [
          {
            rule: 'has(self.mtls) || has(self.bearerToken)',
            message: 'one of mtls or bearerToken must be set',
            check: (s) => s.mtls !== undefined || s.bearerToken !== undefined,
          },
        ],
      ).optional(),
    })
    .describe(
      'Connection details of a Kubernetes cluster: a kubeconfig in a Secret, or server + CA + credentials.',
    ),
  [
    {
      rule: 'has(self.kubeconfigSecretRef) != (has(self.server) && has(self.auth))',
      message: 'set either kubeconfigSecretRef, or server and auth (not both)',
      check: (s) =>
        (s.kubeconfigSecretRef !== undefined) !== (s.server !== undefined && s.auth !== undefined),
    },
  ],
);

export const ObserverAPI = z
  .strictObject({
    url: httpUrl('Base URL of the observer API.'),
    authentication: z
      .strictObject({
        basicAuth: z
          .strictObject({
            username: nonEmptyText('User name.', 256),
            password: text('Password.', 1024),
          })
          .describe('HTTP basic authentication.'),
      })
      .describe('How to authenticate to the observer.'),
  })
  .describe('The observability API (logs) of a plane, used by the REST API.');

// ---------------------------------------------------------------------------------------------------------
// Endpoint access (status of bindings)

export const EndpointAccess = z
  .strictObject({
    host: z.string().describe('Host name.'),
    port: port('Port.'),
    scheme: z.string().optional().describe('URL scheme (http, https, grpc, ws); empty for TCP/UDP.'),
    basePath: z.string().optional().describe('Base path of the endpoint.'),
    uri: z.string().optional().describe('Full URI: scheme://host[:port][basePath], or host:port.'),
  })
  .describe('How to reach an endpoint at one visibility level.');

export const BindingEndpointStatus = z
  .strictObject({
    name: z.string().describe('Workload endpoint name.'),
    type: z.string().describe('Endpoint type.'),
    project: EndpointAccess.optional().describe('Access from inside the project (cell).'),
    organization: EndpointAccess.optional().describe('Access through the organization (internal) gateway.'),
    public: EndpointAccess.optional().describe('Access through the public (external) gateway.'),
  })
  .describe('Resolved addresses of one workload endpoint.');

// ---------------------------------------------------------------------------------------------------------
// Owners

const ownerDescription = 'The project and component this resource belongs to. Immutable.';

export const Owner2 = () =>
  immutable(
    z
      .strictObject({
        projectName: dnsLabel('Name of the owning Project.'),
        componentName: dnsLabel('Name of the owning Component.'),
      })
      .describe(ownerDescription),
    'spec.owner',
  );

// ---------------------------------------------------------------------------------------------------------
// Workload template (shared by Workload and the bindings)

export const EnvVar = withRules(
  z
    .strictObject({
      key: envVarName('Environment variable name.'),
      value: text('Literal value.', 32768).optional(),
      valueFrom: z
        .strictObject({
          configurationGroupRef: z
            .strictObject({
              name: dnsLabel('ConfigurationGroup name.'),
              key: configKey('Key inside the configuration group.'),
            })
            .optional()
            .describe('Take the value from a ConfigurationGroup key.'),
          secretRef: z
            .strictObject({
              name: dnsSubdomain('Secret name.'),
              key: configKey('Key inside the secret.'),
            })
            .optional()
            .describe('Take the value from a Secret key.'),
        })
        .optional()
        .describe(
          'Indirect value. Note: the new-model renderers only use literal values; valueFrom is used by legacy Deployments.',
        ),
    })
    .describe('An environment variable.'),
  [notBoth('value', 'valueFrom')],
);

export const Container = z
  .strictObject({
    image: imageRef('Container image reference: [registry[:port]/]path[:tag][@digest].'),
    command: textList('Entrypoint override.', 256, 4096).optional(),
    args: textList('Arguments to the entrypoint.', 256, 4096).optional(),
    env: z.array(EnvVar).max(256).optional().describe('Environment variables.'),
  })
  .describe('A container of the workload.');

export const WorkloadEndpoint = z
  .strictObject({
    type: EndpointType,
    port: port('Port the container listens on (1-65535).'),
    schema: z
      .strictObject({
        type: text('Schema type, e.g. REST (OpenAPI), gRPC (proto), GraphQL.', 64).optional(),
        content: text('The schema document itself.', 262144).optional(),
      })
      .optional()
      .describe('API schema of the endpoint.'),
  })
  .describe('A network endpoint the workload exposes.');

export const CONNECTION_TYPES = ['api', 'external'] as const;
const CONNECTION_PARAM_KEYS = {
  pattern: '^(componentName|endpoint|projectName)$',
  maxLength: 13,
  what: 'componentName, endpoint or projectName',
};
/** A DNS name, or a wildcard `*.` in front of one (one label: `*.s3.amazonaws.com` matches `eu.s3.amazonaws.com`). */
export const EXTERNAL_HOST_PATTERN =
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const Connection = withRules(
  z
    .strictObject({
      type: z
        .enum(CONNECTION_TYPES)
        .describe(
          'Kind of dependency: `api` (another component’s endpoint, eastbound) or `external` (a service outside the cluster, southbound: the only egress the cell allows besides connections and DNS).',
        ),
      params: keyedRecord(
        dnsLabel('A name: of the provider component, its endpoint, or its project.'),
        CONNECTION_PARAM_KEYS,
        3,
        'For type api: componentName and endpoint of the provider (DNS-1123 labels); projectName is optional.',
      ).optional(),
      host: z
        .string()
        .max(253)
        .regex(new RegExp(EXTERNAL_HOST_PATTERN), {
          message: `should match '${EXTERNAL_HOST_PATTERN}' (a lowercase DNS name, optionally starting with a *. wildcard label)`,
        })
        .optional()
        .describe(
          'For type external: the DNS name of the service, e.g. api.stripe.com, or a one-label wildcard such as *.s3.amazonaws.com.',
        ),
      ports: z
        .array(port('A port of the external service (1-65535).'))
        .min(1)
        .max(16)
        .optional()
        .describe(
          'For type external: the ports the workload may reach on host; the first one is injected as {{ .port }}.',
        ),
      protocol: z
        .enum(['TCP', 'UDP'])
        .optional()
        .describe('For type external: the transport protocol of ports (default TCP).'),
      inject: z
        .strictObject({
          env: z
            .array(
              z
                .strictObject({
                  name: envVarName('Environment variable to set in the consumer.'),
                  value: z
                    .string()
                    .max(4096)
                    .describe(
                      'Go template over the provider address: {{ .host }} {{ .port }} {{ .scheme }} {{ .basePath }} {{ .uri }} {{ .url }}. For type external: host and the first port; scheme https for 443/8443, http for 80, else empty.',
                    ),
                })
                .describe('One injected variable.'),
            )
            .max(64)
            .describe('Environment variables injected into the consumer.'),
        })
        .describe('How the resolved address is handed to the workload.'),
    })
    .describe('A dependency on another component’s endpoint or on an external service.'),
  [
    {
      rule: "self.type != 'external' || (has(self.host) && has(self.ports))",
      message: 'an external connection needs host and ports',
      check: (self) => self.type !== 'external' || (self.host !== undefined && self.ports !== undefined),
    },
    {
      rule: "self.type == 'external' || (!has(self.host) && !has(self.ports) && !has(self.protocol))",
      message: 'host, ports and protocol are only for type external',
      check: (self) =>
        self.type === 'external' ||
        (self.host === undefined && self.ports === undefined && self.protocol === undefined),
    },
    {
      rule: "self.type != 'external' || !has(self.params)",
      message: 'params are only for type api (an external connection names its host and ports)',
      fieldPath: '.params',
      check: (self) => self.type !== 'external' || self.params === undefined,
    },
  ],
);

// ---------------------------------------------------------------------------------------------------------
// Probes (legacy application configuration): a core/v1 Probe, typed where Kubernetes would refuse it later.

const probePort = () => portOrName('Port number (1-65535) or name of a container port.');

export const Probe = z
  .looseObject({
    httpGet: z
      .looseObject({
        path: urlPath('Path to request, e.g. /healthz.').max(2048).optional(),
        port: probePort(),
        scheme: z.enum(['HTTP', 'HTTPS']).optional().describe('HTTP or HTTPS.'),
      })
      .optional()
      .describe('An HTTP GET check.'),
    tcpSocket: z.looseObject({ port: probePort() }).optional().describe('A TCP connect check.'),
    grpc: z
      .looseObject({ port: port('gRPC port (1-65535).') })
      .optional()
      .describe('A gRPC health check.'),
    exec: z
      .looseObject({ command: textList('Command run in the container.', 64, 4096).optional() })
      .optional()
      .describe('A command check.'),
    initialDelaySeconds: int32('Seconds before the first check.').optional(),
    periodSeconds: int32('Seconds between checks.', 1).optional(),
    timeoutSeconds: int32('Seconds a check may take.', 1).optional(),
    successThreshold: int32('Successes to count as healthy.', 1).optional(),
    failureThreshold: int32('Failures to count as unhealthy.', 1).optional(),
  })
  .describe('A core/v1 Probe: unknown fields are kept, the ones above are checked.');

export const workloadTemplateShape = {
  containers: keyedRecord(
    Container,
    DNS_LABEL_KEYS,
    16,
    'Containers by name (DNS-1123 labels: they become container names).',
  ).optional(),
  endpoints: keyedRecord(
    WorkloadEndpoint,
    DNS_LABEL_KEYS,
    64,
    'Endpoints by name (DNS-1123 labels).',
  ).optional(),
  connections: keyedRecord(
    Connection,
    DNS_LABEL_KEYS,
    64,
    'Connections to other components by name (DNS-1123 labels).',
  ).optional(),
};

export const WorkloadTemplateSpec = z
  .strictObject(workloadTemplateShape)
  .describe('The developer contract: containers, endpoints and connections.');
export type WorkloadTemplate = z.infer<typeof WorkloadTemplateSpec>;

// ---------------------------------------------------------------------------------------------------------
// Service APIs

export const RestAPI = z
  .strictObject({
    backend: z
      .strictObject({
        port: port('Backend (container) port.'),
        basePath: urlPath('Base path of the API on the backend, e.g. /greeter.').optional(),
      })
      .optional()
      .describe('Where the API is served by the workload.'),
    exposeLevels: z
      .array(ExposeLevel)
      .max(3)
      .optional()
      .describe(
        'Where the API is exposed. Routes are created for Organization and Public; empty means Public.',
      ),
  })
  .describe('REST exposure settings.');

export const ServiceAPI = withRules(
  z
    .strictObject({
      className: dnsSubdomain('APIClass that supplies the API policies.').default('default'),
      type: EndpointType,
      rest: RestAPI.optional(),
    })
    .describe('An API of a Service exposed through the gateways.'),
  [
    {
      rule: "self.type != 'REST' || has(self.rest)",
      message: 'rest is required when type is REST',
      fieldPath: '.rest',
      check: (s) => s.type !== 'REST' || s.rest !== undefined,
    },
  ],
);

export const serviceApis = () =>
  keyedRecord(
    ServiceAPI,
    DNS_LABEL_KEYS,
    64,
    'APIs by name (DNS-1123 labels; the name matches a workload endpoint).',
  ).optional();

/** Feature switches of an instance or binding, by name. */
export const overrides = () =>
  keyedRecord(
    z.boolean(),
    FEATURE_KEYS,
    64,
    'Feature switches overriding the class defaults, by name.',
  ).optional();

// ---------------------------------------------------------------------------------------------------------
// Class templates: Kubernetes spec fragments. Unknown fields are kept (they are passed on as written); the
// fields the renderers read, and those whose bad values Kubernetes would reject later, are validated here.

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

const quantities = (description: string) =>
  keyedRecord(
    quantityValue('A quantity: an integer or e.g. 500m, 256Mi.'),
    QUALIFIED_NAME_KEYS,
    16,
    description,
  ).optional();

const TemplateContainer = z
  .looseObject({
    name: dnsLabel('Container name: a workload container of the same name is merged over it.'),
    image: imageRef(
      'Image of a platform sidecar; omit it for a template that workload containers are merged over.',
    ).optional(),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional().describe('Image pull policy.'),
    env: listMap(
      z
        .looseObject({ name: envVarName('Variable name.') })
        .describe('An environment variable (core/v1 EnvVar).'),
      ['name'],
      256,
      'Environment variables (distinct names).',
    ).optional(),
    resources: z
      .looseObject({
        limits: quantities('Resource limits by resource name, e.g. cpu: 500m, memory: 256Mi.'),
        requests: quantities('Resource requests by resource name.'),
      })
      .optional()
      .describe('Compute resources (core/v1 ResourceRequirements).'),
    ports: z
      .array(
        z
          .looseObject({
            containerPort: port('Port the container listens on (1-65535).'),
            protocol: z.enum(PROTOCOLS).optional().describe('TCP, UDP or SCTP.'),
          })
          .describe('A container port (core/v1 ContainerPort).'),
      )
      .max(64)
      .optional()
      .describe('Container ports.'),
  })
  .describe('A container of the class (core/v1 Container fragment): a template or a sidecar.');

const TemplateObjectMeta = z
  .looseObject({
    labels: labelMap('Labels (qualified-name keys, label values).').optional(),
  })
  .describe('Object metadata fragment.');

const TemplatePodSpec = z
  .looseObject({
    containers: listMap(
      TemplateContainer,
      ['name'],
      32,
      'Containers (distinct names): templates the workload containers are merged over, and sidecars.',
    ).optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional().describe('Restart policy.'),
    serviceAccountName: dnsSubdomain('Service account the pods run as.').optional(),
  })
  .describe('core/v1 PodSpec fragment.');

const TemplatePod = z
  .looseObject({ metadata: TemplateObjectMeta.optional(), spec: TemplatePodSpec.optional() })
  .describe('core/v1 PodTemplateSpec fragment.');

export const DeploymentTemplate = z
  .looseObject({
    replicas: int32('Number of pods.').optional(),
    revisionHistoryLimit: int32('Old ReplicaSets kept.').optional(),
    minReadySeconds: int32('Seconds a new pod must be ready before it counts as available.').optional(),
    progressDeadlineSeconds: int32('Seconds before a rollout counts as stalled.', 1).optional(),
    strategy: z
      .looseObject({ type: z.enum(['RollingUpdate', 'Recreate']).optional().describe('Strategy type.') })
      .optional()
      .describe('Rollout strategy.'),
    template: TemplatePod.optional(),
  })
  .describe('apps/v1 DeploymentSpec fragment the workload is merged into (selector is set by the renderer).');

export const ServiceTemplate = z
  .looseObject({
    type: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'])
      .optional()
      .describe('Service type (default ClusterIP).'),
    ports: z
      .array(
        z
          .looseObject({
            port: port('Service port (1-65535).'),
            protocol: z.enum(PROTOCOLS).optional().describe('TCP, UDP or SCTP.'),
            name: dnsLabel('Port name.').optional(),
          })
          .describe('A service port (core/v1 ServicePort).'),
      )
      .max(64)
      .optional()
      .describe('Extra ports; the workload endpoints add theirs.'),
  })
  .describe('core/v1 ServiceSpec fragment.');

export const CronJobTemplate = z
  .looseObject({
    schedule: cronSchedule('Cron schedule of every task of the class, e.g. 0 2 * * * or @daily.'),
    timeZone: timeZone('IANA time zone of the schedule, e.g. Etc/UTC.').optional(),
    concurrencyPolicy: z
      .enum(['Allow', 'Forbid', 'Replace'])
      .optional()
      .describe('What to do when a run is still going: Allow, Forbid or Replace.'),
    suspend: z.boolean().optional().describe('Suspend every task of the class.'),
    startingDeadlineSeconds: int32('Seconds a missed run may still start.').optional(),
    successfulJobsHistoryLimit: int32('Finished jobs kept.').optional(),
    failedJobsHistoryLimit: int32('Failed jobs kept.').optional(),
    jobTemplate: z
      .looseObject({
        metadata: TemplateObjectMeta.optional(),
        spec: z
          .looseObject({
            backoffLimit: int32('Retries before a job fails.').optional(),
            activeDeadlineSeconds: int32('Seconds a job may run.', 1).optional(),
            ttlSecondsAfterFinished: int32('Seconds a finished job is kept.').optional(),
            parallelism: int32('Pods run in parallel.').optional(),
            completions: int32('Successful pods needed.').optional(),
            template: TemplatePod.optional(),
          })
          .optional()
          .describe('batch/v1 JobSpec fragment.'),
      })
      .optional()
      .describe('batch/v1 JobTemplateSpec fragment.'),
  })
  .describe('batch/v1 CronJobSpec fragment; its schedule is used for every task.');
