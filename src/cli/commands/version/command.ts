import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const versionSpec = defineCommand({
  name: 'version',
  summary: 'Print the client and server version information',
  description:
    'Print the client and server version information for the current context.\n' +
    'With --client, only the client version is printed; nothing is contacted.',
  flags: [
    { name: 'client', type: 'boolean', description: 'Print the client version only (no server needed)' },
  ],
  outputFormats: ['json', 'yaml'],
  examples: [
    {
      description: 'Print the client and server versions for the current context',
      command: 'choreoctl version',
    },
    { description: 'Print the client version as JSON', command: 'choreoctl version --client -o json' },
  ],
  load,
});
