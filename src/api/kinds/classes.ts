/** Class / instance / binding triples: Service, WebApplication, ScheduledTask and API. */
import { z } from 'zod';
import {
  BindingEndpointStatus,
  baseStatus,
  CronJobTemplate,
  className,
  DeploymentTemplate,
  EndpointType,
  Owner2,
  overrides,
  RestAPI,
  releaseState,
  ServiceTemplate,
  serviceApis,
  WorkloadTemplateSpec,
} from '../common.js';
import {
  dnsLabel,
  dnsSubdomain,
  goDuration,
  httpUrl,
  immutable,
  nonNegativeInt,
  positiveInt,
  withRules,
} from '../dsl.js';
import { resource } from '../resource.js';
import {
  CORS_ORIGIN_PATTERN,
  headerName,
  ipOrCidr,
  matching,
  nonEmptyText,
  text,
  textList,
} from '../rules.js';
import { HTTP_METHODS } from './development.js';

const bindingEnvironment = () =>
  immutable(dnsLabel('Environment this binding deploys to. Immutable.'), 'spec.environment');

const workloadName = () => dnsSubdomain('Name of the Workload (same namespace) to run.');

const bindingStatus = (kind: string) =>
  z
    .strictObject({
      ...baseStatus,
      endpoints: z
        .array(BindingEndpointStatus)
        .optional()
        .describe('Resolved addresses of the workload endpoints.'),
    })
    .describe(`Observed state of the ${kind}.`);

const instanceStatus = (kind: string) =>
  z.strictObject({ ...baseStatus }).describe(`Observed state of the ${kind}.`);
const classStatus = (kind: string) =>
  z.strictObject({ ...baseStatus }).describe(`Observed state of the ${kind}.`);

// ---- Service --------------------------------------------------------------------------------------------

export const ServiceClassSpec = z
  .strictObject({
    deploymentTemplate: DeploymentTemplate.optional(),
    serviceTemplate: ServiceTemplate.optional(),
  })
  .describe('Platform template for Services.');
export const ServiceClass = resource({
  kind: 'ServiceClass',
  spec: ServiceClassSpec.optional(),
  status: classStatus('ServiceClass'),
});
export type ServiceClass = z.infer<typeof ServiceClass>;

export const ServiceSpec = z
  .strictObject({
    owner: Owner2(),
    workloadName: workloadName(),
    className: className(),
    overrides: overrides(),
    apis: serviceApis(),
  })
  .describe('Runs a component’s workload as a long-running service with optional APIs.');
export const Service = resource({
  kind: 'Service',
  spec: ServiceSpec,
  status: instanceStatus('Service'),
});
export type Service = z.infer<typeof Service>;

export const ServiceBindingSpec = z
  .strictObject({
    owner: Owner2(),
    environment: bindingEnvironment(),
    className: className(),
    workloadSpec: WorkloadTemplateSpec,
    apis: serviceApis(),
    releaseState: releaseState(),
  })
  .describe('A Service resolved for one environment, with a frozen copy of the workload.');
export const ServiceBinding = resource({
  kind: 'ServiceBinding',
  spec: ServiceBindingSpec,
  status: bindingStatus('ServiceBinding'),
});
export type ServiceBinding = z.infer<typeof ServiceBinding>;

// ---- WebApplication -------------------------------------------------------------------------------------

export const WebApplicationClassSpec = z
  .strictObject({
    deploymentTemplate: DeploymentTemplate.optional(),
    serviceTemplate: ServiceTemplate.optional(),
  })
  .describe('Platform template for WebApplications.');
export const WebApplicationClass = resource({
  kind: 'WebApplicationClass',
  spec: WebApplicationClassSpec.optional(),
  status: classStatus('WebApplicationClass'),
});
export type WebApplicationClass = z.infer<typeof WebApplicationClass>;

export const WebApplicationSpec = z
  .strictObject({
    owner: Owner2(),
    workloadName: workloadName(),
    className: className(),
    overrides: overrides(),
  })
  .describe('Runs a component’s workload as a public web application.');
export const WebApplication = resource({
  kind: 'WebApplication',
  spec: WebApplicationSpec,
  status: instanceStatus('WebApplication'),
});
export type WebApplication = z.infer<typeof WebApplication>;

export const WebApplicationBindingSpec = z
  .strictObject({
    owner: Owner2(),
    environment: bindingEnvironment(),
    className: className(),
    workloadSpec: WorkloadTemplateSpec,
    overrides: overrides(),
    releaseState: releaseState(),
  })
  .describe('A WebApplication resolved for one environment.');
export const WebApplicationBinding = resource({
  kind: 'WebApplicationBinding',
  spec: WebApplicationBindingSpec,
  status: bindingStatus('WebApplicationBinding'),
});
export type WebApplicationBinding = z.infer<typeof WebApplicationBinding>;

// ---- ScheduledTask --------------------------------------------------------------------------------------

export const ScheduledTaskClassSpec = z
  .strictObject({
    cronJobTemplate: CronJobTemplate.optional(),
  })
  .describe('Platform template for ScheduledTasks.');
export const ScheduledTaskClass = resource({
  kind: 'ScheduledTaskClass',
  spec: ScheduledTaskClassSpec.optional(),
  status: classStatus('ScheduledTaskClass'),
});
export type ScheduledTaskClass = z.infer<typeof ScheduledTaskClass>;

export const ScheduledTaskSpec = z
  .strictObject({
    owner: Owner2(),
    workloadName: workloadName(),
    className: className(),
    overrides: overrides(),
  })
  .describe('Runs a component’s workload on a schedule (CronJob).');
export const ScheduledTask = resource({
  kind: 'ScheduledTask',
  spec: ScheduledTaskSpec,
  status: instanceStatus('ScheduledTask'),
});
export type ScheduledTask = z.infer<typeof ScheduledTask>;

export const ScheduledTaskBindingSpec = z
  .strictObject({
    owner: Owner2(),
    environment: bindingEnvironment(),
    className: className(),
    workloadSpec: WorkloadTemplateSpec,
    overrides: overrides(),
    releaseState: releaseState(),
  })
  .describe('A ScheduledTask resolved for one environment.');
export const ScheduledTaskBinding = resource({
  kind: 'ScheduledTaskBinding',
  spec: ScheduledTaskBindingSpec,
  status: bindingStatus('ScheduledTaskBinding'),
});
export type ScheduledTaskBinding = z.infer<typeof ScheduledTaskBinding>;

// ---- API ------------------------------------------------------------------------------------------------

export const AUTHENTICATION_TYPES = ['jwt', 'apikey', 'oauth2', 'basic'] as const;

const stringList = (d: string) => textList(d, 64, 1024).optional();
const headerList = (d: string) => z.array(headerName('A header name.')).max(64).optional().describe(d);

const Transformation = z
  .strictObject({
    type: z.enum(['header']).describe('What is transformed: header (the only type the gateway renders).'),
    action: z.enum(['add', 'set', 'remove']).describe('Action: add, set or remove.'),
    fields: stringList('Fields affected.'),
    headers: headerList('Headers affected.'),
    headerName: headerName('Header name.').optional(),
    headerValue: text('Header value.', 4096).optional(),
  })
  .describe('A request or response transformation.');

export const RESTPolicy = z
  .strictObject({
    rateLimit: z
      .strictObject({
        requests: positiveInt('Requests allowed per window.'),
        window: goDuration(
          'Window as a Go duration: up to 1s is per second, up to 1m per minute, else per hour.',
        ),
      })
      .optional()
      .describe('Local rate limit.'),
    authentication: withRules(
      z
        .strictObject({
          type: z.enum(AUTHENTICATION_TYPES).describe('jwt, apikey, oauth2 or basic.'),
          jwt: z
            .strictObject({
              jwks: httpUrl('URL of the JSON Web Key Set.'),
              issuer: nonEmptyText('Expected issuer.', 2048),
              audience: stringList('Accepted audiences.'),
            })
            .optional()
            .describe('JWT settings; required when type is jwt.'),
          apikey: z
            .strictObject({
              header: headerName('Header carrying the key.').optional(),
              queryParam: z
                .string()
                .min(1)
                .max(256)
                .regex(/^[A-Za-z0-9._~-]+$/, {
                  message: "should match '^[A-Za-z0-9._~-]+$' (a URL query parameter name)",
                })
                .optional()
                .describe('Query parameter carrying the key.'),
            })
            .optional()
            .describe('API key settings.'),
          oauth2: z
            .strictObject({
              tokenUrl: httpUrl('Token endpoint URL.'),
              scopes: stringList('Scopes required (also applied to jwt authorization).'),
            })
            .optional()
            .describe('OAuth2 settings.'),
        })
        .describe('Authentication of API callers.'),
      [
        {
          rule: "self.type != 'jwt' || has(self.jwt)",
          message: 'jwt is required when type is jwt',
          fieldPath: '.jwt',
          check: (s) => s.type !== 'jwt' || s.jwt !== undefined,
        },
      ],
    ).optional(),
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
        allowHeaders: headerList('Allowed request headers.'),
        exposeHeaders: headerList('Response headers exposed to the browser.'),
        maxAge: nonNegativeInt('Preflight cache duration in seconds.').optional(),
      })
      .optional()
      .describe('Cross-origin resource sharing.'),
    security: z
      .strictObject({
        allowedIPs: z
          .array(ipOrCidr('An IP address or CIDR.'))
          .max(256)
          .optional()
          .describe('Client IPs or CIDRs allowed.'),
        blockedIPs: z
          .array(ipOrCidr('An IP address or CIDR.'))
          .max(256)
          .optional()
          .describe('Client IPs or CIDRs denied.'),
        requireTLS: z.boolean().optional().describe('Require TLS.'),
        minTLSVersion: z
          .enum(['1.0', '1.1', '1.2', '1.3'])
          .optional()
          .describe('Minimum TLS version: 1.0, 1.1, 1.2 or 1.3.'),
      })
      .optional()
      .describe('Client IP filtering and TLS requirements.'),
    mediation: z
      .strictObject({
        requestTransformations: z.array(Transformation).max(64).optional().describe('Applied to requests.'),
        responseTransformations: z.array(Transformation).max(64).optional().describe('Applied to responses.'),
      })
      .optional()
      .describe('Request/response transformations.'),
    circuitBreaker: z
      .strictObject({
        enabled: z.boolean().describe('Whether the circuit breaker is on.'),
        maxConnections: nonNegativeInt('Maximum connections.').optional(),
        maxPendingRequests: nonNegativeInt('Maximum pending requests.').optional(),
        maxParallelRequests: nonNegativeInt('Maximum parallel requests.').optional(),
        maxParallelRetries: nonNegativeInt('Maximum parallel retries.').optional(),
      })
      .optional()
      .describe('Backend circuit breaking.'),
  })
  .describe('API policy; public/organization are merged over defaults.');

export const APIClassSpec = z
  .strictObject({
    restPolicy: z
      .strictObject({
        defaults: RESTPolicy.optional(),
        public: RESTPolicy.optional(),
        organization: RESTPolicy.optional(),
      })
      .optional()
      .describe('Policies for REST APIs, by expose level.'),
    grpcPolicy: z.strictObject({}).optional().describe('Reserved for gRPC policies; must be empty.'),
  })
  .describe('Platform template of API policies (auth, rate limits, CORS, circuit breaking).');
export const APIClass = resource({
  kind: 'APIClass',
  spec: APIClassSpec.optional(),
  status: classStatus('APIClass'),
});
export type APIClass = z.infer<typeof APIClass>;

export const APISpec = withRules(
  z
    .strictObject({
      owner: Owner2(),
      environmentName: dnsLabel('Environment the API is for.'),
      className: className(),
      type: EndpointType,
      rest: RestAPI.optional(),
    })
    .describe('An API of a component in one environment.'),
  [
    {
      rule: "self.type != 'REST' || has(self.rest)",
      message: 'rest is required when type is REST',
      fieldPath: '.rest',
      check: (s) => s.type !== 'REST' || s.rest !== undefined,
    },
  ],
);
export const APIStatus = z
  .strictObject({ ...baseStatus, address: z.string().optional().describe('Address of the API.') })
  .describe('Observed state of the API.');
export const API = resource({
  kind: 'API',
  spec: APISpec,
  status: APIStatus,
});
export type API = z.infer<typeof API>;

export const APIBindingSpec = z
  .strictObject({
    apiClassName: dnsSubdomain('APIClass to apply.'),
    apiName: dnsLabel('API to bind.'),
    environmentName: immutable(
      dnsLabel('Environment this binding deploys to. Immutable.'),
      'spec.environmentName',
    ),
    releaseState: releaseState(),
  })
  .describe('An API resolved for one environment.');
export const APIBinding = resource({
  kind: 'APIBinding',
  spec: APIBindingSpec,
  status: bindingStatus('APIBinding'),
});
export type APIBinding = z.infer<typeof APIBinding>;
