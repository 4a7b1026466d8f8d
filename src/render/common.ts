/** Helpers shared by the renderers: labels, hosts, schemes and URIs (reference §1.4, §6.1). */
import type { EndpointType } from '../api/index.js';
import { dataPlaneLabels, hierarchyLabels } from '../api/labels.js';
import { generateK8sNameWithLengthLimit, MAX_LABEL_NAME_LENGTH } from '../api/naming.js';
import type { KubeObject } from '../kube/client.js';
import type { EndpointAccess, RenderContext, RenderedResource } from './types.js';

/** Namespace of the data-plane gateways (new model; legacy used `choreo-system`). */
export const GATEWAY_NAMESPACE = 'openchoreo-data-plane';
export const GATEWAY_EXTERNAL = 'gateway-external';
export const GATEWAY_INTERNAL = 'gateway-internal';
/** Port the gateways' HTTPS listeners are published on (upstream's local setup; status URIs carry it). */
export const GATEWAY_PORT = 8443;
/** Upstream's hard-coded host suffixes, used when the DataPlane does not name its own. */
export const DEFAULT_PUBLIC_VHOST = 'choreoapis.localhost';
export const DEFAULT_ORGANIZATION_VHOST = 'choreoapis.internal';
export const DEFAULT_WEBAPP_VHOST = 'choreoapps.localhost';

export type ExposeLevel = 'Project' | 'Organization' | 'Public';
export type GatewayLevel = Exclude<ExposeLevel, 'Project'>;

export function envName(ctx: RenderContext): string {
  return ctx.environment.metadata.name;
}

/** The selector labels of a component in its cell: the four data-plane labels (stable across renders). */
export function selectorLabels(ctx: RenderContext): Record<string, string> {
  return {
    ...dataPlaneLabels({
      organization: ctx.organization,
      project: ctx.project,
      environment: envName(ctx),
      component: ctx.component,
    }),
    ...(ctx.workloadLabels ?? {}),
  };
}

/** Labels of every rendered object: the data-plane labels plus the openchoreo.dev/* hierarchy labels. */
export function objectLabels(ctx: RenderContext): Record<string, string> {
  return {
    ...selectorLabels(ctx),
    ...hierarchyLabels({
      organization: ctx.organization,
      project: ctx.project,
      component: ctx.component,
      environment: envName(ctx),
    }),
  };
}

export function metadata(name: string, ctx: RenderContext, extraLabels: Record<string, string> = {}) {
  return { name, namespace: ctx.namespace, labels: { ...objectLabels(ctx), ...extraLabels } };
}

/** A RenderedResource whose id is the object name (upstream's rule for everything but the workload objects). */
export function byName(object: KubeObject): RenderedResource {
  return { id: object.metadata?.name ?? '', object };
}

/** `GenerateK8sNameWithLengthLimit(63, …)`: names of gateway objects and other per-binding children. */
export function childName(...parts: string[]): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, ...parts);
}

/** The DNS label of the environment in gateway hosts: `gateway.dnsPrefix` when set, else the name (upstream). */
export function environmentHostLabel(ctx: RenderContext): string {
  return ctx.environment.spec.gateway?.dnsPrefix ?? envName(ctx);
}

/**
 * Host of a Service API at a gateway level: `<dnsPrefix|env>.<virtual host>`. The virtual host is the
 * DataPlane's `gateway.publicVirtualHost` / `organizationVirtualHost` when set, else upstream's hard-coded
 * `choreoapis.localhost` / `choreoapis.internal`.
 */
export function apiHost(ctx: RenderContext, level: GatewayLevel): string {
  const gw = ctx.dataPlane.spec.gateway;
  const vhost =
    level === 'Public'
      ? gw?.publicVirtualHost || DEFAULT_PUBLIC_VHOST
      : gw?.organizationVirtualHost || DEFAULT_ORGANIZATION_VHOST;
  return `${environmentHostLabel(ctx)}.${vhost}`;
}

/**
 * Host of a WebApplication: `<component>-<dnsPrefix|env>.<suffix>`. Upstream hard-codes `choreoapps.localhost`;
 * when the DataPlane names a public virtual host other than upstream's default we use it instead.
 */
export function webAppHost(ctx: RenderContext): string {
  const pub = ctx.dataPlane.spec.gateway?.publicVirtualHost;
  const suffix = pub && pub !== DEFAULT_PUBLIC_VHOST ? pub : DEFAULT_WEBAPP_VHOST;
  return `${ctx.component}-${environmentHostLabel(ctx)}.${suffix}`;
}

export function gatewayFor(level: GatewayLevel): string {
  return level === 'Public' ? GATEWAY_EXTERNAL : GATEWAY_INTERNAL;
}

/** Go's path.Clean for absolute paths. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Scheme of an endpoint (§6.1): gRPC→grpc, Websocket→ws, HTTP/REST/GraphQL→http(s), TCP/UDP→none. */
export function endpointScheme(type: EndpointType | string, port: number): string | undefined {
  switch (type) {
    case 'gRPC':
      return 'grpc';
    case 'Websocket':
      return 'ws';
    case 'HTTP':
    case 'REST':
    case 'GraphQL':
      return port === 443 || port === 8443 ? 'https' : 'http';
    default:
      return undefined;
  }
}

/** `scheme://host[:port][basePath]` (port left out for http:80 and https:443), or `host:port` without a scheme. */
export function accessUri(a: Omit<EndpointAccess, 'uri'>): string {
  if (!a.scheme) return `${a.host}:${a.port}`;
  const defaultPort = (a.scheme === 'http' && a.port === 80) || (a.scheme === 'https' && a.port === 443);
  return `${a.scheme}://${a.host}${defaultPort ? '' : `:${a.port}`}${a.basePath ?? ''}`;
}

export function access(a: Omit<EndpointAccess, 'uri'>): EndpointAccess {
  const out: EndpointAccess = { host: a.host, port: a.port };
  if (a.scheme !== undefined) out.scheme = a.scheme;
  if (a.basePath !== undefined) out.basePath = a.basePath;
  out.uri = accessUri(a);
  return out;
}

export function sortedEntries<T>(rec: Record<string, T> | undefined): [string, T][] {
  return Object.entries(rec ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sortResources(rs: RenderedResource[]): RenderedResource[] {
  return [...rs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
