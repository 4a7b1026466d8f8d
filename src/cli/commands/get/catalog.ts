/**
 * `choreoctl get endpoints`: the service catalog (src/services/catalog.ts) as a kubectl-like listing.
 *
 * Loaded only when `get` lists endpoints without names. Output:
 * - table: [ORGANIZATION (-A)] NAME OWNER ENVIRONMENT VISIBILITY TYPE URL READY AGE (+ SOURCE with -o wide);
 *   one row per endpoint × visibility level.
 * - json / yaml / jsonpath / custom-columns / --sort-by: a `v1 List` of `EndpointCatalogEntry` items (the
 *   rows, with a stable shape), so the table and the structured output agree row for row.
 * - name: the objects the rows come from (`servicebinding.openchoreo.dev/api-dev`, `endpoint.openchoreo.dev/x`),
 *   once each, because entries cannot be addressed by name and `-o name` output is meant for piping into
 *   describe/get/delete.
 */

import type { EndpointCatalogEntry } from '../../../services/catalog.js';
import type { OperationsClient } from '../../client.js';
import { CliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { IOStreams } from '../../iostreams.js';
import { age } from '../../output/age.js';
import { JsonPathError } from '../../output/jsonpath.js';
import { type OutputFormat, printObjects } from '../../output/printers.js';
import { sortByJsonPath } from '../../output/sort.js';
import type { Column } from '../../output/table.js';

/** What `get` treats as the catalog (the fully-qualified `endpoints.openchoreo.dev` lists the legacy objects). */
export const CATALOG_NAMES = new Set(['endpoints', 'endpoint', 'endpt', 'endpts']);

export const WATCH_REFUSED =
  '--watch is not supported for the endpoint catalog: it is assembled from four kinds (Service, WebApplication ' +
  'and API bindings, legacy Endpoints). Watch one source instead (choreoctl get servicebindings -w), ' +
  'or poll the catalog (watch choreoctl get endpoints)';

function readyText(e: EndpointCatalogEntry): string {
  const r = e.ready;
  if (r.status === 'True') return 'True';
  return r.reason ? `${r.status} (${r.reason})` : r.status;
}

function ownerText(e: EndpointCatalogEntry): string {
  const { projectName, componentName } = e.owner;
  if (!projectName && !componentName) return '<none>';
  return `${projectName || '<none>'}/${componentName || '<none>'}`;
}

export function catalogColumns(allNamespaces: boolean, now?: number): Column<EndpointCatalogEntry>[] {
  return [
    ...(allNamespaces
      ? [{ header: 'ORGANIZATION', value: (e: EndpointCatalogEntry) => e.metadata.namespace }]
      : []),
    { header: 'NAME', value: (e) => e.metadata.name },
    { header: 'OWNER', value: ownerText },
    { header: 'ENVIRONMENT', value: (e) => e.environment || '<none>' },
    { header: 'VISIBILITY', value: (e) => e.visibility },
    { header: 'TYPE', value: (e) => e.type || '<none>' },
    { header: 'URL', value: (e) => e.url || '<none>' },
    { header: 'READY', value: readyText },
    { header: 'AGE', value: (e) => age(e.metadata.creationTimestamp, now) },
    { header: 'SOURCE', value: (e) => `${e.source.kind.toLowerCase()}/${e.source.name}`, wide: true },
  ];
}

export interface CatalogFlags {
  readonly allNamespaces: boolean;
  readonly selector?: string | undefined;
  readonly sortBy?: string | undefined;
  readonly noHeaders: boolean;
}

/** Lists the catalog and prints it; returns the exit code. */
export async function getCatalog(
  client: OperationsClient,
  io: Pick<IOStreams, 'out' | 'err'>,
  format: OutputFormat,
  flags: CatalogFlags,
): Promise<number> {
  const { catalogSources } = await import('../../../services/catalog.js');
  const namespace = flags.allNamespaces ? undefined : client.namespace;
  let entries: EndpointCatalogEntry[] = (
    await client.catalog({
      ...(namespace === undefined ? {} : { namespace }),
      ...(flags.selector ? { labelSelector: flags.selector } : {}),
    })
  ).entries;
  try {
    if (flags.sortBy) entries = sortByJsonPath(entries, flags.sortBy);
  } catch (e) {
    if (e instanceof JsonPathError) throw new CliError(e.message, { reason: 'InvalidSortBy' });
    throw e;
  }
  if (format.kind === 'name') {
    io.out(
      catalogSources(entries)
        .map((s) => `${s.kind.toLowerCase()}.${s.apiVersion.split('/')[0]}/${s.name}\n`)
        .join(''),
    );
    return ExitCode.OK;
  }
  const text = printObjects(entries, format, {
    columns: catalogColumns(flags.allNamespaces),
    noHeaders: flags.noHeaders,
  });
  if (text !== '') io.out(text);
  if (entries.length === 0 && (format.kind === 'table' || format.kind === 'custom-columns')) {
    io.err(`No endpoints found${namespace === undefined ? '' : ` in ${namespace} organization`}.\n`);
  }
  return ExitCode.OK;
}
