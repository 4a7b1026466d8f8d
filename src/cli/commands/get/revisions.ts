/**
 * `get revisions` (ComponentRevisions) and the promotion columns of `get components`, from the pipeline status of
 * src/services/pipeline-status.ts.
 *
 * - `get revisions COMPONENT... [--env E]`: a NAME that is a component lists that component's revisions (a NAME
 *   that is no component but a revision gets that revision, as `get revision cart-staging-2` always did).
 *   `--env` (and `-l`) narrow any form. The table: NAME COMPONENT ENVIRONMENT REVISION CURRENT IMAGE SOURCE BY
 *   AGE, sorted by component, pipeline order and number; CURRENT marks (`*`, as kubectl's get-contexts) the
 *   revision running in each environment now. `-o json|yaml|name|jsonpath|custom-columns` print the
 *   ComponentRevision objects themselves, as for any kind.
 * - `get components`: ENVIRONMENTS (`development:r4,staging:r2(Progressing)`: where it runs, in pipeline order,
 *   with the revision and, when not Ready, the reason) and with `-o wide` PROMOTIONS (open requests:
 *   `production(AwaitingApproval)`).
 */
import type { ComponentRevision } from '../../../api/kinds/promotion.js';
import {
  type ComponentPipeline,
  componentPipelines,
  currentRevisionNames,
  environmentsCell,
  loadPipelineObjects,
  openPromotionsCell,
} from '../../../services/pipeline-status.js';
import type { OperationsClient } from '../../client.js';
import type { Resolved } from '../../direct.js';
import { CliError, formatError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { IOStreams } from '../../iostreams.js';
import { age } from '../../output/age.js';
import { JsonPathError } from '../../output/jsonpath.js';
import { type KubeObject, type OutputFormat, printObjects } from '../../output/printers.js';
import type { Column } from '../../output/table.js';
import { listerOf } from '../../resources.js';
import type { CatalogFlags } from './catalog.js';

type Revision = Pick<ComponentRevision, 'spec'> & KubeObject;

/** Where a revision came from, in one cell: `Build`, `Promotion (development r2)`, `Rollback (r1)`, `Manual`. */
export function sourceCell(r: Revision): string {
  const s = r.spec.source;
  if (s.type === 'Promotion')
    return `Promotion (${s.environment ?? '?'}${s.revision ? ` r${s.revision}` : ''})`;
  if (s.type === 'Rollback') return `Rollback (r${s.revision ?? '?'})`;
  return s.type;
}

export function revisionColumns(
  current: ReadonlySet<string>,
  options: { allNamespaces?: boolean; now?: number } = {},
): Column<Revision>[] {
  return [
    ...(options.allNamespaces
      ? [{ header: 'ORGANIZATION', value: (r: Revision) => r.metadata?.namespace ?? '' }]
      : []),
    { header: 'NAME', value: (r) => r.metadata?.name ?? '' },
    { header: 'COMPONENT', value: (r) => r.spec.owner.componentName },
    { header: 'ENVIRONMENT', value: (r) => r.spec.environment },
    { header: 'REVISION', value: (r) => String(r.spec.revision) },
    {
      header: 'CURRENT',
      value: (r) => (current.has(`${r.metadata?.namespace}/${r.metadata?.name}`) ? '*' : ''),
    },
    { header: 'IMAGE', value: (r) => r.spec.image ?? '<none>' },
    { header: 'SOURCE', value: sourceCell },
    { header: 'BY', value: (r) => r.spec.createdBy ?? '<unknown>' },
    { header: 'AGE', value: (r) => age(r.metadata?.creationTimestamp as string | undefined, options.now) },
    { header: 'REQUEST', value: (r) => r.spec.source.promotionRequest ?? '<none>', wide: true },
  ];
}

/** Component, then environment in pipeline order, then number. */
function pipelineOrder(
  revisions: readonly Revision[],
  pipelines: ReadonlyMap<string, ComponentPipeline>,
): Revision[] {
  const rank = (r: Revision) => {
    const p = pipelines.get(`${r.metadata?.namespace}/${r.spec.owner.componentName}`);
    const i = p?.environments.findIndex((e) => e.environment === r.spec.environment) ?? -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...revisions].sort(
    (a, b) =>
      (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') ||
      a.spec.owner.componentName.localeCompare(b.spec.owner.componentName) ||
      rank(a) - rank(b) ||
      a.spec.environment.localeCompare(b.spec.environment) ||
      a.spec.revision - b.spec.revision,
  );
}

export interface RevisionFlags extends CatalogFlags {
  readonly names: readonly string[];
  readonly environment?: string | undefined;
}

/** `get revisions [COMPONENT...] [--env E]`: prints and returns the exit code. */
export async function getRevisions(
  client: OperationsClient,
  resolved: Resolved,
  io: Pick<IOStreams, 'out' | 'err'>,
  format: OutputFormat,
  flags: RevisionFlags,
): Promise<number> {
  const namespace = flags.allNamespaces ? undefined : client.namespace;
  const list = listerOf(client);
  const table = format.kind === 'table';
  const objs =
    table || flags.names.length > 0
      ? await loadPipelineObjects(list, namespace)
      : { components: [], projects: [], pipelines: [], bindings: [], revisions: [], requests: [] };
  const selected = flags.selector
    ? (await client.list(resolved, { namespace, all: namespace === undefined, selector: flags.selector }))
        .items
    : table || flags.names.length > 0
      ? [...objs.revisions]
      : (await client.list(resolved, { namespace, all: namespace === undefined })).items;
  let items = (selected as Revision[]).filter(
    (r) => flags.environment === undefined || r.spec.environment === flags.environment,
  );
  const errors: string[] = [];
  let single = false;
  if (flags.names.length > 0) {
    const components = new Set(objs.components.map((c) => c.metadata?.name ?? ''));
    const byName: Revision[] = [];
    const wanted = new Set<string>();
    for (const name of flags.names) {
      if (components.has(name)) {
        wanted.add(name);
        continue;
      }
      try {
        byName.push((await client.get(resolved, name, namespace ? { namespace } : {})) as Revision);
      } catch (e) {
        errors.push(
          formatError(
            e instanceof CliError && e.reason === 'NotFound'
              ? new CliError(
                  `${e.message} (no component "${name}" either: \`choreoctl get revisions COMPONENT\` lists a component's revisions)`,
                  { reason: 'NotFound' },
                )
              : e,
            { json: format.kind === 'json' },
          ).trimEnd(),
        );
      }
    }
    single = flags.names.length === 1 && wanted.size === 0;
    items = [...items.filter((r) => wanted.has(r.spec.owner.componentName)), ...byName];
  }
  const pipelines = table ? componentPipelines(objs) : new Map<string, ComponentPipeline>();
  items = pipelineOrder(items, pipelines);
  try {
    const text = printObjects(items, format, {
      single,
      columns: revisionColumns(currentRevisionNames(objs), { allNamespaces: flags.allNamespaces }),
      noHeaders: flags.noHeaders,
      ...(flags.sortBy ? { sortBy: flags.sortBy } : {}),
    });
    if (!(single && items.length === 0)) io.out(text);
  } catch (e) {
    if (e instanceof JsonPathError) throw new CliError(e.message, { reason: 'InvalidSortBy' });
    throw e;
  }
  for (const e of errors) io.err(`${e}\n`);
  if (items.length === 0 && errors.length === 0 && (table || format.kind === 'custom-columns')) {
    const where = `${flags.environment ? ` in environment "${flags.environment}"` : ''}${namespace === undefined ? '' : ` in ${namespace} organization`}`;
    io.err(`No revisions found${where}.\n`);
  }
  return errors.length > 0 ? ExitCode.ERROR : ExitCode.OK;
}

/**
 * The promotion columns of `get components` (ENVIRONMENTS; PROMOTIONS with -o wide). The lists behind them start
 * at once, so they run while the components themselves are listed; the columns come from the components given.
 * For `only` one component (`get component web`), the lists are of its own objects.
 */
export function componentColumns(
  client: OperationsClient,
  namespace: string | undefined,
  only?: string,
): (components: readonly KubeObject[]) => Promise<Column<KubeObject>[]> {
  const objects = loadPipelineObjects(listerOf(client), namespace, [], only);
  return async (components) => {
    const pipelines = componentPipelines({ ...(await objects), components });
    const of = (c: KubeObject) => pipelines.get(`${c.metadata?.namespace}/${c.metadata?.name}`);
    return [
      { header: 'ENVIRONMENTS', value: (c) => environmentsCell(of(c)) },
      { header: 'PROMOTIONS', value: (c) => openPromotionsCell(of(c)), wide: true },
    ];
  };
}
