import { interactiveFlag } from '../../flags.js';
import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const describeSpec = defineCommand({
  name: 'describe',
  summary: 'Show details of a resource: spec, conditions, children, endpoints and events',
  description:
    'Show details of one or more resources: name, organization, labels, annotations, the spec, the\n' +
    'conditions, the objects it owns (for a Project its Components; for a Component its Workload,\n' +
    'bindings and builds), URLs from its status, and recent events.',
  args: [
    { name: 'kind', required: true, description: 'Resource kind, or KIND/NAME', complete: 'kind' },
    { name: 'names', variadic: true, description: 'Resource names', complete: 'resource-name' },
  ],
  interactive: { kindArg: 'kind', namesArg: 'names' },
  flags: [interactiveFlag],
  examples: [
    { description: 'Describe a component', command: 'choreoctl describe component api' },
    { description: 'Describe a project and list its components', command: 'choreoctl describe project shop' },
  ],
  load,
});
