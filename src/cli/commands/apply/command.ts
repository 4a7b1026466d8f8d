import { dryRunFlag, filenameFlag, forceConflictsFlag, recursiveFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const applySpec = defineCommand({
  name: 'apply',
  summary: 'Apply a configuration to resources by file name or stdin',
  description:
    'Apply a configuration to resources by file name or stdin, with server-side apply (field manager ' +
    '"choreoctl").\n\n' +
    'All or nothing: every document is checked before any is written, client-side (OpenChoreo kinds ' +
    'against their schema, every kind against Kubernetes metadata rules and for apiVersion, kind and ' +
    'metadata.name), then with a server-side dry-run of every object. Each problem is reported as ' +
    'file:line:col with its field, and nothing is applied when there is one. Objects in a Namespace or of ' +
    'a CustomResourceDefinition created by the same apply are checked client-side only. Objects are then ' +
    'applied in dependency order (namespaces, CRDs, organization, planes, environments, pipelines, ' +
    'projects, components, ...), concurrently within a rank.\n\n' +
    'Inline credentials in planes are never printed (<redacted>); applying them prints a warning.\n\n' +
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
