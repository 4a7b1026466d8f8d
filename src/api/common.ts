/** Types shared by several kinds (reference §1.2). */
import { z } from 'zod';
import {
  boundedRecord,
  dnsLabel,
  dnsSubdomain,
  exactlyOne,
  freeForm,
  httpUrl,
  immutable,
  nonEmpty,
  notBoth,
  port,
  stringMap,
  urlPath,
  withRules,
} from './dsl.js';

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
      secretKey: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Key in the Secret; default per field: ca.crt (CA), tls.crt (client certificate), tls.key (client key), token (bearer token).',
        ),
      value: z.string().optional().describe('Inline value (base64-encoded PEM for certificates and keys).'),
    })
    .describe('A value given inline or by reference to a Secret; exactly one of the two.'),
  [exactlyOne('secretRef', 'value')],
);

export const KubeconfigSecretRef = z
  .strictObject({
    name: dnsSubdomain('Name of the Secret (in the plane’s namespace) holding a kubeconfig.'),
    key: z.string().min(1).default('kubeconfig').describe('Key of the kubeconfig in the Secret.'),
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
            username: nonEmpty('User name.'),
            password: z.string().describe('Password.'),
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
      key: z
        .string()
        .min(1)
        .regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, {
          message: "should match '^[-._a-zA-Z][-._a-zA-Z0-9]*$' (an environment variable name)",
        })
        .describe('Environment variable name.'),
      value: z.string().optional().describe('Literal value.'),
      valueFrom: z
        .strictObject({
          configurationGroupRef: z
            .strictObject({
              name: dnsLabel('ConfigurationGroup name.'),
              key: nonEmpty('Key inside the configuration group.'),
            })
            .optional()
            .describe('Take the value from a ConfigurationGroup key.'),
          secretRef: z
            .strictObject({
              name: dnsSubdomain('Secret name.'),
              key: nonEmpty('Key inside the secret.'),
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
    image: nonEmpty('Container image reference.'),
    command: z.array(z.string()).optional().describe('Entrypoint override.'),
    args: z.array(z.string()).optional().describe('Arguments to the entrypoint.'),
    env: z.array(EnvVar).max(256).optional().describe('Environment variables.'),
  })
  .describe('A container of the workload.');

export const WorkloadEndpoint = z
  .strictObject({
    type: EndpointType,
    port: port('Port the container listens on (1-65535).'),
    schema: z
      .strictObject({
        type: z.string().optional().describe('Schema type, e.g. REST (OpenAPI), gRPC (proto), GraphQL.'),
        content: z.string().optional().describe('The schema document itself.'),
      })
      .optional()
      .describe('API schema of the endpoint.'),
  })
  .describe('A network endpoint the workload exposes.');

export const CONNECTION_TYPES = ['api', 'external'] as const;
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
      params: stringMap(
        'For type api: componentName and endpoint of the provider. projectName is accepted but ignored (providers are looked up in the same namespace).',
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
                  name: nonEmpty('Environment variable to set in the consumer.'),
                  value: z
                    .string()
                    .describe(
                      'Go template over the provider address: {{ .host }} {{ .port }} {{ .scheme }} {{ .basePath }} {{ .uri }} {{ .url }}. For type external: host and the first port; scheme https for 443/8443, http for 80, else empty.',
                    ),
                })
                .describe('One injected variable.'),
            )
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

export const workloadTemplateShape = {
  containers: boundedRecord(
    Container,
    16,
    'Containers by name. Only the first container is rendered by the new-model bindings.',
  ).optional(),
  endpoints: boundedRecord(WorkloadEndpoint, 64, 'Endpoints by name.').optional(),
  connections: boundedRecord(Connection, 64, 'Connections to other components by name.').optional(),
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
  boundedRecord(ServiceAPI, 64, 'APIs by name (the name matches a workload endpoint).').optional();

export const classTemplate = (description: string) => freeForm(description).optional();
