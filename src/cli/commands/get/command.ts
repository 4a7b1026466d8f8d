import { interactiveFlag, OUTPUT_FORMATS, selectorFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

/** `get KIND [NAME...]`: kubectl get for OpenChoreo kinds (and any kind the server serves). */
export const getSpec = defineCommand({
  name: 'get',
  aliases: ['list'],
  summary: 'Display one or many resources',
  description:
    'Display one or many resources.\n\n' +
    'KIND is a plural, singular or short name (components, component, comp), optionally with its group\n' +
    '(components.openchoreo.dev); core kinds (configmaps) work too. `openchoreo` or `all` lists every\n' +
    "OpenChoreo kind. Resources are read from the organization (-n/--org, else the context's, else default).\n\n" +
    'ENDPOINT CATALOG: `get endpoints` (endpoint, endpt) without names lists every\n' +
    'endpoint of the organization (-A: of all organizations), one row per level it\n' +
    'is exposed at (Project, Organization, Public), from the Service,\n' +
    'WebApplication and API bindings and the legacy Endpoints. Columns: NAME OWNER\n' +
    'ENVIRONMENT VISIBILITY TYPE URL READY AGE (-o wide adds SOURCE). -o\n' +
    'json|yaml|jsonpath|custom-columns work on EndpointCatalogEntry items; -o name\n' +
    "prints the objects the endpoints come from; -l selects on those objects'\n" +
    'labels; -w is not supported. `get endpoint NAME` and `get\n' +
    'endpoints.openchoreo.dev` address the legacy Endpoint objects themselves.\n\n' +
    'PROMOTION: `get components` shows where each component runs (ENVIRONMENTS:\n' +
    'development:r4,staging:r2(Progressing): revision per environment in pipeline\n' +
    'order, the reason when not Ready; -o wide adds PROMOTIONS, the open requests).\n' +
    '`get revisions COMPONENT [--env E]` lists its revisions; CURRENT (*) marks the\n' +
    'one running in each environment. -o json|yaml|name print the objects.\n\n' +
    'Exit codes: 0 ok, 1 error (e.g. a NAME was not found), 2 usage error.',
  args: [
    {
      name: 'kind',
      required: true,
      description: 'Resource kind (plural, singular or short name)',
      complete: 'kind',
    },
    { name: 'names', variadic: true, description: 'Resource names', complete: 'resource-name' },
  ],
  interactive: { kindArg: 'kind', namesArg: 'names' },
  flags: [
    interactiveFlag,
    selectorFlag('Label selector (-l key=value)'),
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
  outputFormats: OUTPUT_FORMATS,
  examples: [
    { description: 'List components of the current organization', command: 'choreoctl get components' },
    { description: 'One component as YAML', command: 'choreoctl get component api -o yaml' },
    {
      description: 'Every OpenChoreo resource in every organization',
      command: 'choreoctl get openchoreo -A',
    },
    { description: 'Watch components', command: 'choreoctl get comp -w' },
    {
      description: 'The revisions of a component in staging; CURRENT marks the one running',
      command: 'choreoctl get revisions orders --env staging',
    },
    {
      description: 'The service catalog: every endpoint of every organization with its URL',
      command: 'choreoctl get endpoints -A',
    },
    {
      description: 'Names and Ready status',
      command:
        'choreoctl get components -o custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status',
    },
  ],
  load,
});
