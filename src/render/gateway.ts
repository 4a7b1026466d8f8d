/**
 * Gateway objects by visibility (reference §6.1): HTTPRoutes on gateway-internal (Organization) and
 * gateway-external (Public), and the Envoy Gateway SecurityPolicy / BackendTrafficPolicy of an APIClass.
 *
 * Deviations from upstream: an empty `exposeLevels` means Public for the route, the policies and the status
 * alike (upstream defaulted the policies to Organization); policy objects are only emitted when they carry
 * something (upstream emitted empty ones for `defaults: {}`); an IP block list alone does not deny everyone.
 * The prefix rewrite uses the standard URLRewrite filter, so no Envoy HTTPRouteFilter is needed (upstream's
 * legacy controller used one only for per-operation regex rewrites, which the new model has no field for).
 */

import type { z } from 'zod';
import type { APIClass, RESTPolicy, RestAPI } from '../api/index.js';
import {
  apiBackendTrafficPolicyName,
  apiRouteName,
  apiSecurityPolicyName,
  webAppRouteName,
} from '../api/naming.js';
import type { KubeObject } from '../kube/client.js';
import {
  access,
  apiHost,
  byName,
  cleanPath,
  GATEWAY_NAMESPACE,
  GATEWAY_PORT,
  type GatewayLevel,
  gatewayFor,
  metadata,
  webAppHost,
} from './common.js';
import { type Json, type JsonObject, prune, strategicMerge } from './merge.js';
import type { EndpointAccess, RenderContext, RenderedResource } from './types.js';
import { RenderError } from './types.js';

export type RestPolicy = z.infer<typeof RESTPolicy>;
export type RestApi = z.infer<typeof RestAPI>;

const ROUTE_GROUP = 'gateway.networking.k8s.io';

/** Gateway levels of a REST API: Organization and/or Public; none listed (or only Project… not) → Public. */
export function gatewayLevels(rest: RestApi): GatewayLevel[] {
  const levels = rest.exposeLevels ?? [];
  if (levels.length === 0) return ['Public'];
  const out: GatewayLevel[] = [];
  if (levels.includes('Organization')) out.push('Organization');
  if (levels.includes('Public')) out.push('Public');
  return out;
}

function parentRef(level: GatewayLevel): JsonObject {
  return { group: ROUTE_GROUP, kind: 'Gateway', name: gatewayFor(level), namespace: GATEWAY_NAMESPACE };
}

export interface RouteInput {
  name: string;
  level: GatewayLevel;
  host: string;
  pathPrefix: string;
  /** Replacement of the matched prefix; none when it is the prefix itself. */
  rewrite?: string;
  service: string;
  port: number;
  filters?: JsonObject[];
}

export function renderHTTPRoute(r: RouteInput, ctx: RenderContext): KubeObject {
  const filters: JsonObject[] = [];
  if (r.rewrite !== undefined && r.rewrite !== r.pathPrefix)
    filters.push({
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: r.rewrite } },
    });
  filters.push(...(r.filters ?? []));
  const rule: JsonObject = {
    matches: [{ path: { type: 'PathPrefix', value: r.pathPrefix } }],
    ...(filters.length > 0 ? { filters } : {}),
    backendRefs: [{ group: '', kind: 'Service', name: r.service, port: r.port }],
  };
  return {
    apiVersion: `${ROUTE_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: metadata(r.name, ctx),
    spec: { parentRefs: [parentRef(r.level)], hostnames: [r.host], rules: [rule] },
  };
}

// ---- policies -------------------------------------------------------------------------------------------

/** SMP(restPolicy.defaults, restPolicy.public|organization), undefined when neither is set. */
export function mergedPolicy(cls: APIClass | undefined, level: GatewayLevel): RestPolicy | undefined {
  const rp = cls?.spec?.restPolicy;
  const defaults = rp?.defaults;
  const specific = level === 'Public' ? rp?.public : rp?.organization;
  if (defaults === undefined && specific === undefined) return undefined;
  return strategicMerge(defaults as Json | undefined, specific as Json | undefined) as RestPolicy;
}

/** Go duration → seconds (h, m, s, ms, us, ns units). */
export function durationSeconds(d: string): number {
  let total = 0;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|us|µs|ns|h|m|s)/g))
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
  return total;
}

/** Rate-limit unit of a window, as upstream: up to 1s per Second, up to 1m per Minute, else per Hour. */
export function rateLimitUnit(window: string): 'Second' | 'Minute' | 'Hour' {
  const s = durationSeconds(window);
  return s <= 1 ? 'Second' : s <= 60 ? 'Minute' : 'Hour';
}

/** Seconds → an Envoy Gateway duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`), e.g. 86400 → `24h`. */
export function envoyDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

const ORIGIN = /^(\*|https?:\/\/(\*|(\*\.)?(([\w-]+\.?)+)?[\w-]+)(:\d{1,5})?)$/;

/** Secret (in the cell namespace) holding the API keys of an APIClass; provisioned by the platform. */
export function apiKeySecretName(apiClass: string): string {
  return `${apiClass}-api-keys`;
}
/** Secret (in the cell namespace) holding the `.htpasswd` users of an APIClass; provisioned by the platform. */
export function basicAuthSecretName(apiClass: string): string {
  return `${apiClass}-basic-auth`;
}

/** SecurityPolicy spec without targetRefs; undefined when the policy asks for nothing. */
export function securityPolicySpec(
  p: RestPolicy,
  apiClass: string,
  ctx: RenderContext,
  field: string,
): JsonObject | undefined {
  const spec: JsonObject = {};
  let scopes: string[] = [];
  const auth = p.authentication;
  if (auth) {
    if (auth.type === 'jwt' || auth.type === 'oauth2') {
      const jwks = auth.jwt?.jwks ?? ctx.environment.spec.gateway?.security?.remoteJwks?.uri;
      if (!jwks)
        throw new RenderError(
          `${auth.type} authentication needs authentication.jwt.jwks or the environment's gateway.security.remoteJwks.uri`,
          `${field}.authentication.jwt`,
        );
      spec.jwt = {
        providers: [
          prune({
            name: 'default',
            remoteJWKS: { uri: jwks },
            issuer: auth.jwt?.issuer,
            audiences: auth.jwt?.audience?.length ? auth.jwt.audience : undefined,
          }) as JsonObject,
        ],
      };
      scopes = auth.oauth2?.scopes ?? [];
    } else if (auth.type === 'apikey') {
      const extract: JsonObject = auth.apikey?.queryParam
        ? { params: [auth.apikey.queryParam] }
        : { headers: [auth.apikey?.header ?? 'X-API-Key'] };
      spec.apiKeyAuth = { credentialRefs: [{ name: apiKeySecretName(apiClass) }], extractFrom: [extract] };
    } else if (auth.type === 'basic') {
      spec.basicAuth = { users: { name: basicAuthSecretName(apiClass) } };
    }
  }
  if (p.cors) {
    const c = p.cors;
    c.allowOrigins?.forEach((o, i) => {
      if (!ORIGIN.test(o))
        throw new RenderError(
          `CORS origin ${JSON.stringify(o)} must be * or http(s)://host[:port]`,
          `${field}.cors.allowOrigins[${i}]`,
        );
    });
    const cors = prune({
      allowOrigins: c.allowOrigins,
      allowMethods: c.allowMethods,
      allowHeaders: c.allowHeaders,
      exposeHeaders: c.exposeHeaders,
      maxAge: c.maxAge !== undefined ? envoyDuration(c.maxAge) : undefined,
    }) as JsonObject;
    if (Object.keys(cors).length > 0) spec.cors = cors;
  }
  const rules: JsonObject[] = [];
  const blocked = p.security?.blockedIPs ?? [];
  const allowed = p.security?.allowedIPs ?? [];
  if (blocked.length > 0) rules.push({ action: 'Deny', principal: { clientCIDRs: blocked } });
  const allowPrincipal: JsonObject = {};
  if (allowed.length > 0) allowPrincipal.clientCIDRs = allowed;
  if (scopes.length > 0) allowPrincipal.jwt = { provider: 'default', scopes };
  const restrictive = Object.keys(allowPrincipal).length > 0;
  if (restrictive) rules.push({ action: 'Allow', principal: allowPrincipal });
  if (rules.length > 0) spec.authorization = { defaultAction: restrictive ? 'Deny' : 'Allow', rules };
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** BackendTrafficPolicy spec without targetRefs; undefined when there is neither rate limit nor breaker. */
export function backendTrafficPolicySpec(p: RestPolicy): JsonObject | undefined {
  const spec: JsonObject = {};
  if (p.rateLimit)
    spec.rateLimit = {
      type: 'Local',
      local: {
        rules: [{ limit: { requests: p.rateLimit.requests, unit: rateLimitUnit(p.rateLimit.window) } }],
      },
    };
  const cb = p.circuitBreaker;
  if (cb?.enabled) {
    const breaker = prune({
      maxConnections: cb.maxConnections,
      maxPendingRequests: cb.maxPendingRequests,
      maxParallelRequests: cb.maxParallelRequests,
      maxParallelRetries: cb.maxParallelRetries,
    }) as JsonObject;
    spec.circuitBreaker = breaker;
  }
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** Header mediations as Gateway API header-modifier filters (other transformation types are refused). */
export function mediationFilters(p: RestPolicy, field: string): JsonObject[] {
  const out: JsonObject[] = [];
  const one = (list: NonNullable<RestPolicy['mediation']>['requestTransformations'], response: boolean) => {
    if (!list?.length) return;
    const mod: { set: JsonObject[]; add: JsonObject[]; remove: string[] } = { set: [], add: [], remove: [] };
    list.forEach((t, i) => {
      const f = `${field}.mediation.${response ? 'response' : 'request'}Transformations[${i}]`;
      if (t.type !== 'header')
        throw new RenderError(`mediation type ${t.type} is not supported (only header)`, `${f}.type`);
      if (t.action === 'remove')
        mod.remove.push(...(t.headers ?? []), ...(t.headerName ? [t.headerName] : []));
      else if (t.action === 'add' || t.action === 'set') {
        if (!t.headerName || t.headerValue === undefined)
          throw new RenderError(`header ${t.action} needs headerName and headerValue`, f);
        mod[t.action].push({ name: t.headerName, value: t.headerValue });
      } else
        throw new RenderError(`header action ${t.action} is not supported (add, set, remove)`, `${f}.action`);
    });
    const m: JsonObject = {};
    if (mod.set.length) m.set = mod.set;
    if (mod.add.length) m.add = mod.add;
    if (mod.remove.length) m.remove = mod.remove;
    out.push(
      response
        ? { type: 'ResponseHeaderModifier', responseHeaderModifier: m }
        : { type: 'RequestHeaderModifier', requestHeaderModifier: m },
    );
  };
  one(p.mediation?.requestTransformations, false);
  one(p.mediation?.responseTransformations, true);
  return out;
}

// ---- a REST API at its levels ---------------------------------------------------------------------------

export interface RestApiExposure {
  binding: string;
  apiName: string;
  project: string;
  component: string;
  rest: RestApi;
  /** In-cell Service and port the gateway forwards to. */
  service: string;
  port: number;
  apiClass: APIClass | undefined;
  apiClassName: string;
  /** Where the API is declared, for RenderError fields. */
  field: string;
}

export interface RenderedRestApi {
  resources: RenderedResource[];
  organization?: EndpointAccess;
  public?: EndpointAccess;
}

function targetRefs(route: string): Json {
  return [{ group: ROUTE_GROUP, kind: 'HTTPRoute', name: route }];
}

export function renderRestApi(x: RestApiExposure, ctx: RenderContext): RenderedRestApi {
  const basePath = x.rest.backend?.basePath;
  const pathPrefix = cleanPath(`/${x.project}/${x.component}/${basePath ?? ''}`);
  const rewrite = basePath ? cleanPath(basePath) : '/';
  const out: RenderedRestApi = { resources: [] };
  for (const level of gatewayLevels(x.rest)) {
    const policy = mergedPolicy(x.apiClass, level);
    const pfield = `apiClasses.${x.apiClassName}.spec.restPolicy`;
    const routeName = apiRouteName(x.binding, x.apiName, level);
    const host = apiHost(ctx, level);
    const route = renderHTTPRoute(
      {
        name: routeName,
        level,
        host,
        pathPrefix,
        rewrite,
        service: x.service,
        port: x.port,
        filters: policy ? mediationFilters(policy, pfield) : [],
      },
      ctx,
    );
    out.resources.push(byName(route));
    if (policy) {
      const sp = securityPolicySpec(policy, x.apiClassName, ctx, pfield);
      if (sp)
        out.resources.push(
          byName({
            apiVersion: 'gateway.envoyproxy.io/v1alpha1',
            kind: 'SecurityPolicy',
            metadata: metadata(apiSecurityPolicyName(x.binding, x.apiName, level), ctx),
            spec: { targetRefs: targetRefs(routeName), ...sp },
          }),
        );
      const btp = backendTrafficPolicySpec(policy);
      if (btp)
        out.resources.push(
          byName({
            apiVersion: 'gateway.envoyproxy.io/v1alpha1',
            kind: 'BackendTrafficPolicy',
            metadata: metadata(apiBackendTrafficPolicyName(x.binding, x.apiName, level), ctx),
            spec: { targetRefs: targetRefs(routeName), ...btp },
          }),
        );
    }
    const a = access({ host, port: GATEWAY_PORT, scheme: 'https', basePath: pathPrefix });
    if (level === 'Public') out.public = a;
    else out.organization = a;
  }
  return out;
}

/** Whether a WebApplication endpoint type is HTTP-routable (HTTP, REST, GraphQL, Websocket). */
export function isHttpEndpoint(type: string): boolean {
  return type === 'HTTP' || type === 'REST' || type === 'GraphQL' || type === 'Websocket';
}

/** The public route of a WebApplication endpoint: `<component>-<env>.<apps host>/` on gateway-external. */
export function renderWebAppRoute(
  binding: string,
  endpoint: string,
  service: string,
  port: number,
  ctx: RenderContext,
): { resource: RenderedResource; public: EndpointAccess } {
  const host = webAppHost(ctx);
  const route = renderHTTPRoute(
    { name: webAppRouteName(binding, endpoint), level: 'Public', host, pathPrefix: '/', service, port },
    ctx,
  );
  return {
    resource: byName(route),
    public: access({ host, port: GATEWAY_PORT, scheme: 'https', basePath: '/' }),
  };
}
