/**
 * Shared plumbing of the resource commands (get, describe, apply, delete, diff, create): the direct
 * client, `-o` parsing, the table columns of a kind. Imports no kube code at module load.
 */
import { readFileSync } from 'node:fs';
import type { Lister } from '../services/pipeline-status.js';
import type { OperationsClient } from './client.js';
import type { DirectClient, Resolved } from './direct.js';
import { CliError, UsageError } from './errors.js';
import type { Factory } from './factory.js';
import { age } from './output/age.js';
import { readyCell } from './output/conditions.js';
import { findResults, formatValue } from './output/jsonpath.js';
import {
  type KubeObject,
  type OutputFormat,
  OutputFormatError,
  parseOutputFormat,
} from './output/printers.js';
import type { Column } from './output/table.js';

/** The operations of this invocation's client, in direct or api mode. */
export async function operationsClient(factory: Factory): Promise<OperationsClient> {
  const client = await factory.client();
  if (client.operations === undefined) {
    throw new CliError('this client does not implement the resource operations', { reason: 'InternalError' });
  }
  return client.operations;
}

/**
 * The direct-mode client, for what needs the Kubernetes API itself (`install`, `logs`). In api mode:
 * an error naming the command and what to do.
 */
export async function directClient(factory: Factory, command: string): Promise<DirectClient> {
  const client = await factory.client();
  if (client.direct === undefined) {
    const ctx = client.context;
    throw new CliError(
      `choreoctl ${command} is not available in api mode (context "${ctx.name ?? ''}" talks to ${ctx.apiUrl ?? 'the OpenChoreo API'}): it needs the Kubernetes API: use a direct context (choreoctl --context NAME ${command} …; choreoctl config get-contexts lists them)`,
      { reason: 'NotAvailableInApiMode' },
    );
  }
  return client.direct;
}

/**
 * kubectl's rule for NAME arguments: never empty and never with a `/` (`get project default/status` would
 * otherwise address the `status` subresource of `default`).
 */
export function checkNames(names: readonly string[], commandPath: string): void {
  for (const n of names) {
    if (n === '') throw new UsageError('resource name may not be empty', commandPath);
    if (n.includes('/'))
      throw new UsageError(
        `arguments in resource/name form may not have more than one slash: ${JSON.stringify(n)}`,
        commandPath,
      );
  }
}

export function outputFormat(factory: Factory, commandPath: string): OutputFormat {
  try {
    return parseOutputFormat(factory.globals.output, (p) => readFileSync(p, 'utf8'));
  } catch (e) {
    if (e instanceof OutputFormatError) throw new UsageError(e.message, commandPath);
    throw e;
  }
}

/** `-n`/`--org`, the context's organization, else the kubeconfig context namespace, else `default`. */
export function namespaceOf(client: OperationsClient): string {
  return client.namespace;
}

function cell(obj: KubeObject, jsonPath: string, type: string | undefined): string {
  let values: unknown[];
  try {
    values = findResults(jsonPath, obj as never);
  } catch {
    return '';
  }
  if (values.length === 0 || values[0] === undefined || values[0] === null)
    return type === 'boolean' ? 'false' : '';
  if (type === 'date' && typeof values[0] === 'string') return age(values[0]);
  return values.map((v) => formatValue(v as never)).join(',');
}

export interface ColumnOptions {
  /** Add NAMESPACE (ORGANIZATION for our kinds) first (`-A`). */
  readonly allNamespaces?: boolean;
  /** Qualify names with `kind.group/` (listing several kinds). */
  readonly qualifiedNames?: boolean;
  readonly now?: number;
  /** Colours the READY cell (the theme's `paintReady`; absent without colour). */
  readonly paintReady?: (cell: string) => string;
  /** Columns computed beyond the object (a component's environments), after the kind's printer columns. */
  readonly extra?: readonly Column<KubeObject>[];
}

/** NAME, the kind's printer columns, READY (Ready condition with its reason), AGE. */
export function columnsFor(
  r: Pick<Resolved, 'choreo'> & { info: { kind: string; group: string; namespaced: boolean } },
  options: ColumnOptions = {},
): Column<KubeObject>[] {
  const cols: Column<KubeObject>[] = [];
  if (options.allNamespaces && r.info.namespaced) {
    cols.push({
      header: r.choreo ? 'ORGANIZATION' : 'NAMESPACE',
      value: (o) => o.metadata?.namespace ?? '',
    });
  }
  const prefix = options.qualifiedNames
    ? `${r.info.kind.toLowerCase()}${r.info.group ? `.${r.info.group}` : ''}/`
    : '';
  cols.push({ header: 'NAME', value: (o) => `${prefix}${o.metadata?.name ?? ''}` });
  if (r.choreo) {
    for (const c of r.choreo.columns) {
      cols.push({ header: c.name.toUpperCase(), value: (o) => cell(o, c.jsonPath, c.type) });
    }
    cols.push(...(options.extra ?? []));
    cols.push({
      header: 'READY',
      value: (o) => readyCell(o as never),
      ...(options.paintReady ? { paint: options.paintReady } : {}),
    });
  }
  cols.push({
    header: 'AGE',
    value: (o) => age(o.metadata?.creationTimestamp as string | undefined, options.now),
  });
  return cols;
}

export { withTypeMeta } from '../services/resources.js';

/** Where an empty listing looked: `in acme organization`, `in default namespace`, `` (cluster-scoped). */
export function scopeText(
  r: { info: { namespaced: boolean }; choreo: unknown },
  namespace: string | undefined,
): string {
  if (!r.info.namespaced) return '';
  if (namespace === undefined) return '';
  return r.choreo ? ` in ${namespace} organization` : ` in ${namespace} namespace`;
}

export { mapLimit } from '../services/concurrency.js';

/** Lists through the CLI's client, for the operations that take a Lister (services/pipeline-status.ts). */
export function listerOf(client: OperationsClient): Lister {
  return async (kind, namespace, options = {}) => {
    const r = await client.resolveName(kind);
    return (await client.list(r, { namespace, all: namespace === undefined, ...options })).items;
  };
}
