/** Class / instance / binding triples: Service, WebApplication, ScheduledTask and API. */
import { z } from 'zod';
import {
  BindingEndpointStatus,
  baseStatus,
  className,
  classTemplate,
  EndpointType,
  Owner2,
  RestAPI,
  releaseState,
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

const overrides = () =>
  z
    .record(z.string(), z.boolean())
    .optional()
    .describe('Feature switches overriding the class defaults, by name.');

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
    deploymentTemplate: classTemplate('apps/v1 DeploymentSpec fragment the workload is merged into.'),
    serviceTemplate: classTemplate('core/v1 ServiceSpec fragment.'),
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
    deploymentTemplate: classTemplate('apps/v1 DeploymentSpec fragment the workload is merged into.'),
    serviceTemplate: classTemplate('core/v1 ServiceSpec fragment.'),
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
    cronJobTemplate: classTemplate('batch/v1 CronJobSpec fragment; its schedule is used for every task.'),
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

const stringList = (d: string) => z.array(z.string()).optional().describe(d);

const Transformation = z
  .strictObject({
    type: z.string().min(1).describe('What is transformed, e.g. header or json.'),
    action: z.string().min(1).describe('Action, e.g. add, remove, set.'),
    fields: stringList('Fields affected.'),
    headers: stringList('Headers affected.'),
    headerName: z.string().optional().describe('Header name.'),
    headerValue: z.string().optional().describe('Header value.'),
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
              issuer: z.string().min(1).describe('Expected issuer.'),
              audience: stringList('Accepted audiences.'),
            })
            .optional()
            .describe('JWT settings; required when type is jwt.'),
          apikey: z
            .strictObject({
              header: z.string().optional().describe('Header carrying the key.'),
              queryParam: z.string().optional().describe('Query parameter carrying the key.'),
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
        allowOrigins: stringList('Allowed origins.'),
        allowMethods: stringList('Allowed methods.'),
        allowHeaders: stringList('Allowed request headers.'),
        exposeHeaders: stringList('Response headers exposed to the browser.'),
        maxAge: nonNegativeInt('Preflight cache duration in seconds.').optional(),
      })
      .optional()
      .describe('Cross-origin resource sharing.'),
    security: z
      .strictObject({
        allowedIPs: stringList('Client CIDRs allowed.'),
        blockedIPs: stringList('Client CIDRs denied.'),
        requireTLS: z.boolean().optional().describe('Require TLS.'),
        minTLSVersion: z.string().optional().describe('Minimum TLS version, e.g. 1.2.'),
      })
      .optional()
      .describe('Client IP filtering and TLS requirements.'),
    mediation: z
      .strictObject({
        requestTransformations: z.array(Transformation).optional().describe('Applied to requests.'),
        responseTransformations: z.array(Transformation).optional().describe('Applied to responses.'),
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
