/**
 * The Cell network (reference §6.2) as CiliumNetworkPolicies (cilium.io/v2). Upstream's new model renders none;
 * here a binding carries one policy (when it allows more than the cell baseline below) selecting its component's
 * pods, default-deny in both directions, that
 * allows exactly:
 * - in-cell traffic (from/to every pod of the cell namespace), kubelet probes (entity `host`), DNS to kube-dns;
 * - north/west: ingress from the gateway-external / gateway-internal pods, only to the ports exposed there;
 * - east (ingress): from pods of the same organization in other cells, only to Organization/Public ports,
 *   with mutual authentication; east (egress): only to the endpoints the workload's connections name in other
 *   cells (namespace + component label + port), with mutual authentication;
 * - south: only to the external services the workload declares (`connections.<name>.type: external`, host and
 *   ports; see `externalServicesOf`), as `toFQDNs` (`matchName`, or `matchPattern` for a `*.` wildcard host). The
 *   controllers pass them in `RenderContext.externalServices`; without any, nothing leaves the cell but DNS.
 * `renderCellBaseline` is the namespace-wide default deny (in-cell and DNS only) for every pod of the cell; it
 * belongs to the cell (project × environment), not to a binding, so it is not part of a binding's Release. A
 * binding whose policy would allow nothing more than the baseline (no gateway port, no connection to another
 * cell, no external service) gets none: the baseline already isolates its pods.
 */
import type { WorkloadTemplate } from '../api/common.js';
import { generateK8sNameWithLengthLimit, MAX_LABEL_NAME_LENGTH } from '../api/naming.js';
import type { KubeObject } from '../kube/client.js';
import { GATEWAY_EXTERNAL, GATEWAY_INTERNAL, GATEWAY_NAMESPACE, metadata, selectorLabels } from './common.js';
import type { JsonObject } from './merge.js';
import type { ExternalService, RenderContext, RenderedResource, ResolvedConnection } from './types.js';
import type { PortSpec } from './workload.js';

export const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
export const GATEWAY_OWNER_LABEL = 'gateway.envoyproxy.io/owning-gateway-name';
const CNP_API_VERSION = 'cilium.io/v2';

/** The ports of a component reachable through each path into its cell. */
export interface CellExposure {
  /** Ports routed by gateway-external (Public APIs, WebApplication endpoints). */
  external: PortSpec[];
  /** Ports routed by gateway-internal (Organization APIs). */
  internal: PortSpec[];
}

const toPorts = (ports: { port: number; protocol?: string }[]) => [
  { ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol ?? 'TCP' })) },
];

function uniquePorts(ports: PortSpec[]): PortSpec[] {
  const m = new Map<string, PortSpec>();
  for (const p of ports) m.set(`${p.port}/${p.protocol}`, p);
  return [...m.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

const inCellIngress: JsonObject = { fromEndpoints: [{}] };
const kubeletIngress: JsonObject = { fromEntities: ['host'] };
const inCellEgress: JsonObject = { toEndpoints: [{}] };
export const dnsEgress: JsonObject = {
  toEndpoints: [{ matchLabels: { [NAMESPACE_LABEL]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
  toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
};

function gatewayIngress(gateway: string, ports: PortSpec[]): JsonObject {
  return {
    fromEndpoints: [
      { matchLabels: { [NAMESPACE_LABEL]: GATEWAY_NAMESPACE, [GATEWAY_OWNER_LABEL]: gateway } },
    ],
    toPorts: toPorts(ports),
  };
}

/** Egress to one connection's target endpoint in another cell, mutually authenticated. */
function eastboundEgress(c: ResolvedConnection): JsonObject {
  return {
    toEndpoints: [{ matchLabels: { [NAMESPACE_LABEL]: c.namespace, 'component-name': c.component } }],
    toPorts: toPorts([{ port: c.access.port }]),
    authentication: { mode: 'required' },
  };
}

/** The workload's southbound destinations: one per port of each `type: external` connection, in name order. */
export function externalServicesOf(wl: Pick<WorkloadTemplate, 'connections'> | undefined): ExternalService[] {
  const out: ExternalService[] = [];
  const byName = Object.entries(wl?.connections ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, c] of byName) {
    if (c.type !== 'external' || !c.host) continue;
    const protocol = c.protocol === 'UDP' || c.protocol === 'TCP' ? c.protocol : undefined;
    for (const port of c.ports ?? [])
      out.push({ name, host: c.host, port, ...(protocol ? { protocol } : {}) });
  }
  return out;
}

/** Name (and Release id) of a binding's cell policy. */
export function cellPolicyName(binding: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, binding, 'cell');
}

/** The namespace-wide baseline: every pod of the cell is default-deny, with in-cell traffic and DNS allowed. */
export function renderCellBaseline(namespace: string): KubeObject {
  return {
    apiVersion: CNP_API_VERSION,
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'cell-baseline', namespace },
    spec: {
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [inCellIngress, kubeletIngress],
      egress: [inCellEgress, dnsEgress],
    },
  };
}

/** The policy of one binding's pods (see the module comment). */
export function renderCellPolicies(
  binding: string,
  ctx: RenderContext,
  exposure: CellExposure,
): RenderedResource[] {
  const ingress: JsonObject[] = [inCellIngress, kubeletIngress];
  const external = uniquePorts(exposure.external);
  const internal = uniquePorts(exposure.internal);
  if (external.length > 0) ingress.push(gatewayIngress(GATEWAY_EXTERNAL, external));
  if (internal.length > 0) ingress.push(gatewayIngress(GATEWAY_INTERNAL, internal));
  const east = uniquePorts([...external, ...internal]);
  if (east.length > 0)
    ingress.push({
      fromEndpoints: [
        {
          matchLabels: { 'organization-name': ctx.organization },
          matchExpressions: [
            { key: NAMESPACE_LABEL, operator: 'Exists' },
            { key: NAMESPACE_LABEL, operator: 'NotIn', values: [ctx.namespace] },
          ],
        },
      ],
      toPorts: toPorts(east),
      authentication: { mode: 'required' },
    });

  const egress: JsonObject[] = [inCellEgress, dnsEgress];
  const seen = new Set<string>();
  for (const c of [...ctx.connections].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (c.namespace === ctx.namespace) continue; // in-cell: already allowed
    const key = `${c.namespace}/${c.component}/${c.access.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    egress.push(eastboundEgress(c));
  }
  const southKeys = new Set<string>();
  const externals = [...(ctx.externalServices ?? [])].sort(
    (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.port - b.port,
  );
  for (const x of externals) {
    const key = `${x.host}/${x.port}/${x.protocol ?? 'TCP'}`;
    if (southKeys.has(key)) continue;
    southKeys.add(key);
    egress.push({
      toFQDNs: [x.host.includes('*') ? { matchPattern: x.host } : { matchName: x.host }],
      toPorts: toPorts([{ port: x.port, protocol: x.protocol }]),
    });
  }

  // Nothing beyond the cell's baseline (in-cell traffic, kubelet probes, DNS, default deny both ways; rendered by
  // `renderCellBaseline` for every pod of the namespace): Cilium's allow rules add up, so this policy would change
  // no flow, only cost a write and a cached object per binding. Rendered as soon as it allows more.
  if (ingress.length === 2 && egress.length === 2) return [];
  const name = cellPolicyName(binding);
  return [
    {
      id: name,
      object: {
        apiVersion: CNP_API_VERSION,
        kind: 'CiliumNetworkPolicy',
        metadata: metadata(name, ctx),
        spec: {
          endpointSelector: { matchLabels: selectorLabels(ctx) },
          enableDefaultDeny: { ingress: true, egress: true },
          ingress,
          egress,
        },
      },
    },
  ];
}

/**
 * Gateway ingress to another binding's pods (an APIBinding routes to a Service it does not own): additive, so a
 * separate policy that only allows the gateways to reach the API's port.
 */
export function renderGatewayIngressPolicy(
  name: string,
  ctx: RenderContext,
  exposure: CellExposure,
): RenderedResource[] {
  const ingress: JsonObject[] = [];
  if (exposure.external.length > 0)
    ingress.push(gatewayIngress(GATEWAY_EXTERNAL, uniquePorts(exposure.external)));
  if (exposure.internal.length > 0)
    ingress.push(gatewayIngress(GATEWAY_INTERNAL, uniquePorts(exposure.internal)));
  if (ingress.length === 0) return [];
  return [
    {
      id: name,
      object: {
        apiVersion: CNP_API_VERSION,
        kind: 'CiliumNetworkPolicy',
        metadata: metadata(name, ctx),
        spec: { endpointSelector: { matchLabels: selectorLabels(ctx) }, ingress },
      },
    },
  ];
}
