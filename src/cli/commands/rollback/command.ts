import { timeoutFlag, waitFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const rollbackSpec = defineCommand({
  name: 'rollback',
  summary: 'Deploy an older revision of a component to an environment again',
  description:
    'Creates a PromotionRequest from the environment to itself with an older revision (default: the one ' +
    'before the latest; see `choreoctl get revisions COMPONENT --env ENV`). It goes the same ' +
    'path as a promotion: where the pipeline requires an approval to deploy to the environment, the rollback ' +
    'needs one too. A rollback of the pipeline’s first environment holds until the next deliberate change ' +
    '(a new Workload generation, e.g. a build). Exit codes as promote.',
  args: [
    { name: 'component', required: true, description: 'Component', complete: 'resource-name:component' },
  ],
  flags: [
    { name: 'to-revision', type: 'string', placeholder: 'n', description: 'Revision number to restore' },
    waitFlag('Wait until the rollback is done and the target Ready'),
    timeoutFlag('How long --wait waits (e.g. 30s, 2m)'),
  ],
  outputFormats: ['name'],
  examples: [
    {
      description: 'Roll staging back one revision',
      command: 'choreoctl rollback orders --env staging --wait',
    },
  ],
  load,
});
