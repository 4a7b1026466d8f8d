/**
 * The kinds the renderers produce for a data plane: the Release engine's allow-list (one table). An object of
 * any other kind in a Release — written by a binding or by hand — is refused before anything is applied.
 * test/unit/render/kinds.test.ts checks that every object of every golden case is on it.
 *
 * `cluster: true` marks the one cluster-scoped kind a renderer needs by design: the cell's own Namespace (the
 * project's cell Release); the engine accepts it only under the cell's name.
 */

export interface RenderedKind {
  group: string;
  kind: string;
  cluster?: true;
}

export const DATA_PLANE_KINDS: readonly RenderedKind[] = [
  { group: '', kind: 'Namespace', cluster: true }, // the cell itself (project cell Release)
  { group: '', kind: 'ConfigMap' }, // configuration groups (render/configuration.ts)
  { group: '', kind: 'Service' }, // render/workload.ts
  { group: 'apps', kind: 'Deployment' }, // render/workload.ts
  { group: 'batch', kind: 'CronJob' }, // render/workload.ts (scheduled tasks)
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }, // render/gateway.ts, endpoint.ts
  { group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy' }, // render/gateway.ts, endpoint.ts
  { group: 'gateway.envoyproxy.io', kind: 'BackendTrafficPolicy' }, // render/gateway.ts, endpoint.ts
  { group: 'cilium.io', kind: 'CiliumNetworkPolicy' }, // render/network.ts (cell baseline, per binding)
];

/** The entry of the allow-list for a group and kind, or undefined when the kind is not allowed. */
export function allowedKind(group: string, kind: string): RenderedKind | undefined {
  return DATA_PLANE_KINDS.find((k) => k.group === group && k.kind === kind);
}
