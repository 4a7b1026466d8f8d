import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

const upSpec = defineCommand({
  name: 'up',
  summary: 'Start the local control plane, install the platform and run the controllers',
  description:
    'Start an embedded control plane on this machine (real etcd, kube-apiserver, kube-controller-manager and\n' +
    'kube-scheduler, with kwok simulating the nodes so pods run, become Ready and have logs;\n' +
    'built with Go on first use and cached in ~/.cache/choreoctl), install the OpenChoreo CRDs and the default\n' +
    'platform, run the controllers and the REST API (choreoctl server) in this process, and add two choreoctl\n' +
    'contexts: "local" (direct, made current) and "local-api" (api mode, through the REST API).\n' +
    'Runs in the foreground until Ctrl-C; the data stays in ~/.choreoctl/local for the next start.',
  flags: [
    {
      name: 'port',
      type: 'number',
      placeholder: 'port',
      description: 'kube-apiserver port (default: a free one)',
    },
    {
      name: 'nodes',
      type: 'number',
      placeholder: 'n',
      default: 3,
      description: 'Simulated nodes (kube-scheduler + kwok) that run the pods; 0 for none',
    },
    {
      name: 'api-port',
      type: 'number',
      placeholder: 'port',
      default: 0,
      description: 'Port of the REST API (choreoctl server) on 127.0.0.1 (default: a free one)',
    },
    { name: 'fresh', type: 'boolean', description: 'Delete the previous data first' },
    { name: 'no-controllers', type: 'boolean', description: 'Do not run the controllers in this process' },
    {
      name: 'no-argo',
      type: 'boolean',
      description:
        "Do not run Argo's workflow-controller for the local BuildPlane (it runs when built and nodes are simulated)",
    },
    {
      name: 'exit-when-ready',
      type: 'boolean',
      hidden: true,
      description: 'Stop again once everything is up (smoke tests)',
    },
  ],
  examples: [
    { description: 'Start everything, then use it from another terminal', command: 'choreoctl local up' },
    { description: 'Start from scratch on port 6443', command: 'choreoctl local up --fresh --port 6443' },
  ],
  load,
});

const downSpec = defineCommand({
  name: 'down',
  summary: 'Stop a running local control plane (its data is kept)',
  load,
});

const statusSpec = defineCommand({
  name: 'status',
  summary: 'Show whether the local control plane runs, and where',
  load,
});

const buildSpec = defineCommand({
  name: 'build',
  summary:
    'Build (or find) the control-plane binaries and fetch the external CRDs, without starting anything',
  flags: [
    {
      name: 'with-argo',
      type: 'boolean',
      description:
        "Also build Argo's workflow-controller (builds in `local up`; large: tens of minutes on a cold machine)",
    },
  ],
  load,
});

export const localSpec = defineCommand({
  name: 'local',
  summary: 'Run OpenChoreo on this machine with an embedded control plane',
  subcommands: [upSpec, downSpec, statusSpec, buildSpec],
});

export {
  buildSpec as localBuildSpec,
  downSpec as localDownSpec,
  statusSpec as localStatusSpec,
  upSpec as localUpSpec,
};
