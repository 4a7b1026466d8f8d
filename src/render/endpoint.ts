/**
 * Legacy Endpoint → gateway objects by visibility (reference §6.1 "Legacy Endpoint controller"), on the same
 * building blocks as the Service APIs:
 * - Public (the default when `networkVisibilities` is absent; always for a WebApplication) → HTTPRoute on
 *   gateway-external; Organization → HTTPRoute on gateway-internal; neither → no route, the endpoint is reached
 *   through the in-cell Service only (project visibility).
 * - Host `<dnsPrefix|env>.<DataPlane public|organization virtual host>`, path `/<project>/<component><basePath>`
 *   rewritten to `<basePath>`; a WebApplication gets `<component>-<env>.<apps host>` and `/`.
 * - The visibility's policies → an Envoy Gateway SecurityPolicy (oauth2 → JWT from the environment's
 *   `gateway.security.remoteJwks.uri`, api-key → the listed Secrets, cors) and BackendTrafficPolicy
 *   (rate-limit, API level).
 * - An additive CiliumNetworkPolicy lets the routing gateways reach the port on the component's pods.
 * Refused (RenderError, nothing exposed rather than exposed unprotected): oauth2 per-operation scopes, basic-auth,
 * operation-level rate limits, a `target` (URL) backend.
 * `address`: the public URL, else the organization URL, else the in-cell Service URL.
 */

import type { Endpoint } from '../api/kinds/development.js';
import { generateK8sNameWithLengthLimit, MAX_LABEL_NAME_LENGTH } from '../api/naming.js';
import {
  access,
  apiHost,
  byName,
  cleanPath,
  endpointScheme,
  GATEWAY_PORT,
  type GatewayLevel,
  metadata,
  sortResources,
  webAppHost,
} from './common.js';
import { backendTrafficPolicySpec, type RestPolicy, renderHTTPRoute, securityPolicySpec } from './gateway.js';
import type { JsonObject } from './merge.js';
import { type CellExposure, renderGatewayIngressPolicy } from './network.js';
import type { RenderContext, RenderedResource } from './types.js';
import { RenderError } from './types.js';

type Visibility = NonNullable<NonNullable<Endpoint['spec']['networkVisibilities']>['public']>;
type Policy = NonNullable<Visibility['policies']>[number];

export interface EndpointTarget {
  /** The in-cell Service of the Deployment the endpoint belongs to, and whether the component is a web app. */
  service: string;
  webApplication: boolean;
}

export interface RenderedEndpoint {
  resources: RenderedResource[];
  address: string;
  levels: GatewayLevel[];
}

/** Gateway levels of an endpoint (see the module comment). */
export function endpointLevels(spec: Endpoint['spec'], webApplication: boolean): GatewayLevel[] {
  const nv = spec.networkVisibilities;
  if (webApplication) return ['Public'];
  const out: GatewayLevel[] = [];
  if (nv?.organization?.enable) out.push('Organization');
  if (!nv || nv.public?.enable) out.push('Public');
  return out;
}

const TIME_UNITS: Record<string, string> = { second: '1s', minute: '1m', hour: '1h', day: '24h' };

/** An endpoint visibility's policies as the REST policy the gateway renderers take (plus api-key secrets). */
export function visibilityPolicy(
  v: Visibility | undefined,
  field: string,
): { policy?: RestPolicy; apiKeySecrets: string[] } {
  const p: RestPolicy = {};
  let apiKeySecrets: string[] = [];
  (v?.policies ?? []).forEach((pol: Policy, i) => {
    const f = `${field}.policies[${i}]`;
    const s = pol.policySpec;
    switch (pol.type) {
      case 'oauth2': {
        const authz = s.oauth2?.jwt.authorization;
        const scoped = [
          ...(authz?.rest?.operations ?? []),
          ...(authz?.grpc?.operations ?? []),
          ...(authz?.graphql?.operations ?? []),
        ];
        if (scoped.length > 0)
          throw new RenderError(
            `policy ${pol.name}: per-operation scopes are not supported; remove the operations to require a valid JWT for the whole endpoint`,
            `${f}.policySpec.oauth2.jwt.authorization`,
          );
        p.authentication = { type: 'jwt' };
        break;
      }
      case 'api-key': {
        const k = s.apiKeyAuth;
        if (!k || k.secretRefs.length === 0)
          throw new RenderError(
            `policy ${pol.name}: apiKeyAuth.secretRefs is empty`,
            `${f}.policySpec.apiKeyAuth`,
          );
        p.authentication = { type: 'apikey', apikey: { header: k.keySource.header } };
        apiKeySecrets = k.secretRefs;
        break;
      }
      case 'rate-limit': {
        const r = s.rateLimit;
        if (!r) break;
        if (r.operationLevel?.rest?.length)
          throw new RenderError(
            `policy ${pol.name}: operation-level rate limits are not supported`,
            `${f}.policySpec.rateLimit.operationLevel`,
          );
        const window = TIME_UNITS[r.apiLevel.timeUnit.toLowerCase()];
        if (!window)
          throw new RenderError(
            `policy ${pol.name}: timeUnit ${r.apiLevel.timeUnit} is not one of Second, Minute, Hour, Day`,
            `${f}.policySpec.rateLimit.apiLevel.timeUnit`,
          );
        if (r.apiLevel.requestLimit > 0) p.rateLimit = { requests: r.apiLevel.requestLimit, window };
        break;
      }
      case 'cors': {
        const c = s.cors;
        if (c)
          p.cors = {
            ...(c.allowOrigins ? { allowOrigins: c.allowOrigins } : {}),
            ...(c.allowMethods ? { allowMethods: c.allowMethods } : {}),
            ...(c.allowHeaders ? { allowHeaders: c.allowHeaders } : {}),
            ...(c.exposeHeaders ? { exposeHeaders: c.exposeHeaders } : {}),
            ...(c.maxAge !== undefined ? { maxAge: c.maxAge } : {}),
          };
        break;
      }
      case 'basic-auth':
        throw new RenderError(
          `policy ${pol.name}: basic-auth is not supported (Envoy Gateway takes one .htpasswd Secret)`,
          `${f}.type`,
        );
      default:
        break; // mediation: no settings in the schema
    }
  });
  return Object.keys(p).length > 0 ? { policy: p, apiKeySecrets } : { apiKeySecrets };
}

const targetRefs = (route: string) => [
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route },
];

/** Name of an endpoint's gateway object at one level (`what`: route, sp, btp). */
export function endpointObjectName(endpoint: string, level: GatewayLevel, what: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, endpoint, level.toLowerCase(), what);
}

export function renderEndpoint(ep: Endpoint, target: EndpointTarget, ctx: RenderContext): RenderedEndpoint {
  const spec = ep.spec;
  const name = ep.metadata.name;
  const backend = spec.backendRef;
  if (backend.type !== 'componentRef' || !backend.componentRef)
    throw new RenderError(
      'backendRef.type target (an external URL) is not supported: route to the component (componentRef)',
      'spec.backendRef',
    );
  const port = backend.componentRef.port;
  const basePath = backend.basePath ? cleanPath(backend.basePath) : undefined;
  const levels = endpointLevels(spec, target.webApplication);
  const resources: RenderedResource[] = [];
  const addresses: Partial<Record<GatewayLevel, string>> = {};
  for (const level of levels) {
    const field = `spec.networkVisibilities.${level === 'Public' ? 'public' : 'organization'}`;
    const host = target.webApplication ? webAppHost(ctx) : apiHost(ctx, level);
    const pathPrefix = target.webApplication
      ? '/'
      : cleanPath(`/${ctx.project}/${ctx.component}/${basePath ?? ''}`);
    const routeName = endpointObjectName(name, level, 'route');
    resources.push(
      byName(
        renderHTTPRoute(
          {
            name: routeName,
            level,
            host,
            pathPrefix,
            rewrite: basePath ?? '/',
            service: target.service,
            port,
          },
          ctx,
        ),
      ),
    );
    const vis =
      level === 'Public' ? spec.networkVisibilities?.public : spec.networkVisibilities?.organization;
    const { policy, apiKeySecrets } = visibilityPolicy(vis, field);
    if (policy) {
      const sp = securityPolicySpec(policy, name, ctx, field) as JsonObject | undefined;
      if (sp) {
        if (sp.apiKeyAuth && apiKeySecrets.length > 0)
          sp.apiKeyAuth = {
            ...(sp.apiKeyAuth as JsonObject),
            credentialRefs: apiKeySecrets.map((s) => ({ name: s })),
          };
        resources.push(
          byName({
            apiVersion: 'gateway.envoyproxy.io/v1alpha1',
            kind: 'SecurityPolicy',
            metadata: metadata(endpointObjectName(name, level, 'sp'), ctx),
            spec: { targetRefs: targetRefs(routeName), ...sp },
          }),
        );
      }
      const btp = backendTrafficPolicySpec(policy);
      if (btp)
        resources.push(
          byName({
            apiVersion: 'gateway.envoyproxy.io/v1alpha1',
            kind: 'BackendTrafficPolicy',
            metadata: metadata(endpointObjectName(name, level, 'btp'), ctx),
            spec: { targetRefs: targetRefs(routeName), ...btp },
          }),
        );
    }
    addresses[level] = access({ host, port: GATEWAY_PORT, scheme: 'https', basePath: pathPrefix }).uri ?? '';
  }
  const portSpec = { name: `ep-${port}-tcp`, port, protocol: 'TCP' as const };
  const exposure: CellExposure = {
    external: levels.includes('Public') ? [portSpec] : [],
    internal: levels.includes('Organization') ? [portSpec] : [],
  };
  resources.push(
    ...renderGatewayIngressPolicy(
      generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, name, 'gateway-ingress'),
      ctx,
      exposure,
    ),
  );
  const project =
    access({
      host: target.service,
      port,
      scheme: endpointScheme(spec.type, port),
      ...(basePath ? { basePath } : {}),
    }).uri ?? '';
  return {
    resources: sortResources(resources),
    address: addresses.Public ?? addresses.Organization ?? project,
    levels,
  };
}
