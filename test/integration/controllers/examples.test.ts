/**
 * The examples organization (examples/acme) through every controller into its cells, on the shared apiserver
 * with the real external CRDs: the Deployments, Services, CronJob, HTTPRoutes, Envoy policies and Cilium
 * policies the renderers promise, checked field by field for one component of each type and visibility.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { sortForApply } from '../../../src/api/index.js';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { installCrds, installExternalCrds, newClient, until } from '../helpers.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples/acme');
const CELL_MODEL = join(import.meta.dirname, '../../../examples/cell-model');
const gvr = (group: string, version: string, resource: string): GVR => ({
  group,
  version,
  resource,
  namespaced: true,
});
const DEPLOYMENTS = gvr('apps', 'v1', 'deployments');
const SERVICES = gvr('', 'v1', 'services');
const CRONJOBS = gvr('batch', 'v1', 'cronjobs');
const HTTPROUTES = gvr('gateway.networking.k8s.io', 'v1', 'httproutes');
const SECURITY = gvr('gateway.envoyproxy.io', 'v1alpha1', 'securitypolicies');
const TRAFFIC = gvr('gateway.envoyproxy.io', 'v1alpha1', 'backendtrafficpolicies');
const CILIUM = gvr('cilium.io', 'v2', 'ciliumnetworkpolicies');

let client: KubeClient;
let ctrl: RunningControllers;
const storefront = dataPlaneNamespaceName('acme', 'storefront', 'dev');
const backOffice = dataPlaneNamespaceName('acme', 'back-office', 'dev');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? yamlFiles(p) : f.endsWith('.yaml') ? [p] : [];
    });
}

const list = async (ref: GVR, namespace: string) => (await client.listAll(ref, { namespace })).items;
const labelled = (items: KubeObject[], component: string) =>
  items.filter((o) => o.metadata?.labels?.['component-name'] === component);

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  await installExternalCrds(client);
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  const docs = [...yamlFiles(EXAMPLES), ...yamlFiles(CELL_MODEL)].flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubeObject),
  );
  for (const doc of sortForApply(docs)) {
    await until(
      async () => client.apply(doc, { fieldManager: 'examples-test', force: true }).then(() => true),
      `${doc.kind}/${doc.metadata?.name} to apply (its namespace may still be coming)`,
      60_000,
    );
  }
}, 240_000);

afterAll(async () => {
  await ctrl?.stop();
  await client?.delete(
    { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'organizations', namespaced: false },
    'acme',
  );
  client?.close();
});

describe('examples/acme end to end', () => {
  it('a Service from an image: Deployment and Service in its cell, with the workload image and port', async () => {
    const deps = await until(
      async () => {
        const d = labelled(await list(DEPLOYMENTS, storefront), 'catalog');
        return d.length === 1 ? d : undefined;
      },
      'the catalog Deployment',
      90_000,
    );
    const pod = (
      (deps[0]?.spec ?? {}) as { template: { spec: { containers: { name: string; image: string }[] } } }
    ).template.spec;
    expect(pod.containers.find((c) => c.name === 'main')?.image).toBe('ghcr.io/acme/catalog:2.3.0');
    expect(deps[0]?.metadata?.labels).toMatchObject({
      'organization-name': 'acme',
      'project-name': 'storefront',
      'environment-name': 'dev',
      'openchoreo.dev/managed-by': 'release-controller',
    });
    // The Release applies workloads before services: the Service may follow the Deployment by a moment.
    const svcs = await until(
      async () => {
        const found = labelled(await list(SERVICES, storefront), 'catalog');
        return found.length > 0 ? found : undefined;
      },
      'the catalog Service',
      90_000,
    );
    expect(svcs).toHaveLength(1);
    const ports = ((svcs[0]?.spec ?? {}) as { ports: { port: number }[] }).ports.map((p) => p.port);
    expect(ports).toContain(8080);
  });

  it('organization and public visibility: HTTPRoutes on gateway-internal and gateway-external, with policies', async () => {
    const routes = await until(
      async () => {
        const r = labelled(await list(HTTPROUTES, storefront), 'catalog');
        return r.length >= 2 ? r : undefined;
      },
      'the catalog HTTPRoutes',
      90_000,
    );
    const parents = routes.flatMap((r) =>
      (r.spec as { parentRefs: { name: string; namespace?: string }[] }).parentRefs.map((p) => p.name),
    );
    expect(parents).toEqual(expect.arrayContaining(['gateway-internal', 'gateway-external']));
    for (const r of routes) {
      const rule = (r.spec as { rules: { matches: { path: { type: string; value: string } }[] }[] }).rules[0];
      expect(rule?.matches[0]?.path.value.startsWith('/storefront/catalog')).toBe(true);
    }
    expect(labelled(await list(SECURITY, storefront), 'catalog').length).toBeGreaterThan(0);
    expect(labelled(await list(TRAFFIC, storefront), 'catalog').length).toBeGreaterThan(0);
  });

  it('a scheduled task: a CronJob with the class schedule', async () => {
    const jobs = await until(
      async () => {
        const j = labelled(await list(CRONJOBS, backOffice), 'invoice-mailer');
        return j.length === 1 ? j : undefined;
      },
      'the invoice-mailer CronJob',
      90_000,
    );
    expect(((jobs[0]?.spec ?? {}) as { schedule: string }).schedule).toBe('30 1 * * *');
  });

  it('the cell model (examples/cell-model): the artifact in the storefront cell, its Endpoint routed on both gateways', async () => {
    const deps = await until(
      async () => {
        const d = (await list(DEPLOYMENTS, storefront)).filter(
          (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
        );
        return d.length === 1 ? d : undefined;
      },
      'the stock-dev Deployment',
      90_000,
    );
    const spec = (deps[0]?.spec ?? {}) as {
      replicas: number;
      template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } };
    };
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/stock:1.4.0');
    expect(spec.template.spec.containers[0]?.env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    const routes = await until(
      async () => {
        const r = (await list(HTTPROUTES, storefront)).filter(
          (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
        );
        return r.length === 2 ? r : undefined;
      },
      'the stock-api HTTPRoutes',
      90_000,
    );
    const hosts = routes.flatMap((r) => (r.spec as { hostnames: string[] }).hostnames).sort();
    expect(hosts).toEqual(['dev.acme.openchoreoapis.internal', 'dev.acme.openchoreoapis.localhost']);
    expect(
      (await list(TRAFFIC, storefront)).filter(
        (o) => o.metadata?.labels?.['deployment-name'] === 'stock-dev',
      ),
    ).toHaveLength(1);
  });

  it('the cell network: a default-deny CiliumNetworkPolicy per deployed component', async () => {
    // The binding's cell policy (an API of the same component may add a gateway-ingress policy beside it).
    const cellPolicy = await until(
      async () => {
        const p = labelled(await list(CILIUM, storefront), 'catalog');
        return p.find((o) => o.metadata?.name?.startsWith('catalog-cell-'));
      },
      'the catalog cell CiliumNetworkPolicy',
      90_000,
    );
    const spec = (cellPolicy.spec ?? {}) as {
      enableDefaultDeny?: { ingress: boolean; egress: boolean };
    };
    expect(spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
  });
});
