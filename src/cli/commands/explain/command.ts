import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const explainSpec = defineCommand({
  name: 'explain',
  summary: 'Documentation of a kind and its fields (no cluster needed)',
  description:
    'Documentation of an OpenChoreo kind or one of its fields, from the schemas built into choreoctl (the\n' +
    'same ones its CRDs are generated from): type, description, enum values, defaults, validation rules.',
  args: [{ name: 'resource', required: true, description: 'KIND or KIND.field.path', complete: 'kind' }],
  flags: [{ name: 'recursive', type: 'boolean', description: 'Print every field below, indented' }],
  examples: [
    { description: 'A kind', command: 'choreoctl explain component' },
    { description: 'A field', command: 'choreoctl explain component.spec.build.repository' },
    { description: 'Every field of a workload', command: 'choreoctl explain workload --recursive' },
  ],
  load,
});
