import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

const runSpec = defineCommand({
  name: 'run',
  summary: 'Run the OpenChoreo controllers in this process against a cluster',
  description:
    'Run the OpenChoreo controllers in this process (the local reconciler mode), against the cluster of the\n' +
    'current context or --kubeconfig/--context, or in-cluster with a service account. Stops gracefully on\n' +
    'SIGINT/SIGTERM: stops taking work, cancels the reconciles in flight (their AbortSignal) and releases the\n' +
    'leader lease; whatever still waits on a data plane after half of --grace-period is aborted, and the process\n' +
    'exits within --grace-period whatever a cluster does.',
  flags: [
    {
      name: 'controllers',
      type: 'string',
      placeholder: 'a,b',
      description: 'Comma-separated controllers to run (default: all)',
    },
    { name: 'concurrency', type: 'number', default: 2, description: 'Parallel reconciles per controller' },
    {
      name: 'leader-elect',
      type: 'boolean',
      description: 'Take a coordination.k8s.io Lease first, so only one manager of a cluster reconciles',
    },
    {
      name: 'leader-election-namespace',
      type: 'string',
      default: 'kube-system',
      placeholder: 'namespace',
      description: 'Namespace of the leader-election Lease',
    },
    {
      name: 'grace-period',
      type: 'number',
      default: 10,
      placeholder: 'seconds',
      description: 'Seconds to stop within after SIGINT/SIGTERM',
    },
    {
      name: 'metrics-addr',
      type: 'string',
      default: '127.0.0.1:8080',
      placeholder: 'host:port',
      description: 'Address of /healthz, /readyz and /metrics ("0" disables)',
    },
    {
      name: 'log-format',
      type: 'string',
      default: 'text',
      choices: ['text', 'json'],
      description:
        'Log lines as text or as JSON objects (one a line); each reconcile logs controller, key, reconcileID, duration and result',
    },
    {
      name: 'log-level',
      type: 'string',
      default: 'info',
      choices: ['debug', 'info', 'error'],
      description: 'Lowest level logged (debug: a line for every reconcile)',
    },
  ],
  examples: [
    { description: 'Run every controller against the current context', command: 'choreoctl controller run' },
    {
      description: 'Run two controllers, with leader election, metrics on port 9090',
      command:
        'choreoctl controller run --controllers=organization,project --leader-elect --metrics-addr :9090',
    },
  ],
  load,
});

export const controllerSpec = defineCommand({
  name: 'controller',
  summary: 'Run the OpenChoreo controllers',
  subcommands: [runSpec],
});

export { runSpec as controllerRunSpec };
