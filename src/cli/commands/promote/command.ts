import { interactiveFlag, timeoutFlag, waitFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const promoteSpec = defineCommand({
  name: 'promote',
  summary: 'Promote a component (or a whole project) to the next environment of its pipeline',
  description:
    'Creates a PromotionRequest that copies the current revision of the component in the source environment ' +
    '(never rebuilds) to the target environment; the promotion controller performs it. The target keeps its ' +
    'own environment settings (class, APIs, overrides).\n\n' +
    '--from defaults to the environment the component runs in furthest along the pipeline, --to to the next ' +
    'environment. The project’s DeploymentPipeline must allow the path; where it requiresApproval the request ' +
    'stays Pending until someone allowed to approve runs `choreoctl approve NAME`.\n\n' +
    'With --all, every component of the project (--project or the context’s project, else the project of the ' +
    'COMPONENT given with --all) that runs in the ' +
    'source environment is promoted. With --wait, waits until each request succeeded and its target is Ready. ' +
    'Exit codes: 0 requested (or done with --wait), 1 refused, rejected, failed or --timeout reached, 2 usage error.',
  args: [
    {
      name: 'component',
      description: 'Component to promote (with --all: every component of its project)',
      complete: 'resource-name:component',
    },
  ],
  interactive: { componentArg: 'component', environmentFlag: 'to' },
  flags: [
    interactiveFlag,
    { name: 'from', type: 'string', placeholder: 'env', description: 'Source environment' },
    { name: 'to', type: 'string', placeholder: 'env', description: 'Target environment' },
    { name: 'all', type: 'boolean', description: 'Promote every component of the project' },
    waitFlag('Wait until the promotion is done and the target Ready'),
    timeoutFlag('How long --wait waits (e.g. 30s, 2m)'),
  ],
  outputFormats: ['name'],
  examples: [
    { description: 'Promote orders to the next environment', command: 'choreoctl promote orders --wait' },
    {
      description: 'Promote a project from staging',
      command: 'choreoctl promote --all --project shop --from staging',
    },
    {
      description: 'Promote every component of the project orders belongs to',
      command: 'choreoctl promote orders --all --wait',
    },
  ],
  load,
});
