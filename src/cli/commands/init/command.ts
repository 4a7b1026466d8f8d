import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

export const initSpec = defineCommand({
  name: 'init',
  summary:
    'Set up choreoctl: connect to a platform, pick an organization and project, deploy a first component',
  description:
    'A setup wizard for the first run. Choose a target — the local embedded platform (started in the background, ' +
    'or the running one reused), a context of your kubeconfig, or an OpenChoreo REST API URL and token — and init ' +
    'checks the connection and says what failed (unreachable, TLS, 401, RBAC) and what to do. On a cluster without ' +
    'OpenChoreo it shows what `choreoctl install` would create and installs it once you agree. Then it creates or ' +
    'picks an organization and a project, optionally writes a first component from a template to a YAML file you ' +
    'keep, applies it and waits until it is Ready, writes the choreoctl context (made current) and prints the next ' +
    'commands.\n\n' +
    'Every question has a flag (--target, --context, --server, --token-stdin, --org, --project, ' +
    '--component-template, --yes), so the same flow runs in CI. Without a terminal nothing is asked: the missing ' +
    'flags are named in one error (exit 2). Ctrl-C at any question undoes what init did so far and exits 130.',
  flags: [
    {
      name: 'target',
      type: 'string',
      placeholder: 'kind',
      choices: ['local', 'kubeconfig', 'api'],
      description: 'What to connect to: local, kubeconfig or api',
    },
    {
      name: 'context',
      type: 'string',
      placeholder: 'name',
      description: 'With --target kubeconfig: the kubeconfig context',
    },
    { name: 'server', type: 'string', placeholder: 'url', description: 'With --target api: the API URL' },
    { name: 'token-stdin', type: 'boolean', description: 'With --target api: read the token from stdin' },
    {
      name: 'component-template',
      type: 'string',
      placeholder: 'template',
      choices: ['service', 'web-application', 'scheduled-task', 'none'],
      description: 'First component to scaffold (none: skip)',
    },
    {
      name: 'component-name',
      type: 'string',
      placeholder: 'name',
      description: 'Name of the first component',
    },
    {
      name: 'image',
      type: 'string',
      placeholder: 'ref',
      description: 'Container image of the first component',
    },
    {
      name: 'file',
      type: 'string',
      placeholder: 'path',
      complete: 'file',
      description: 'Where the component YAML goes (default: ./NAME.yaml)',
    },
    {
      name: 'name',
      type: 'string',
      placeholder: 'name',
      description: 'Name of the choreoctl context to write',
    },
    {
      name: 'yes',
      short: 'y',
      type: 'boolean',
      description: 'Take the default of every question not answered by a flag',
    },
    {
      name: 'timeout',
      type: 'string',
      placeholder: 'duration',
      default: '3m',
      description: 'How long to wait for the first component to become Ready',
    },
  ],
  examples: [
    { description: 'Answer the questions', command: 'choreoctl init' },
    {
      description: 'The same in CI, on the local platform',
      command:
        'choreoctl init --target local --org default --project default --component-template service --yes',
    },
    {
      description: 'Connect to a REST API',
      command:
        'echo "$TOKEN" | choreoctl init --target api --server https://choreo.example.com --token-stdin --yes',
    },
  ],
  load,
});
