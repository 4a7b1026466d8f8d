/**
 * Evaluates rendered CiliumNetworkPolicies over a set of pods: which (source, destination, port) flows are
 * allowed. Only the subset of Cilium semantics the renderers emit is modelled:
 * - `endpointSelector` selects pods of the policy's namespace (matchLabels / matchExpressions);
 * - a direction is default-deny for a pod when any policy selecting it enables it (`enableDefaultDeny`, or
 *   rules present in that direction); otherwise everything is allowed in that direction;
 * - `fromEndpoints` / `toEndpoints` selectors are scoped to the policy's namespace unless they constrain
 *   `k8s:io.kubernetes.pod.namespace`; `{}` means every pod of that namespace;
 * - `toFQDNs` matches external destinations (pods with `fqdn`): `matchName` exactly, `matchPattern` with `*` as
 *   any DNS characters within one label (Cilium's rule); `fromEntities`/`toEntities` match none of ours;
 * - `toPorts` restricts the port (a rule without it allows every port); `authentication` is not modelled.
 * A flow is allowed when the source's egress and the destination's ingress both allow it.
 */
import type { KubeObject } from '../../src/kube/client.js';
import { isObject, type JsonObject } from '../../src/render/merge.js';
import { NAMESPACE_LABEL } from '../../src/render/network.js';

export interface PodInfo {
  /** How the pod appears in the result; default `<namespace>/<component-name label>`. */
  name?: string;
  namespace: string;
  labels: Record<string, string>;
  ports: number[];
  /** An external destination (outside the cluster) reached by name. */
  fqdn?: string;
}

export interface AllowedPair {
  source: string;
  destination: string;
  port: number;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: JsonObject[] };

function podName(p: PodInfo): string {
  return p.name ?? (p.fqdn ? p.fqdn : `${p.namespace}/${p.labels['component-name'] ?? '?'}`);
}

function labelValue(pod: PodInfo, key: string): string | undefined {
  if (key === NAMESPACE_LABEL) return pod.namespace;
  const k = key.startsWith('k8s:') ? key.slice(4) : key;
  return pod.labels[k];
}

function matches(sel: Selector, pod: PodInfo, policyNamespace: string): boolean {
  if (pod.fqdn) return false;
  const ml = sel.matchLabels ?? {};
  const me = sel.matchExpressions ?? [];
  const constrainsNs = NAMESPACE_LABEL in ml || me.some((e) => e.key === NAMESPACE_LABEL);
  if (!constrainsNs && pod.namespace !== policyNamespace) return false;
  for (const [k, v] of Object.entries(ml)) if (labelValue(pod, k) !== v) return false;
  for (const e of me) {
    const v = labelValue(pod, String(e.key));
    const values = (Array.isArray(e.values) ? e.values : []).map(String);
    switch (e.operator) {
      case 'In':
        if (v === undefined || !values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function portAllowed(rule: JsonObject, port: number): boolean {
  const tp = rule.toPorts;
  if (!Array.isArray(tp) || tp.length === 0) return true;
  return tp.some(
    (t) =>
      isObject(t) && Array.isArray(t.ports) && t.ports.some((p) => isObject(p) && Number(p.port) === port),
  );
}

interface Policy {
  namespace: string;
  selector: Selector;
  ingress: JsonObject[];
  egress: JsonObject[];
  denyIngress: boolean;
  denyEgress: boolean;
}

function parse(o: KubeObject): Policy | undefined {
  if (o.kind !== 'CiliumNetworkPolicy' || !isObject(o.spec)) return undefined;
  const spec = o.spec as JsonObject;
  const ingress = (Array.isArray(spec.ingress) ? spec.ingress : []).filter(isObject);
  const egress = (Array.isArray(spec.egress) ? spec.egress : []).filter(isObject);
  const dd = isObject(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
  return {
    namespace: o.metadata?.namespace ?? 'default',
    selector: (isObject(spec.endpointSelector) ? spec.endpointSelector : {}) as Selector,
    ingress,
    egress,
    denyIngress: typeof dd.ingress === 'boolean' ? dd.ingress : Array.isArray(spec.ingress),
    denyEgress: typeof dd.egress === 'boolean' ? dd.egress : Array.isArray(spec.egress),
  };
}

/** A `toFQDNs` entry against a DNS name: `matchName` exactly, `matchPattern` with `*` inside one label. */
export function fqdnMatches(entry: JsonObject, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (typeof entry.matchName === 'string') return entry.matchName.toLowerCase().replace(/\.$/, '') === n;
  if (typeof entry.matchPattern !== 'string') return false;
  const pattern = entry.matchPattern.toLowerCase().replace(/\.$/, '');
  if (pattern === '*') return true;
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[-a-z0-9_]*');
  return new RegExp(`^${re}$`).test(n);
}

function egressAllows(policies: Policy[], src: PodInfo, dst: PodInfo, port: number): boolean {
  const mine = policies.filter((p) => p.namespace === src.namespace && matches(p.selector, src, p.namespace));
  if (src.fqdn || !mine.some((p) => p.denyEgress)) return true;
  return mine.some((p) =>
    p.egress.some((r) => {
      if (!portAllowed(r, port)) return false;
      const eps = (Array.isArray(r.toEndpoints) ? r.toEndpoints : []).filter(isObject) as Selector[];
      if (eps.some((s) => matches(s, dst, p.namespace))) return true;
      const fqdns = (Array.isArray(r.toFQDNs) ? r.toFQDNs : []).filter(isObject);
      return dst.fqdn !== undefined && fqdns.some((f) => fqdnMatches(f, dst.fqdn ?? ''));
    }),
  );
}

function ingressAllows(policies: Policy[], src: PodInfo, dst: PodInfo, port: number): boolean {
  if (dst.fqdn) return true;
  const mine = policies.filter((p) => p.namespace === dst.namespace && matches(p.selector, dst, p.namespace));
  if (!mine.some((p) => p.denyIngress)) return true;
  return mine.some((p) =>
    p.ingress.some((r) => {
      if (!portAllowed(r, port)) return false;
      const eps = (Array.isArray(r.fromEndpoints) ? r.fromEndpoints : []).filter(isObject) as Selector[];
      return eps.some((s) => matches(s, src, p.namespace));
    }),
  );
}

/** Every allowed (source, destination, port) among `pods` (ports of the destination), sorted. */
export function allowedPairs(policies: KubeObject[], pods: PodInfo[]): AllowedPair[] {
  const ps = policies.map(parse).filter((p): p is Policy => p !== undefined);
  const out: AllowedPair[] = [];
  for (const src of pods) {
    if (src.fqdn) continue;
    for (const dst of pods) {
      if (dst === src) continue;
      for (const port of dst.ports)
        if (egressAllows(ps, src, dst, port) && ingressAllows(ps, src, dst, port))
          out.push({ source: podName(src), destination: podName(dst), port });
    }
  }
  const key = (p: AllowedPair) => `${p.source}\u0000${p.destination}\u0000${String(p.port).padStart(5, '0')}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
