import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('../not-implemented.js');

/**
 * Spec only (hidden until the kube client lands): shows how resource commands fit the spec types —
 * kind + resource-name completion, repeated flags, `-o jsonpath=...`, `--sort-by`, `-l`.
 */
export const getSpec = defineCommand({
  name: 'get',
  aliases: ['list'],
  summary: 'Display one or many resources',
  hidden: true,
  args: [
    {
      name: 'kind',
      required: true,
      description: 'Resource kind (plural, singular or short name)',
      complete: 'kind',
    },
    { name: 'names', variadic: true, description: 'Resource names', complete: 'resource-name' },
  ],
  flags: [
    {
      name: 'selector',
      short: 'l',
      type: 'string',
      placeholder: 'query',
      description: 'Label selector (-l key=value)',
    },
    { name: 'watch', short: 'w', type: 'boolean', description: 'Watch for changes after listing' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'List across all organizations' },
    {
      name: 'sort-by',
      type: 'string',
      placeholder: 'jsonpath',
      description: 'Sort by a JSONPath expression',
    },
    { name: 'no-headers', type: 'boolean', description: "Don't print headers" },
  ],
  outputFormats: [
    'json',
    'yaml',
    'name',
    'wide',
    'jsonpath',
    'jsonpath-file',
    'custom-columns',
    'custom-columns-file',
  ],
  examples: [
    { description: 'List components of the current project', command: 'choreoctl get components' },
    {
      description: 'Names and Ready status',
      command:
        'choreoctl get components -o custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status',
    },
  ],
  load,
});
