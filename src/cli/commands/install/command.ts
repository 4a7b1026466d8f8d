import { dryRunFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

export const installSpec = defineCommand({
  name: 'install',
  summary: 'Install the OpenChoreo CRDs, the default platform and the controller into a cluster',
  description:
    'Install into the cluster of the current context: the openchoreo.dev CRDs (waiting until they are served),\n' +
    'the default platform (organization "default"; environments development, staging, production; pipeline\n' +
    '"default" with approval before production; project "default"; a DataPlane and a BuildPlane on this\n' +
    'cluster; default classes and API classes) and the controller (namespace choreoctl-system, ServiceAccount,\n' +
    'least-privilege RBAC and a Deployment running `choreoctl controller run --leader-elect`).\n\n' +
    'Idempotent: a second run reports every object unchanged. Objects carry the label\n' +
    'openchoreo.dev/managed-by=choreoctl-install, which `choreoctl uninstall` uses.',
  flags: [
    dryRunFlag('client: compare with the cluster and print only; server: submit without persisting'),
    {
      name: 'image',
      type: 'string',
      placeholder: 'image',
      description: 'Controller image (default: the release image)',
    },
    {
      name: 'no-controller',
      type: 'boolean',
      description: 'Leave out the controller Deployment and its RBAC',
    },
    {
      name: 'replicas',
      type: 'number',
      default: 1,
      placeholder: 'n',
      description: 'Controller manager replicas (leader election picks one; 2+ adds a PodDisruptionBudget)',
    },
    {
      name: 'controllers',
      type: 'string',
      placeholder: 'a,b',
      description: 'Comma-separated controllers the manager runs (default: all)',
    },
    {
      name: 'with-dependencies',
      type: 'boolean',
      description:
        'Also install the pinned Gateway API, Envoy Gateway, Cilium and Argo Workflows CRDs the planes need',
    },
    {
      name: 'with-build-templates',
      type: 'boolean',
      description:
        'Also install the docker, google-cloud-buildpacks, react and ballerina-buildpack ClusterWorkflowTemplates (needs Argo Workflows; on with --with-dependencies)',
    },
    {
      name: 'build-registry',
      type: 'string',
      placeholder: 'host[:port]',
      description:
        'Registry the build templates push images to (default registry.openchoreo-data-plane:5000)',
    },
    {
      name: 'build-pull-registry',
      type: 'string',
      placeholder: 'host[:port]',
      description: 'Registry the data plane pulls built images from (default: --build-registry)',
    },
    {
      name: 'build-registry-tls-verify',
      type: 'boolean',
      description:
        "Verify the push registry's TLS certificate (default off: a plain-HTTP in-cluster registry)",
    },
    {
      name: 'build-image',
      type: 'string[]',
      placeholder: 'step=image',
      description:
        'Image of a build step: git, podman, choreoctl, googleBuilder or ballerinaBuilder (repeatable), e.g. git=alpine/git:v2.49.1',
    },
    {
      name: 'with-server',
      type: 'boolean',
      description: 'Also deploy the REST server (choreoctl server) with its Service',
    },
  ],
  outputFormats: ['yaml', 'json', 'name'],
  examples: [
    { description: 'Install into the current context', command: 'choreoctl install' },
    {
      description: 'Install the controllers from your registry, two replicas, with the REST server',
      command: 'choreoctl install --image registry.example.com/choreoctl:v0.1.0 --replicas 2 --with-server',
    },
    {
      description: 'Print everything that would be installed',
      command: 'choreoctl install --dry-run=client -o yaml',
    },
  ],
  load,
});

export const uninstallSpec = defineCommand({
  name: 'uninstall',
  summary: 'Remove what `choreoctl install` installed',
  description:
    'Remove the default platform, the controller and the CRDs. Refuses while user resources (organizations,\n' +
    'projects, components, ...) exist, listing them; --force deletes them too (with their CRDs).',
  flags: [{ name: 'force', type: 'boolean', description: 'Delete even when user resources exist' }],
  examples: [
    { description: 'Remove everything, user resources included', command: 'choreoctl uninstall --force' },
  ],
  load,
});
