import {
  filenameFlag,
  interactiveFlag,
  recursiveFlag,
  selectorFlag,
  timeoutFlag,
  waitFlag,
} from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const deleteSpec = defineCommand({
  name: 'delete',
  summary: 'Delete resources by file names, stdin, kind and names, or kind and label selector',
  description:
    'Delete resources by file names (-f), by KIND NAME..., by KIND -l selector, or every object of a kind ' +
    '(--all). Objects from files are deleted in reverse dependency order.\n\n' +
    'With --wait, waits (watching, not polling) until the objects are gone: finalizers may keep them for a ' +
    'while. Exit codes: 0 deleted, 1 error, not found (without --ignore-not-found) or --timeout reached, ' +
    '2 usage error.',
  args: [
    {
      name: 'kind',
      description: 'Resource kind (plural, singular or short name), or KIND/NAME',
      complete: 'kind',
    },
    { name: 'names', variadic: true, description: 'Resource names', complete: 'resource-name' },
  ],
  interactive: { kindArg: 'kind', namesArg: 'names' },
  flags: [
    interactiveFlag,
    filenameFlag,
    recursiveFlag,
    selectorFlag('Delete the objects of KIND matching this label selector'),
    { name: 'all', type: 'boolean', description: 'Delete every object of KIND in the organization' },
    { name: 'ignore-not-found', type: 'boolean', description: 'Treat "not found" as a successful delete' },
    waitFlag('Wait until the objects are gone (finalizers done)'),
    timeoutFlag('How long --wait waits (e.g. 30s, 2m)'),
  ],
  outputFormats: ['name'],
  examples: [
    { description: 'Delete a component', command: 'choreoctl delete component api' },
    { description: 'Delete what a file created and wait', command: 'choreoctl delete -f app.yaml --wait' },
    { description: 'Delete by label', command: 'choreoctl delete comp -l team=payments' },
  ],
  load,
});
