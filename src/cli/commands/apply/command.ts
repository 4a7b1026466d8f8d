import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('../not-implemented.js');

/** Spec only (hidden until the kube client lands). */
export const applySpec = defineCommand({
  name: 'apply',
  summary: 'Apply a configuration to resources by file name or stdin',
  hidden: true,
  flags: [
    {
      name: 'filename',
      short: 'f',
      type: 'string[]',
      placeholder: 'file',
      complete: 'file',
      description: 'File, directory or URL (repeatable; - for stdin)',
    },
    { name: 'recursive', short: 'R', type: 'boolean', description: 'Process directories recursively' },
    {
      name: 'dry-run',
      type: 'string',
      placeholder: 'mode',
      choices: ['none', 'client', 'server'],
      default: 'none',
      description: 'client: print only; server: submit without persisting',
    },
  ],
  outputFormats: ['json', 'yaml', 'name'],
  examples: [
    { description: 'Apply two files', command: 'choreoctl apply -f project.yaml -f component.yaml' },
  ],
  load,
});
