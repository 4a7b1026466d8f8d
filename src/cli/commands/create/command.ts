import { dryRunFlag, interactiveFlag, waitFlag } from '../../flags.js';
import { defineCommand, type FlagSpec, type HandlerModule } from '../../spec.js';

/** One handler for every `create <kind>`: it dispatches on the command name. */
const load = (): Promise<HandlerModule> => import('./index.js');

const name = { name: 'name', required: true, description: 'Name of the new resource' } as const;

const common = [
  dryRunFlag('client: print the object only; server: submit without persisting'),
  {
    name: 'display-name',
    type: 'string',
    placeholder: 'text',
    description: 'Human-readable name (annotation)',
  },
  { name: 'description', type: 'string', placeholder: 'text', description: 'Description (annotation)' },
] as const satisfies readonly FlagSpec[];

const outputFormats = ['json', 'yaml', 'name'];

const cluster = [
  { name: 'server', type: 'string', placeholder: 'url', description: 'API server URL of the cluster' },
  { name: 'token', type: 'string', placeholder: 'token', description: 'Bearer token for --server' },
  {
    name: 'kubeconfig-secret',
    type: 'string',
    placeholder: 'name',
    description: 'Secret holding a kubeconfig for the cluster (instead of --server)',
  },
] as const satisfies readonly FlagSpec[];

export const createOrganizationSpec = defineCommand({
  name: 'organization',
  aliases: ['org'],
  summary: 'Create an organization (a tenant; its resources live in the namespace of the same name)',
  args: [name],
  flags: [...common],
  outputFormats,
  examples: [{ description: 'Create an organization', command: 'choreoctl create organization acme' }],
  load,
});

export const createProjectSpec = defineCommand({
  name: 'project',
  aliases: ['proj'],
  summary: 'Create a project',
  args: [name],
  flags: [
    ...common,
    {
      name: 'pipeline',
      type: 'string',
      placeholder: 'name',
      default: 'default',
      description: 'Deployment pipeline of the project',
      complete: 'resource-name:deploymentpipeline',
    },
  ],
  outputFormats,
  examples: [
    { description: 'Create a project', command: 'choreoctl create project shop --pipeline default' },
  ],
  load,
});

export const createComponentSpec = defineCommand({
  name: 'component',
  aliases: ['comp'],
  summary: "Create a component of a project (--project or the context's project)",
  args: [name],
  flags: [
    ...common,
    {
      name: 'type',
      type: 'string',
      placeholder: 'type',
      description: 'Component type',
      choices: [
        'Service',
        'WebApplication',
        'ScheduledTask',
        'ManualTask',
        'Webhook',
        'APIProxy',
        'TestRunner',
        'EventHandler',
      ],
    },
    {
      name: 'git-url',
      type: 'string',
      placeholder: 'url',
      description: 'Source repository (enables builds)',
    },
    { name: 'branch', type: 'string', placeholder: 'name', description: 'Branch to build (default main)' },
    {
      name: 'path',
      type: 'string',
      placeholder: 'dir',
      description: 'Application path in the repository (default /)',
    },
    {
      name: 'build-template',
      type: 'string',
      placeholder: 'name',
      description: 'Build template (default docker)',
    },
  ],
  outputFormats,
  examples: [
    {
      description: 'A service built from GitHub',
      command:
        'choreoctl create component api --project shop --type Service --git-url https://github.com/acme/api',
    },
  ],
  load,
});

export const createEnvironmentSpec = defineCommand({
  name: 'environment',
  aliases: ['env'],
  summary: 'Create an environment on a data plane',
  args: [name],
  flags: [
    ...common,
    {
      name: 'dataplane',
      type: 'string',
      placeholder: 'name',
      default: 'default',
      description: 'Data plane the environment runs on',
      complete: 'resource-name:dataplane',
    },
    { name: 'production', type: 'boolean', description: 'Mark as a production environment' },
    { name: 'dns-prefix', type: 'string', placeholder: 'prefix', description: 'DNS prefix of the gateway' },
  ],
  outputFormats,
  examples: [
    {
      description: 'A production environment',
      command: 'choreoctl create environment prod --dataplane default --production',
    },
  ],
  load,
});

export const createDataPlaneSpec = defineCommand({
  name: 'dataplane',
  aliases: ['dp'],
  summary: 'Create a data plane (a cluster where workloads run)',
  args: [name],
  flags: [
    ...common,
    ...cluster,
    {
      name: 'registry-prefix',
      type: 'string',
      placeholder: 'host:port',
      default: 'registry.openchoreo-data-plane:5000',
      description: 'Image registry prefix',
    },
    {
      name: 'public-host',
      type: 'string',
      placeholder: 'host',
      description: 'Public virtual host of the gateway',
    },
    {
      name: 'org-host',
      type: 'string',
      placeholder: 'host',
      description: 'Organization virtual host (default: --public-host)',
    },
  ],
  outputFormats,
  examples: [
    {
      description: 'A data plane',
      command: 'choreoctl create dataplane default --public-host apps.example.com',
    },
  ],
  load,
});

export const createBuildPlaneSpec = defineCommand({
  name: 'buildplane',
  aliases: ['bp'],
  summary: 'Create a build plane (a cluster where builds run)',
  args: [name],
  flags: [...common, ...cluster],
  outputFormats,
  load,
});

export const createDeploymentPipelineSpec = defineCommand({
  name: 'deploymentpipeline',
  aliases: ['deppipe'],
  summary: 'Create a deployment pipeline (promotion paths between environments)',
  args: [name],
  flags: [
    ...common,
    {
      name: 'path',
      type: 'string[]',
      placeholder: 'src:dst',
      description: 'Promotion path SOURCE:TARGET[,TARGET...]; TARGET* requires approval (repeatable)',
    },
  ],
  outputFormats,
  examples: [
    {
      description: 'development → staging → production (with approval)',
      command:
        'choreoctl create deploymentpipeline default --path development:staging --path staging:production*',
    },
  ],
  load,
});

export const createDeploymentTrackSpec = defineCommand({
  name: 'deploymenttrack',
  aliases: ['deptrack'],
  summary: 'Create a deployment track of a component',
  args: [name],
  flags: [
    ...common,
    { name: 'auto-deploy', type: 'boolean', description: 'Deploy new builds automatically' },
    { name: 'branch', type: 'string', placeholder: 'name', description: 'Branch the track builds' },
  ],
  outputFormats,
  load,
});

export const createDeploymentSpec = defineCommand({
  name: 'deployment',
  aliases: ['dep'],
  summary: 'Create a deployment of an artifact to an environment',
  args: [name],
  flags: [
    ...common,
    { name: 'artifact', type: 'string', placeholder: 'name', description: 'DeployableArtifact to deploy' },
  ],
  outputFormats,
  load,
});

export const createWorkloadSpec = defineCommand({
  name: 'workload',
  aliases: ['wl'],
  summary: "Create the workload of a component (--project, --component: or the context's)",
  description:
    "Create the Workload of a component from flags, or from the source repository's workload descriptor\n" +
    '(--descriptor workload.yaml: endpoints with schema files, connections, env, command, args), as the build\n' +
    "templates' workload-create step does. The name defaults to the descriptor's metadata.name, else\n" +
    '<component>-workload. With a descriptor the Workload is applied (server-side, so a rerun updates it); with\n' +
    '-o FILE it is written to FILE instead and nothing is sent. A bad descriptor is reported as file:line:col.',
  args: [{ ...name, required: false, description: 'Name of the Workload (default: see above)' }],
  flags: [
    ...common,
    { name: 'image', type: 'string', placeholder: 'ref', description: 'Container image' },
    {
      name: 'descriptor',
      type: 'string',
      placeholder: 'file',
      description: "The source repository's workload descriptor (workload.yaml)",
      complete: 'file',
    },
    {
      name: 'port',
      type: 'string[]',
      placeholder: 'name:type:port',
      description: 'Endpoint [NAME:[TYPE:]]PORT, e.g. api:REST:8080 (repeatable)',
    },
  ],
  outputFormats,
  outputFile: true,
  examples: [
    {
      description: 'The Workload of a descriptor, written to a file (what a build runs)',
      command:
        'choreoctl create workload --descriptor workload.yaml --project shop --component api --image registry.local/shop-api:1 -o workload-cr.yaml',
    },
    {
      description: 'A workload with one REST endpoint',
      command:
        'choreoctl create workload api --project shop --component api --image ghcr.io/acme/api:1 --port api:REST:8080',
    },
  ],
  load,
});

export const createBuildSpec = defineCommand({
  name: 'build',
  aliases: ['bld'],
  summary: 'Build a component from source (a Build run as an Argo Workflow in the BuildPlane)',
  description:
    'Creates a Build of the component from its spec.build (repository, branch, template): --branch or --commit ' +
    'builds another revision, --template runs another ClusterWorkflowTemplate. The Build controller runs it in ' +
    "the organization's BuildPlane; on success the component's Workload gets the new image and redeploys.\n\n" +
    'With --wait, waits until the build finished, showing the current step (a spinner on a terminal, one line ' +
    'per step otherwise); --follow also streams the logs of each step. Exit codes: 0 created (or succeeded ' +
    'with --wait), 1 failed (the message names the step) or --timeout reached, 2 usage error.',
  args: [
    {
      name: 'component',
      required: true,
      description: 'Component to build',
      complete: 'resource-name:component',
    },
  ],
  interactive: { componentArg: 'component' },
  flags: [
    interactiveFlag,
    {
      name: 'branch',
      type: 'string',
      placeholder: 'name',
      description: 'Branch to build (default: the component’s)',
    },
    {
      name: 'commit',
      type: 'string',
      placeholder: 'sha',
      description: 'Commit to build (instead of a branch)',
    },
    {
      name: 'template',
      type: 'string',
      placeholder: 'name',
      description: 'Build template (ClusterWorkflowTemplate) to run',
    },
    waitFlag('Wait until the build finished'),
    {
      name: 'timeout',
      type: 'string',
      placeholder: 'duration',
      default: '30m',
      description: 'How long --wait waits (e.g. 10m)',
    },
    { name: 'follow', type: 'boolean', description: 'Wait, and stream the logs of each step' },
  ],
  outputFormats: ['json', 'yaml', 'name'],
  examples: [
    {
      description: 'Build orders and wait for it',
      command: 'choreoctl create build orders --project shop --wait',
    },
    { description: 'Build a commit', command: 'choreoctl create build orders --commit 4f9c2e1 --follow' },
    {
      description: 'Pick the organization, project and component from lists',
      command: 'choreoctl create build -i --wait',
    },
  ],
  load: (): Promise<HandlerModule> => import('./build.js'),
});

export const createSpec = defineCommand({
  name: 'create',
  summary: 'Create a resource from flags',
  description:
    'Create a resource from flags. The object is validated against its schema first; --dry-run=client -o yaml\n' +
    'prints it without contacting the cluster. Fails with AlreadyExists when it exists (use apply to update).',
  subcommands: [
    createOrganizationSpec,
    createProjectSpec,
    createComponentSpec,
    createEnvironmentSpec,
    createDataPlaneSpec,
    createBuildPlaneSpec,
    createDeploymentPipelineSpec,
    createDeploymentTrackSpec,
    createDeploymentSpec,
    createWorkloadSpec,
    createBuildSpec,
  ],
});
