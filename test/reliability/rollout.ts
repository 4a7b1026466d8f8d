/**
 * The rollout the fault tests share: an organization on a control plane whose DataPlane is another cluster,
 * N Service components (Component + Workload + Service), and how to tell that every one of them landed in the
 * data plane exactly once.
 */
import { DataPlaneLabels } from '../../src/api/labels.js';
import { dataPlaneNamespaceName } from '../../src/api/naming.js';
import { REF } from '../../src/api/refs.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { defaultPlatform } from '../../src/services/install.js';
import { conditionOf, remoteDataPlane, until } from '../integration/helpers.js';

export const API = 'openchoreo.dev/v1alpha1';

/** The three objects of one Service component `name` in `org` (project default). */
export function component(org: string, name: string): KubeObject[] {
  const owner = { projectName: 'default', componentName: name };
  return [
    {
      apiVersion: API,
      kind: 'Component',
      metadata: { name, namespace: org },
      spec: { owner: { projectName: 'default' }, type: 'Service' },
    },
    {
      apiVersion: API,
      kind: 'Workload',
      metadata: { name, namespace: org },
      spec: {
        owner,
        containers: { main: { image: `registry.reliability.local/${name}:1.0.0` } },
        endpoints: { http: { type: 'REST', port: 8080 } },
      },
    },
    {
      apiVersion: API,
      kind: 'Service',
      metadata: { name, namespace: org },
      spec: { owner, workloadName: name },
    },
  ];
}

/**
 * Create the organization `org` and its default platform on `client`, its DataPlane `default` reaching `dp`
 * (credentials in the Secret `dp-creds`). Controllers must be running for the namespace to appear.
 * Returns the development cell's namespace in the data plane.
 */
export async function remoteOrganization(
  client: KubeClient,
  org: string,
  dp: { server: string; caData: string; admin: { token: string } },
): Promise<string> {
  await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
  await until(
    async () => client.getOrUndefined(KUBE_REF.Namespace, org),
    'the organization namespace',
    120_000,
  );
  for (const o of remoteDataPlane(org, 'default', 'dp-creds', dp)) await client.create(o);
  for (const o of defaultPlatform(org)) {
    if (o.kind === 'DataPlane' || o.kind === 'Organization') continue;
    await client.apply(o, { fieldManager: 'choreoctl-test', force: true });
  }
  return dataPlaneNamespaceName(org, 'default', 'development');
}

/** The component label of every Deployment in the data plane's `cell`, sorted (duplicates stay visible). */
export async function deploymentNames(remote: KubeClient, cell: string): Promise<string[]> {
  const list = await remote.list<KubeObject>(KUBE_REF.Deployment, { namespace: cell });
  return list.items
    .map((d) => d.metadata?.labels?.[DataPlaneLabels.component] ?? d.metadata?.name ?? '')
    .sort();
}

/** Wait for the DataPlane `default` of `org` to be Ready=`status`; returns the condition. */
export function dataPlaneReady(
  client: KubeClient,
  org: string,
  status: 'True' | 'False',
  timeoutMs = 60_000,
) {
  return until(
    async () => {
      const c = conditionOf(
        await client.getOrUndefined<KubeObject>(REF.DataPlane, 'default', { namespace: org }),
      );
      return c?.status === status ? c : undefined;
    },
    `DataPlane Ready=${status}`,
    timeoutMs,
  );
}

/** The owners of the ServiceBindings of `org`, sorted: one per component when nothing is lost or duplicated. */
export async function bindingOwners(client: KubeClient, org: string): Promise<string[]> {
  const bindings = await client.list<KubeObject>(REF.ServiceBinding, { namespace: org });
  return bindings.items
    .map((b) => (b.spec as { owner: { componentName: string } }).owner.componentName)
    .sort();
}

/** `[reliability] <fault>: converged in N s`: the README's table is filled from these lines. */
export function report(fault: string, ms: number, extra = ''): void {
  process.stderr.write(`[reliability] ${fault}: converged in ${(ms / 1000).toFixed(1)} s${extra}\n`);
}
