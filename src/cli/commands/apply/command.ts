import { dryRunFlag, filenameFlag, forceConflictsFlag, recursiveFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const applySpec = defineCommand({
  name: 'apply',
  summary: 'Apply a configuration to resources by file name or stdin',
  description:
    'Apply a configuration to resources by file name or stdin, with server-side apply (field manager\n' +
    '"choreoctl").\n\n' +
    'Every document is parsed and validated first (OpenChoreo kinds against their schema; every kind must\n' +
    'have apiVersion, kind and metadata.name); all problems are reported as file:line:col and nothing is\n' +
    'applied when there is one. Objects are then applied in dependency order (organization, planes,\n' +
    'environments, pipelines, projects, components, ...), concurrently within a rank. Other kinds\n' +
    '(ConfigMaps, Namespaces, ...) are applied too.\n\n' +
    'Exit codes: 0 everything applied, 1 invalid input or an object failed, 2 usage error.',
  flags: [
    filenameFlag,
    recursiveFlag,
    dryRunFlag('client: validate and print only; server: submit without persisting (bare --dry-run: client)'),
    forceConflictsFlag,
  ],
  outputFormats: ['json', 'yaml', 'name'],
  examples: [
    { description: 'Apply two files', command: 'choreoctl apply -f project.yaml -f component.yaml' },
    { description: 'Apply a directory tree', command: 'choreoctl apply -R -f manifests/' },
    { description: 'Apply from stdin', command: 'cat app.yaml | choreoctl apply -f -' },
    {
      description: 'What would be created, as YAML',
      command: 'choreoctl apply -f app.yaml --dry-run=client -o yaml',
    },
  ],
  load,
});
