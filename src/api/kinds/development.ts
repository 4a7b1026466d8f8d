/** Development kinds: Component, Workload, Endpoint, ConfigurationGroup. */
import { z } from 'zod';
import { baseStatus, EndpointType, Owner2, workloadTemplateShape } from '../common.js';
import {
  dnsLabel,
  dnsSubdomain,
  gitUrl,
  httpUrl,
  immutable,
  listMap,
  nonNegativeInt,
  port,
  urlPath,
  withRules,
} from '../dsl.js';
import { COMPONENT_TYPES } from '../kind-constants.js';
import { resource } from '../resource.js';
import {
  CORS_ORIGIN_PATTERN,
  configKey,
  gitBranch,
  headerName,
  labelMap,
  matching,
  nonEmptyText,
  repoPath,
  text,
  textList,
} from '../rules.js';

// ---- Component ------------------------------------------------------------------------------------------

export { COMPONENT_TYPES };

export const TemplateRef = z
  .strictObject({
    engine: z.enum(['argo']).default('argo').describe('Build engine; only argo is implemented.'),
    name: dnsSubdomain('Name of the ClusterWorkflowTemplate, e.g. docker, google-cloud-buildpacks, react.'),
    parameters: listMap(
      z
        .strictObject({
          name: matching(
            '^[A-Za-z0-9][-A-Za-z0-9_.]*$',
            'a workflow parameter name',
            'Parameter name, e.g. docker-context.',
            0,
            253,
          ),
          value: text('Parameter value.', 4096),
        })
        .describe('A workflow parameter.'),
      ['name'],
      64,
      'Extra parameters passed to the workflow template (distinct names).',
    ).optional(),
  })
  .describe('The build template to run.');

export const ComponentSpec = z
  .strictObject({
    owner: immutable(
      z
        .strictObject({ projectName: dnsLabel('Name of the owning Project.') })
        .describe('The project the component belongs to. Immutable.'),
      'spec.owner',
    ),
    type: z
      .enum(COMPONENT_TYPES)
      .describe(
        'Component type: Service, WebApplication, ScheduledTask (implemented) or ManualTask, Webhook, APIProxy, TestRunner, EventHandler.',
      ),
    build: z
      .strictObject({
        repository: z
          .strictObject({
            url: gitUrl('Git repository URL.'),
            revision: z
              .strictObject({ branch: gitBranch('Default branch to build.') })
              .describe('Which revision to build by default.'),
            appPath: repoPath('Path of the application inside the repository, e.g. /service-go.'),
          })
          .describe('Where the source lives.'),
        templateRef: TemplateRef,
      })
      .optional()
      .describe('How to build the component from source; omit for components deployed from an image.'),
  })
  .describe('A deployable unit of a project: a service, web application or task.');
export const ComponentEnvironmentStatus = z
  .strictObject({
    environment: z.string().describe('Environment name.'),
    kind: z
      .string()
      .describe('Kind of the binding: ServiceBinding, WebApplicationBinding or ScheduledTaskBinding.'),
    binding: z.string().describe('Name of the binding.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Ready status of the binding.'),
    reason: z.string().describe('Ready reason of the binding.'),
    message: z.string().optional().describe('Ready message of the binding.'),
    urls: z.array(z.string()).optional().describe('URIs of the endpoints in this environment.'),
  })
  .describe('The component in one environment, as its binding reports it.');
export const ComponentStatus = z
  .strictObject({
    ...baseStatus,
    environments: z
      .array(ComponentEnvironmentStatus)
      .optional()
      .describe('One entry per binding of the component, in pipeline order.'),
  })
  .describe('Observed state of the Component.');
export const Component = resource({
  kind: 'Component',
  spec: ComponentSpec,
  status: ComponentStatus,
});
export type Component = z.infer<typeof Component>;

// ---- Workload -------------------------------------------------------------------------------------------

export const WorkloadSpec = z
  .strictObject({ owner: Owner2(), ...workloadTemplateShape })
  .describe('The developer contract of a component: containers, endpoints and connections.');
export const WorkloadStatus = z.strictObject({ ...baseStatus }).describe('Observed state of the Workload.');
export const Workload = resource({
  kind: 'Workload',
  spec: WorkloadSpec,
  status: WorkloadStatus,
});
export type Workload = z.infer<typeof Workload>;

// ---- Endpoint (legacy) ----------------------------------------------------------------------------------

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
export const POLICY_TYPES = ['oauth2', 'api-key', 'basic-auth', 'rate-limit', 'cors', 'mediation'] as const;
export const TIME_UNITS = ['Second', 'Minute', 'Hour', 'Day'] as const;
const TimeUnit = z.enum(TIME_UNITS).describe('Window unit: Second, Minute, Hour or Day.');

export const AUTHZ_API_TYPES = ['REST', 'GRPC', 'GraphQL'] as const;

const ClaimToHeader = z
  .strictObject({
    name: nonEmptyText('JWT claim name.', 256),
    header: headerName('Header to copy the claim into.'),
  })
  .describe('Copy a JWT claim into a request header.');
const claimsToHeaders = () =>
  z.array(ClaimToHeader).max(64).optional().describe('Claims copied into headers.');
const scopes = () => textList('OAuth2 scopes required.', 64, 256);

const OAuth2PolicySpec = z
  .strictObject({
    jwt: z
      .strictObject({
        claims: z
          .array(
            z
              .strictObject({
                key: nonEmptyText('Claim name.', 256),
                values: textList('Accepted values.', 64, 1024),
              })
              .describe('A required claim.'),
          )
          .max(64)
          .optional()
          .describe('Claims the token must carry.'),
        authorization: z
          .strictObject({
            apiType: z
              .enum(AUTHZ_API_TYPES)
              .describe('API style the operations refer to: REST, GRPC or GraphQL.'),
            rest: z
              .strictObject({
                claimsToHeaders: claimsToHeaders(),
                operations: z
                  .array(
                    z
                      .strictObject({
                        target: urlPath('Path of the operation, e.g. /books/{id}.').max(1024),
                        method: z.enum(HTTP_METHODS).describe('HTTP method (upper case).'),
                        scopes: scopes(),
                      })
                      .describe('A REST operation.'),
                  )
                  .max(256)
                  .optional()
                  .describe('Per-operation scope requirements.'),
              })
              .optional()
              .describe('REST operations.'),
            grpc: z
              .strictObject({
                claimsToHeaders: claimsToHeaders(),
                operations: z
                  .array(
                    z
                      .strictObject({
                        name: nonEmptyText('gRPC service name.', 256),
                        methods: z
                          .array(
                            z
                              .strictObject({ name: nonEmptyText('Method name.', 256), scopes: scopes() })
                              .describe('A gRPC method.'),
                          )
                          .max(256)
                          .describe('Methods of the service.'),
                      })
                      .describe('A gRPC service.'),
                  )
                  .max(64)
                  .optional()
                  .describe('Per-method scope requirements.'),
              })
              .optional()
              .describe('gRPC operations.'),
            graphql: z
              .strictObject({
                claimsToHeaders: claimsToHeaders(),
                operations: z
                  .array(
                    z
                      .strictObject({
                        type: z
                          .enum(['query', 'mutation', 'subscription'])
                          .describe('query, mutation or subscription.'),
                        name: nonEmptyText('Operation name.', 256),
                        scopes: scopes(),
                      })
                      .describe('A GraphQL operation.'),
                  )
                  .max(256)
                  .optional()
                  .describe('Per-operation scope requirements.'),
              })
              .optional()
              .describe('GraphQL operations.'),
          })
          .describe('Which scopes each operation needs.'),
      })
      .describe('JWT validation settings.'),
  })
  .describe('OAuth2 (JWT) protection.');

const PolicySpec = z
  .strictObject({
    oauth2: OAuth2PolicySpec.optional(),
    apiKeyAuth: z
      .strictObject({
        keySource: z
          .strictObject({
            header: headerName('Header carrying the key.'),
            headerAuthScheme: text('Scheme prefix in the header, e.g. Bearer.', 64).optional(),
          })
          .describe('Where the key is read from.'),
        secretRefs: z.array(dnsSubdomain('Secret name.')).max(64).describe('Secrets holding valid keys.'),
      })
      .optional()
      .describe('API key authentication.'),
    basicAuth: z
      .strictObject({
        users: z
          .array(
            z
              .strictObject({
                username: nonEmptyText('User name.', 256),
                passwordFromSecret: dnsSubdomain('Secret holding the password.'),
              })
              .describe('A user.'),
          )
          .max(256)
          .describe('Accepted users.'),
        header: headerName('Header carrying the credentials.'),
        headerAuthScheme: text('Scheme prefix in the header, e.g. Basic.', 64),
      })
      .optional()
      .describe('HTTP basic authentication.'),
    rateLimit: z
      .strictObject({
        apiLevel: z
          .strictObject({
            timeUnit: TimeUnit,
            requestLimit: nonNegativeInt('Requests allowed per window.'),
          })
          .describe('Limit for the whole API.'),
        operationLevel: z
          .strictObject({
            rest: z
              .array(
                z
                  .strictObject({
                    target: urlPath('Path of the operation.').max(1024),
                    method: z.enum(HTTP_METHODS).describe('HTTP method.'),
                    timeUnit: TimeUnit,
                    requestLimit: nonNegativeInt('Requests allowed per window.'),
                  })
                  .describe('A per-operation limit.'),
              )
              .max(256)
              .optional()
              .describe('Per-operation limits.'),
          })
          .optional()
          .describe('Per-operation limits.'),
      })
      .optional()
      .describe('Rate limiting.'),
    cors: z
      .strictObject({
        allowOrigins: z
          .array(matching(CORS_ORIGIN_PATTERN, '* or http(s)://host[:port]', 'An allowed origin.', 0, 2048))
          .max(64)
          .optional()
          .describe('Allowed origins: * or http(s)://host[:port] (the host may start with *.).'),
        allowMethods: z
          .array(z.enum(HTTP_METHODS))
          .max(9)
          .optional()
          .describe('Allowed methods (upper case).'),
        allowHeaders: z
          .array(headerName('A header.'))
          .max(64)
          .optional()
          .describe('Allowed request headers.'),
        exposeHeaders: z
          .array(headerName('A header.'))
          .max(64)
          .optional()
          .describe('Response headers exposed to the browser.'),
        maxAge: nonNegativeInt('Preflight cache duration in seconds.').optional(),
        allowCredentials: z.boolean().optional().describe('Whether credentials are allowed.'),
      })
      .optional()
      .describe('Cross-origin resource sharing.'),
  })
  .describe('Settings of the policy; the member matching `type` must be set.');

const POLICY_SPEC_MEMBER: Record<(typeof POLICY_TYPES)[number], string | undefined> = {
  oauth2: 'oauth2',
  'api-key': 'apiKeyAuth',
  'basic-auth': 'basicAuth',
  'rate-limit': 'rateLimit',
  cors: 'cors',
  mediation: undefined,
};

export const Policy = withRules(
  z
    .strictObject({
      name: dnsSubdomain('Policy name (unique within the visibility).'),
      type: z
        .enum(POLICY_TYPES)
        .describe('Policy type: oauth2, api-key, basic-auth, rate-limit, cors or mediation.'),
      policySpec: PolicySpec,
    })
    .describe('An API management policy.'),
  [
    {
      rule: Object.entries(POLICY_SPEC_MEMBER)
        .filter(([, m]) => m !== undefined)
        .map(([t, m]) => `(self.type != '${t}' || has(self.policySpec.${m}))`)
        .join(' && '),
      message:
        'policySpec must set the member matching type (oauth2, apiKeyAuth, basicAuth, rateLimit, cors)',
      fieldPath: '.policySpec',
      check: (s) => {
        const member = POLICY_SPEC_MEMBER[s.type];
        return member === undefined || (s.policySpec as Record<string, unknown>)[member] !== undefined;
      },
    },
  ],
);

export const VisibilityConfig = z
  .strictObject({
    enable: z.boolean().describe('Whether the endpoint is exposed at this level.'),
    policies: listMap(Policy, ['name'], 32, 'Policies applied at this level (distinct names).').optional(),
  })
  .describe('Exposure at one visibility level.');

export const EndpointSpec = z
  .strictObject({
    type: EndpointType,
    backendRef: withRules(
      z
        .strictObject({
          basePath: urlPath('Base path of the upstream service.').optional(),
          type: z
            .enum(['componentRef', 'target'])
            .describe('componentRef (the component) or target (a URL).'),
          componentRef: z
            .strictObject({ port: port('Port of the component.') })
            .optional()
            .describe('The component itself as upstream; required when type is componentRef.'),
          target: z
            .strictObject({ url: httpUrl('URL of the upstream.') })
            .optional()
            .describe('An external URL as upstream; required when type is target.'),
        })
        .describe('The upstream the endpoint routes to.'),
      [
        {
          rule: "self.type != 'componentRef' || has(self.componentRef)",
          message: 'componentRef is required when type is componentRef',
          fieldPath: '.componentRef',
          check: (s) => s.type !== 'componentRef' || s.componentRef !== undefined,
        },
        {
          rule: "self.type != 'target' || has(self.target)",
          message: 'target is required when type is target',
          fieldPath: '.target',
          check: (s) => s.type !== 'target' || s.target !== undefined,
        },
      ],
    ),
    networkVisibilities: z
      .strictObject({
        organization: VisibilityConfig.optional(),
        public: VisibilityConfig.optional(),
      })
      .optional()
      .describe('Exposure per level; without it the endpoint is public.'),
  })
  .describe('A network endpoint of a legacy Deployment, routed through the gateways.');
export const EndpointStatus = z
  .strictObject({
    ...baseStatus,
    address: z.string().optional().describe('Public URL of the endpoint.'),
  })
  .describe('Observed state of the Endpoint.');
export const Endpoint = resource({
  kind: 'Endpoint',
  spec: EndpointSpec,
  status: EndpointStatus,
});
export type Endpoint = z.infer<typeof Endpoint>;

// ---- ConfigurationGroup ---------------------------------------------------------------------------------

export const ConfigurationValue = withRules(
  z
    .strictObject({
      environment: dnsLabel('Environment this value applies to.').optional(),
      environmentGroupRef: dnsLabel('Environment group this value applies to.').optional(),
      value: text('Literal value (stored in a ConfigMap).', 65536).optional(),
      vaultKey: nonEmptyText('Key in the secret store (mounted through a CSI driver).', 1024).optional(),
    })
    .describe('The value of a key for an environment or environment group.'),
  [
    {
      rule: 'has(self.value) != has(self.vaultKey)',
      message: 'exactly one of value or vaultKey must be set',
      check: (s) => (s.value !== undefined) !== (s.vaultKey !== undefined),
    },
    {
      rule: '!(has(self.environment) && has(self.environmentGroupRef))',
      message: 'environment and environmentGroupRef are mutually exclusive',
      fieldPath: '.environmentGroupRef',
      check: (s) => !(s.environment !== undefined && s.environmentGroupRef !== undefined),
    },
  ],
);

export const ConfigurationGroupSpec = z
  .strictObject({
    scope: labelMap(
      'Labels selecting where the group applies (organization, project, component): label keys and values.',
      16,
    ).default({}),
    environmentGroups: listMap(
      z
        .strictObject({
          name: dnsLabel('Group name.'),
          environments: z.array(dnsLabel('Environment name.')).max(64).describe('Environments in the group.'),
        })
        .describe('A named set of environments.'),
      ['name'],
      32,
      'Named sets of environments (distinct names).',
    ).optional(),
    configurations: listMap(
      z
        .strictObject({
          key: configKey('Configuration key (a ConfigMap/Secret key: it becomes one).'),
          values: z.array(ConfigurationValue).max(64).describe('Values per environment or group.'),
        })
        .describe('One configuration key.'),
      ['key'],
      256,
      'Configuration keys (distinct).',
    ),
  })
  .describe('Configuration and secrets shared by components, with per-environment values.');
export const ConfigurationGroupStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the ConfigurationGroup.');
export const ConfigurationGroup = resource({
  kind: 'ConfigurationGroup',
  spec: ConfigurationGroupSpec,
  status: ConfigurationGroupStatus,
});
export type ConfigurationGroup = z.infer<typeof ConfigurationGroup>;
