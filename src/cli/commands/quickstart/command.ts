import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

export const quickstartSpec = defineCommand({
  name: 'quickstart',
  summary: 'Start the local platform, deploy a small sample, promote it and show where it runs',
  description:
    'The first command on a fresh clone: starts the local embedded platform in the background (or reuses the ' +
    'running one), deploys a sample project "quickstart" in the organization "default" — a Service with a REST ' +
    'API, a WebApplication that calls it and a ScheduledTask, all from images — waits until every component is ' +
    'Ready, promotes the Service to staging, and prints the components per environment with their state, the ' +
    'endpoint URLs, the commands to go on with, and how long it took. Re-runnable: a second run reuses the running ' +
    'platform and re-applies the same sample. The manifests are written to ~/.choreoctl/local/quickstart.yaml. ' +
    'Stop the platform with `choreoctl local down`.',
  flags: [
    {
      name: 'timeout',
      type: 'string',
      placeholder: 'duration',
      default: '5m',
      description: 'How long to wait for the sample to become Ready',
    },
  ],
  examples: [{ description: 'From a fresh clone', command: 'npm run quickstart' }],
  load,
});
