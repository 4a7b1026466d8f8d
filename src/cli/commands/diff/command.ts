import { filenameFlag, recursiveFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const diffSpec = defineCommand({
  name: 'diff',
  summary: 'Diff the live objects against what apply would make of them',
  description:
    'Diff the live objects against what `choreoctl apply -f` would make of them: the "after" is computed ' +
    "by a server-side dry-run apply, so defaults, webhooks and validation are the server's. Output is a " +
    'unified diff of the YAML, without bookkeeping fields (managedFields, resourceVersion, generation, ' +
    'uid, creationTimestamp).\n\n' +
    'CHOREOCTL_EXTERNAL_DIFF names a program to run instead (like KUBECTL_EXTERNAL_DIFF): it gets two ' +
    'directories, LIVE and MERGED, with one file per object.\n\n' +
    'Exit codes: 0 no differences, 1 differences found, 2 usage error, 3 any other error.',
  flags: [
    filenameFlag,
    recursiveFlag,
    { name: 'force-conflicts', type: 'boolean', description: 'Diff as if applied with --force-conflicts' },
  ],
  examples: [{ description: 'What would change', command: 'choreoctl diff -f app.yaml' }],
  load,
});
