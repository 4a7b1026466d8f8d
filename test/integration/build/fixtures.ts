/** What the Build tests deploy: acme's platform, the storefront project and `orders`, renamed to an organization. */
import type { KubeObject } from '../../../src/kube/client.js';
import { acmeExampleDocuments } from '../helpers.js';

/** acme's platform, storefront project and `orders` (no Build, no Workload: the build makes it), renamed to `org`. */
export function orgDocuments(org: string): KubeObject[] {
  const keep = acmeExampleDocuments().filter((d) => {
    if (d.kind === 'Build' || d.kind === 'Workload' || d.kind === 'BuildPlane') return false;
    const spec = (d.spec ?? {}) as { owner?: { componentName?: string } };
    if (d.kind === 'Component') return d.metadata?.name === 'orders';
    return spec.owner?.componentName === undefined || spec.owner.componentName === 'orders';
  });
  return JSON.parse(JSON.stringify(keep).replaceAll('acme', org)) as KubeObject[];
}

/** A BuildPlane in this cluster (no kubernetesCluster). */
export function buildPlane(org: string): KubeObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'BuildPlane',
    metadata: { name: 'builds', namespace: org },
    spec: {},
  };
}

/** A Build of `orders` in `org`: a commit, or branch release-1 without one. */
export function ordersBuild(org: string, name: string, template: string, commit?: string): KubeObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Build',
    metadata: { name, namespace: org },
    spec: {
      owner: { projectName: 'storefront', componentName: 'orders' },
      repository: {
        url: 'https://github.com/acme/storefront',
        revision: commit ? { commit } : { branch: 'release-1' },
        appPath: '/services/orders',
      },
      templateRef: { name: template, parameters: [{ name: 'docker-context', value: '/services/orders' }] },
    },
  };
}

/**
 * The Workload a build of `orders` produces (what its workload-create step writes from the repository's
 * descriptor): the built image and the REST endpoint `orders-api` on 8080.
 */
export function ordersWorkload(image: string, namespace?: string): KubeObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name: 'orders', ...(namespace ? { namespace } : {}) },
    spec: {
      owner: { projectName: 'storefront', componentName: 'orders' },
      containers: { main: { image } },
      endpoints: { 'orders-api': { type: 'REST', port: 8080 } },
    },
  };
}
