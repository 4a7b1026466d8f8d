import { interactiveFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const logsSpec = defineCommand({
  name: 'logs',
  aliases: ['log'],
  summary: "Print the logs of a component's pods in one environment",
  description:
    'Print the logs of every replica of a component in one environment (default: the first environment of the\n' +
    "project's pipeline), each line prefixed with its pod and container, in a colour per pod when stdout is a\n" +
    'terminal (NO_COLOR turns it off). With -f the logs are followed: new pods (rollouts, scale-ups) and\n' +
    'restarted containers are picked up as they start; Ctrl-C ends it (exit 0).\n\n' +
    'Logs are read through the Kubernetes pods/log API of the data plane: you need list/watch on pods and get on\n' +
    'pods/log there. In api mode the REST server reads them as you and streams them.\n\n' +
    'Exit codes: 0 ok, 1 error (unknown component or environment, not deployed, no pods), 2 usage error.',
  args: [
    { name: 'type', required: true, description: 'What to read the logs of: component or build' },
    {
      name: 'name',
      required: true,
      description: 'Component or Build name',
      complete: 'resource-name:component',
    },
  ],
  interactive: { kindArg: 'type', kinds: ['component', 'build'], namesArg: 'name', environmentGlobal: true },
  flags: [
    interactiveFlag,
    { name: 'follow', short: 'f', type: 'boolean', description: 'Stream new lines as they are written' },
    {
      name: 'tail',
      type: 'number',
      placeholder: 'lines',
      default: -1,
      description: 'Lines of recent log to show per container (-1: all)',
    },
    {
      name: 'since',
      type: 'string',
      placeholder: 'duration',
      description: 'Only lines newer than this (5s, 10m, 3h)',
    },
    {
      name: 'since-time',
      type: 'string',
      placeholder: 'time',
      description: 'Only lines after this RFC 3339 time (2026-01-02T15:04:05Z)',
    },
    { name: 'timestamps', type: 'boolean', description: 'Prefix each line with its timestamp' },
    {
      name: 'container',
      short: 'c',
      type: 'string',
      placeholder: 'name',
      description: "Container to read (default: each pod's default container)",
    },
    { name: 'all-containers', type: 'boolean', description: 'Read every container of each pod' },
    {
      name: 'previous',
      short: 'p',
      type: 'boolean',
      description: "The previous (restarted) container instance's log",
    },
    {
      name: 'selector',
      short: 'l',
      type: 'string',
      placeholder: 'query',
      description: "Narrow the component's pods further by label (-l key=value)",
    },
    {
      name: 'max-log-requests',
      type: 'number',
      placeholder: 'n',
      default: 5,
      description: 'Most concurrent log streams when following',
    },
  ],
  examples: [
    {
      description: 'Every replica of orders in the first environment',
      command: 'choreoctl logs component orders -n acme',
    },
    {
      description: 'Follow production, last 10 lines each',
      command: 'choreoctl logs component orders --env prod -f --tail 10',
    },
    {
      description: "Follow a build: each step's log under a header",
      command: 'choreoctl logs build orders-build-1a2b3c4d -f',
    },
    {
      description: 'The last five minutes, with timestamps',
      command: 'choreoctl logs component orders --since 5m --timestamps',
    },
    {
      description: 'Pick the organization, project, component and environment from lists',
      command: 'choreoctl logs -i',
    },
  ],
  load,
});
