import type { OperationsClient } from '../../client.js';
import type { Resolved } from '../../direct.js';
import { CliError, formatError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { KINDS } from '../../kinds.js';
import { JsonPathError } from '../../output/jsonpath.js';
import { type KubeObject, type OutputFormat, printObjects, toJSON } from '../../output/printers.js';
import { renderColumns } from '../../output/table.js';
import { toYAML } from '../../output/yaml.js';
import { checkNames, columnsFor, operationsClient, outputFormat, scopeText } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import { CATALOG_NAMES, getCatalog, WATCH_REFUSED } from './catalog.js';
import type { getSpec } from './command.js';

/** `openchoreo` / `all` expand to every OpenChoreo kind (like kubectl categories). */
const CATEGORIES = new Set(['openchoreo', 'all']);

interface Target {
  readonly resolved: Resolved;
  readonly names: readonly string[];
}

/** Splits `comp,proj`, `comp/foo`, `all` into kinds and names. */
export function parseKindArgs(
  kindArg: string,
  names: readonly string[],
): { kinds: string[]; names: string[]; multi: boolean } {
  if (kindArg.includes('/')) {
    const slash = kindArg.indexOf('/');
    return { kinds: [kindArg.slice(0, slash)], names: [kindArg.slice(slash + 1), ...names], multi: false };
  }
  const kinds = kindArg
    .split(',')
    .filter((k) => k !== '')
    .flatMap((k) => (CATEGORIES.has(k.toLowerCase()) ? KINDS.map((x) => x.plural) : [k]));
  const multi = kinds.length > 1;
  return { kinds, names: [...names], multi };
}

function apiVersionOf(r: Resolved): string {
  return r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version;
}

async function fetchTarget(
  client: OperationsClient,
  t: Target,
  namespace: string | undefined,
  selector: string | undefined,
  errors: string[],
  jsonErrors: boolean,
): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  if (t.names.length > 0) {
    const items = await Promise.all(
      t.names.map(async (name) => {
        try {
          return await client.get(t.resolved, name, { namespace: namespace ?? client.namespace });
        } catch (e) {
          errors.push(formatError(e, { json: jsonErrors }).trimEnd());
          return undefined;
        }
      }),
    );
    return { items: items.filter((o): o is KubeObject => o !== undefined), resourceVersion: '' };
  }
  return client.list(t.resolved, { namespace, all: namespace === undefined, selector });
}

function sortError(e: unknown): never {
  if (e instanceof JsonPathError) throw new CliError(e.message, { reason: 'InvalidSortBy' });
  throw e;
}

export default defineHandler<typeof getSpec>(async ({ factory, args, flags, commandPath }) => {
  const { io } = factory;
  const format = outputFormat(factory, commandPath);
  const parsed = parseKindArgs(args.kind, args.names ?? []);
  checkNames(parsed.names, commandPath);
  if (parsed.multi && parsed.names.length > 0) {
    throw new UsageError('names cannot be given with several kinds: use KIND/NAME or one kind', commandPath);
  }
  if (flags.watch && parsed.multi) throw new UsageError('--watch works with one kind at a time', commandPath);
  if (flags.allNamespaces && parsed.names.length > 0 && !flags.watch) {
    throw new UsageError('a resource cannot be retrieved by name across all organizations', commandPath);
  }
  const client = await operationsClient(factory);
  if (!parsed.multi && parsed.names.length === 0 && CATALOG_NAMES.has(parsed.kinds[0]?.toLowerCase() ?? '')) {
    if (flags.watch) throw new UsageError(WATCH_REFUSED, commandPath);
    return getCatalog(client, io, format, {
      allNamespaces: flags.allNamespaces,
      selector: flags.selector,
      sortBy: flags.sortBy,
      noHeaders: flags.noHeaders,
    });
  }
  const namespace = flags.allNamespaces ? undefined : client.namespace;
  const targets: Target[] = await Promise.all(
    parsed.kinds.map(async (k) => ({ resolved: await client.resolveName(k), names: parsed.names })),
  );
  const only = targets.length === 1 ? targets[0] : undefined;
  if (only?.resolved.choreo && only.resolved.info.kind === 'ComponentRevision' && !flags.watch) {
    const { getRevisions } = await import('./revisions.js');
    return getRevisions(client, only.resolved, io, format, {
      names: only.names,
      environment: factory.globals.environment,
      allNamespaces: flags.allNamespaces,
      selector: flags.selector,
      sortBy: flags.sortBy,
      noHeaders: flags.noHeaders,
    });
  }
  // Components in a table also show where they run along their pipeline (revision and state per environment):
  // the lists behind those columns go out with the components' own.
  const columnsOfComponents = targets.map((t) =>
    format.kind === 'table' && t.resolved.choreo && t.resolved.info.kind === 'Component'
      ? import('./revisions.js').then((m) =>
          m.componentColumns(client, namespace, t.names.length === 1 ? t.names[0] : undefined),
        )
      : undefined,
  );
  const errors: string[] = [];
  const results = await Promise.all(
    targets.map((t) => fetchTarget(client, t, namespace, flags.selector, errors, format.kind === 'json')),
  );
  const sortBy = flags.sortBy;
  const noHeaders = flags.noHeaders;
  let printedAny = false;
  const now = Date.now();
  // colour only on a terminal that allows it (NO_COLOR, --no-color, pipes: none); chalk loads only then
  let paintReady: ((cell: string) => string) | undefined;
  if (io.color) {
    const t = await import('../../theme.js');
    paintReady = t.paintReady(t.theme(io));
  }
  if (format.kind === 'table') {
    const extra = await Promise.all(
      targets.map(async (_t, i) => {
        const items = results[i]?.items ?? [];
        const columns = columnsOfComponents[i];
        return columns === undefined || items.length === 0 ? [] : (await columns)(items);
      }),
    );
    const blocks: string[] = [];
    targets.forEach((t, i) => {
      const items = results[i]?.items ?? [];
      if (items.length === 0) return;
      try {
        blocks.push(
          printObjects(items, format, {
            columns: columnsFor(t.resolved, {
              allNamespaces: flags.allNamespaces,
              qualifiedNames: parsed.multi,
              now,
              ...(paintReady ? { paintReady } : {}),
              extra: extra[i] ?? [],
            }),
            noHeaders,
            ...(sortBy ? { sortBy } : {}),
          }),
        );
      } catch (e) {
        sortError(e);
      }
    });
    if (blocks.length > 0) {
      io.out(blocks.join('\n'));
      printedAny = true;
    }
  } else {
    const all = results.flatMap((r) => r.items);
    try {
      const text = printObjects(all, format, {
        single: parsed.names.length === 1 && !parsed.multi,
        ...(sortBy ? { sortBy } : {}),
        noHeaders,
      });
      if (!(parsed.names.length > 0 && all.length === 0)) io.out(text);
      printedAny = all.length > 0;
    } catch (e) {
      sortError(e);
    }
  }
  for (const e of errors) io.err(`${e}\n`);
  if (
    !printedAny &&
    errors.length === 0 &&
    parsed.names.length === 0 &&
    (format.kind === 'table' || format.kind === 'custom-columns') &&
    !flags.watch
  ) {
    io.err(
      `No resources found${scopeText(targets[0]?.resolved ?? { info: { namespaced: false }, choreo: undefined }, namespace)}.\n`,
    );
  }
  if (flags.watch) {
    const t = targets[0] as Target;
    await watch(client, t, namespace, flags.selector, results[0]?.resourceVersion ?? '', format, {
      out: (s) => io.out(s),
      headersPrinted: printedAny || noHeaders,
      allNamespaces: flags.allNamespaces,
    });
  }
  return errors.length > 0 ? ExitCode.ERROR : ExitCode.OK;
});

async function watch(
  client: OperationsClient,
  t: Target,
  namespace: string | undefined,
  selector: string | undefined,
  fromVersion: string,
  format: OutputFormat,
  opts: { out: (s: string) => void; headersPrinted: boolean; allNamespaces: boolean },
): Promise<void> {
  const { isGone, toCliError } = await import('../../direct.js').then(async (d) => ({
    toCliError: d.toCliError,
    isGone: (await import('../../../kube/index.js')).isGone,
  }));
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let headers = opts.headersPrinted;
  let rv = fromVersion;
  const columns = columnsFor(t.resolved, { allNamespaces: opts.allNamespaces });
  const apiVersion = apiVersionOf(t.resolved);
  const print = (obj: KubeObject): void => {
    const o = { apiVersion, kind: t.resolved.info.kind, ...obj };
    switch (format.kind) {
      case 'table':
        opts.out(renderColumns([o], columns, { wide: format.wide, noHeaders: headers }));
        headers = true;
        return;
      case 'json':
        opts.out(toJSON(o));
        return;
      case 'yaml':
        opts.out(`---\n${toYAML(o)}`);
        return;
      default:
        opts.out(printObjects([o], format, { single: true, noHeaders: headers }));
        headers = true;
    }
  };
  const ns = t.resolved.info.namespaced ? namespace : undefined;
  try {
    // objects come masked from the operation layer
    while (!controller.signal.aborted) {
      try {
        for await (const ev of client.watch(t.resolved, {
          namespace: ns,
          all: ns === undefined,
          selector,
          name: t.names.length === 1 ? t.names[0] : undefined,
          resourceVersion: rv || undefined,
          signal: controller.signal,
        })) {
          const v = ev.object.metadata?.resourceVersion;
          if (typeof v === 'string' && v !== '') rv = v;
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type === 'ERROR') throw new CliError(`watch error: ${JSON.stringify(ev.object)}`);
          if (t.names.length > 1 && !t.names.includes(ev.object.metadata?.name ?? '')) continue;
          print(ev.object);
        }
      } catch (e) {
        if (isGone(e)) {
          rv = '';
          continue;
        }
        throw toCliError(e);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
