import type { FlagSpec } from './spec.js';

/**
 * Flags every command accepts (kubectl's "global" flags). They may appear before or after the
 * command name: `choreoctl -n acme get components` == `choreoctl get components -n acme`.
 * A command may redefine one of these names locally (e.g. `config set-context --kubeconfig`), in which
 * case its own definition wins for that command.
 */
export const globalFlags = [
  {
    name: 'kubeconfig',
    type: 'string',
    placeholder: 'path',
    description: 'Path to the kubeconfig file to use (direct mode)',
    complete: 'file',
  },
  {
    name: 'context',
    type: 'string',
    placeholder: 'name',
    description: 'The choreoctl context to use (without a config file: the kubeconfig context)',
    complete: 'context',
  },
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    placeholder: 'org',
    description: 'Organization (the Kubernetes namespace) for this request',
    complete: 'resource-name:organization',
  },
  {
    name: 'org',
    type: 'string',
    placeholder: 'org',
    description: 'Alias of --namespace',
    complete: 'resource-name:organization',
  },
  {
    name: 'project',
    type: 'string',
    placeholder: 'name',
    description: 'Project',
    complete: 'resource-name:project',
  },
  {
    name: 'component',
    type: 'string',
    placeholder: 'name',
    description: 'Component',
    complete: 'resource-name:component',
  },
  {
    name: 'env',
    type: 'string',
    placeholder: 'name',
    description: 'Environment',
    complete: 'resource-name:environment',
  },
  {
    name: 'output',
    short: 'o',
    type: 'string',
    placeholder: 'format',
    description: 'Output format: json|yaml|name|wide|jsonpath=...|custom-columns=...',
    complete: 'output-format',
  },
  { name: 'no-color', type: 'boolean', description: 'Disable ANSI colour (also NO_COLOR=1)' },
  { name: 'verbose', short: 'v', type: 'count', description: 'More diagnostics on stderr (repeatable: -vv)' },
] as const satisfies readonly FlagSpec[];

/** The global flags as the user gave them (no env or config merged in: see config/resolve). */
export interface GlobalFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** `-n/--namespace` or `--org` (namespace wins when both are given). */
  readonly organization?: string;
  readonly project?: string;
  readonly component?: string;
  readonly environment?: string;
  readonly output?: string;
  readonly noColor: boolean;
  readonly verbose: number;
}

export function readGlobalFlags(values: Readonly<Record<string, unknown>>): GlobalFlags {
  const str = (key: string): string | undefined => {
    const v = values[key];
    return typeof v === 'string' ? v : undefined;
  };
  const out: {
    -readonly [K in keyof GlobalFlags]: GlobalFlags[K];
  } = {
    noColor: values.color === false || values.noColor === true,
    verbose: typeof values.verbose === 'number' ? values.verbose : 0,
  };
  const set = (key: Exclude<keyof GlobalFlags, 'noColor' | 'verbose'>, v: string | undefined): void => {
    if (v !== undefined) out[key] = v;
  };
  set('kubeconfig', str('kubeconfig'));
  set('context', str('context'));
  set('organization', str('namespace') ?? str('org'));
  set('project', str('project'));
  set('component', str('component'));
  set('environment', str('env'));
  set('output', str('output'));
  return out;
}
