import { defineCommand, type HandlerModule } from '../../spec.js';

const load = <
  K extends 'getContexts' | 'currentContext' | 'useContext' | 'setContext' | 'deleteContext' | 'view',
>(
  name: K,
): Promise<HandlerModule> => import('./index.js').then((m) => ({ default: m[name] }));

export const getContextsSpec = defineCommand({
  name: 'get-contexts',
  summary: 'Describe one or many contexts',
  description: 'List the contexts of the local config; the current one is marked with * in CURRENT.',
  args: [{ name: 'name', description: 'Only this context', complete: 'context' }],
  flags: [{ name: 'no-headers', type: 'boolean', description: "Don't print headers" }],
  outputFormats: ['name'],
  examples: [
    { description: 'List all contexts', command: 'choreoctl config get-contexts' },
    { description: 'Only the names', command: 'choreoctl config get-contexts -o name' },
  ],
  load: () => load('getContexts'),
});

export const currentContextSpec = defineCommand({
  name: 'current-context',
  summary: 'Display the current context',
  examples: [{ description: 'Print the current context', command: 'choreoctl config current-context' }],
  load: () => load('currentContext'),
});

export const useContextSpec = defineCommand({
  name: 'use-context',
  aliases: ['use'],
  summary: 'Set the current context in the config file',
  args: [{ name: 'name', required: true, description: 'Context name', complete: 'context' }],
  examples: [
    { description: 'Use the context for the dev cluster', command: 'choreoctl config use-context dev' },
  ],
  load: () => load('useContext'),
});

export const setContextSpec = defineCommand({
  name: 'set-context',
  summary: 'Create or modify a context',
  description:
    'Create a context, or modify the given fields of an existing one. Other\n' +
    'fields are kept; an empty value (--project "") clears one. The defaults for\n' +
    'organization, project, component and environment come from the global flags\n' +
    '-n/--org, --project, --component and --env.\n\n' +
    'Mode "direct" talks to Kubernetes through a kubeconfig (--kubeconfig,\n' +
    '--kube-context); mode "api" talks to the OpenChoreo API (--api-url, --token).\n' +
    'Does not switch to the context: see use-context.',
  args: [{ name: 'name', description: 'Context name (omit with --current)', complete: 'context' }],
  flags: [
    { name: 'current', type: 'boolean', description: 'Modify the current context' },
    {
      name: 'mode',
      type: 'string',
      placeholder: 'mode',
      choices: ['direct', 'api'],
      description: 'direct (kubeconfig) or api (OpenChoreo REST API)',
    },
    {
      name: 'kubeconfig',
      type: 'string',
      placeholder: 'path',
      complete: 'file',
      description: 'direct: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
    },
    {
      name: 'kube-context',
      type: 'string',
      placeholder: 'name',
      description: "direct: kubeconfig context (default: the kubeconfig's current context)",
    },
    { name: 'api-url', type: 'string', placeholder: 'url', description: 'api: OpenChoreo API base URL' },
    {
      name: 'token',
      type: 'string',
      placeholder: 'token',
      description: 'api: bearer token (prefer $CHOREOCTL_TOKEN: flags end up in shell history)',
    },
  ],
  examples: [
    {
      description: 'A context on a kind cluster with default organization and project',
      command: 'choreoctl config set-context dev --kube-context kind-openchoreo --org acme --project shop',
    },
    {
      description: 'A context that uses the OpenChoreo API',
      command: 'choreoctl config set-context prod --mode api --api-url https://api.example.com',
    },
    {
      description: 'Change the environment of the current context',
      command: 'choreoctl config set-context --current --env staging',
    },
  ],
  load: () => load('setContext'),
});

export const deleteContextSpec = defineCommand({
  name: 'delete-context',
  summary: 'Delete the specified context from the config',
  args: [{ name: 'name', required: true, description: 'Context name', complete: 'context' }],
  examples: [
    { description: 'Delete the context for the old cluster', command: 'choreoctl config delete-context old' },
  ],
  load: () => load('deleteContext'),
});

export const viewSpec = defineCommand({
  name: 'view',
  summary: 'Display the config file',
  description: 'Display the local config. Tokens are shown as REDACTED unless --raw is given.',
  flags: [
    { name: 'raw', type: 'boolean', description: 'Show tokens' },
    { name: 'minify', type: 'boolean', description: 'Only the current context' },
  ],
  outputFormats: ['yaml', 'json'],
  examples: [
    { description: 'Show the config', command: 'choreoctl config view' },
    {
      description: 'Show the current context as JSON, with its token',
      command: 'choreoctl config view --minify --raw -o json',
    },
  ],
  load: () => load('view'),
});

export const configSpec = defineCommand({
  name: 'config',
  summary: 'Modify the choreoctl config file (contexts)',
  description:
    'Modify the choreoctl config file: $CHOREOCTL_CONFIG, or ~/.choreoctl/config.\n\n' +
    'Precedence: flags > environment > the context > defaults. Environment:\n' +
    'CHOREOCTL_CONTEXT, CHOREOCTL_ORG, CHOREOCTL_PROJECT, CHOREOCTL_COMPONENT,\n' +
    'CHOREOCTL_ENV, CHOREOCTL_API_URL (switches to api mode), CHOREOCTL_TOKEN.\n' +
    'Without a config file choreoctl works like kubectl: direct mode on the\n' +
    "kubeconfig's current context.",
  subcommands: [
    getContextsSpec,
    currentContextSpec,
    useContextSpec,
    setContextSpec,
    deleteContextSpec,
    viewSpec,
  ],
});
