import type { DirectClient, Resolved } from '../../direct.js';
import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { Factory } from '../../factory.js';
import {
  checkManifest,
  formatManifestError,
  type Manifest,
  type ManifestError,
  objectLabel,
  parseSources,
  rankGroups,
  readSources,
} from '../../manifests.js';
import { type KubeObject, nameOf, printObjects } from '../../output/printers.js';
import { directClient, mapLimit, outputFormat } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { applySpec } from './command.js';

export const APPLY_CONCURRENCY = 16;

export interface Prepared {
  readonly manifest: Manifest;
  readonly resolved: Resolved;
  /** The object to send, with its namespace filled in. */
  readonly object: KubeObject;
  readonly namespace: string | undefined;
}

/**
 * Reads, parses, validates and resolves every manifest of `-f`. Throws (after printing every
 * problem as file:line:col on stderr) when anything is wrong: nothing has touched the server then.
 */
export async function loadManifests(
  factory: Factory,
  filenames: readonly string[],
  recursive: boolean,
  commandPath: string,
): Promise<{ client: DirectClient; prepared: Prepared[] }> {
  if (filenames.length === 0) {
    throw new UsageError('must specify one of -f and -k', commandPath);
  }
  const sources = await readSources(filenames, { recursive, stdin: factory.io.stdin });
  const { manifests, errors } = parseSources(sources);
  if (manifests.length > 0) {
    const { validate } = await import('../../../api/validate.js');
    for (const m of manifests) errors.push(...checkManifest(m, validate));
  }
  const explicitNs = factory.globals.organization;
  for (const m of manifests) {
    const ns = m.object.metadata?.namespace;
    if (explicitNs !== undefined && typeof ns === 'string' && ns !== explicitNs) {
      errors.push({
        source: m.source,
        ...m.locate(['metadata', 'namespace']),
        object: objectLabel(m.object),
        path: 'metadata.namespace',
        message: `the namespace from the provided object "${ns}" does not match the organization "${explicitNs}": pass --org=${ns} or remove it`,
      });
    }
  }
  if (errors.length > 0) fail(factory, errors, sources.length);
  if (manifests.length === 0) throw new CliError('no objects passed to apply', { reason: 'NoObjects' });
  const client = await directClient(factory);
  const resolved = await Promise.all(
    manifests.map(async (m) => {
      try {
        return await client.resolveKind(m.object.apiVersion as string, m.object.kind as string);
      } catch (e) {
        errors.push({
          source: m.source,
          ...m.locate(['kind']),
          object: objectLabel(m.object),
          path: 'kind',
          message: e instanceof Error ? e.message : String(e),
        });
        return undefined;
      }
    }),
  );
  if (errors.length > 0) fail(factory, errors, sources.length);
  const prepared = manifests.map((m, i): Prepared => {
    const r = resolved[i] as Resolved;
    const namespace = r.info.namespaced ? (m.object.metadata?.namespace ?? client.namespace) : undefined;
    const metadata = { ...m.object.metadata };
    if (namespace !== undefined) metadata.namespace = namespace;
    else delete metadata.namespace;
    return { manifest: m, resolved: r, object: { ...m.object, metadata } as KubeObject, namespace };
  });
  return { client, prepared };
}

function fail(factory: Factory, errors: ManifestError[], files: number): never {
  const sorted = [...errors].sort((a, b) => (a.source === b.source ? a.line - b.line || a.col - b.col : 0));
  for (const e of sorted) factory.io.err(`${formatManifestError(e)}\n`);
  const n = errors.length;
  throw new CliError(
    `${n} error${n === 1 ? '' : 's'} in ${files} source${files === 1 ? '' : 's'}: nothing was applied`,
    { reason: 'Invalid' },
  );
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

interface Outcome {
  readonly prepared: Prepared;
  readonly action?: ApplyAction;
  readonly result?: KubeObject;
  readonly error?: string;
}

/** created / configured / unchanged from the live object before and the object after. */
export function actionOf(before: KubeObject | undefined, after: KubeObject): ApplyAction {
  if (before === undefined) return 'created';
  const b = before.metadata;
  const a = after.metadata;
  if (b?.resourceVersion === a?.resourceVersion && b?.generation === a?.generation) return 'unchanged';
  return 'configured';
}

/** Live objects of every prepared manifest: one GET for a lone object, one LIST per kind and namespace. */
export async function fetchLive(
  client: DirectClient,
  prepared: readonly Prepared[],
): Promise<Map<Prepared, KubeObject | undefined>> {
  const { toCliError } = await import('../../direct.js');
  const groups = new Map<string, Prepared[]>();
  for (const p of prepared) {
    const key = `${p.resolved.info.group}/${p.resolved.info.resource}/${p.namespace ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out = new Map<Prepared, KubeObject | undefined>();
  await mapLimit([...groups.values()], APPLY_CONCURRENCY, async (group) => {
    const first = group[0] as Prepared;
    try {
      if (group.length === 1) {
        out.set(
          first,
          await client.kube.getOrUndefined<KubeObject>(
            first.resolved.info,
            first.object.metadata?.name ?? '',
            {
              ...(first.namespace ? { namespace: first.namespace } : {}),
            },
          ),
        );
        return;
      }
      const list = await client.kube.listAll<KubeObject>(first.resolved.info, {
        ...(first.namespace ? { namespace: first.namespace } : {}),
      });
      const byName = new Map(list.items.map((o) => [o.metadata?.name, o]));
      for (const p of group) out.set(p, byName.get(p.object.metadata?.name));
    } catch (e) {
      throw toCliError(e);
    }
  });
  return out;
}

export default defineHandler<typeof applySpec>(async ({ factory, flags, commandPath }) => {
  const { io } = factory;
  const format = outputFormat(factory, commandPath);
  const { client, prepared } = await loadManifests(factory, flags.filename, flags.recursive, commandPath);
  const { toCliError, FIELD_MANAGER } = await import('../../direct.js');
  const dryRun = flags.dryRun;
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  const live = await fetchLive(client, prepared);
  const outcomes: Outcome[] = [];
  const report = (o: Outcome): void => {
    outcomes.push(o);
    if (o.error !== undefined) {
      io.err(`${o.error}\n`);
    } else if (format.kind === 'table') {
      io.out(`${nameOf(o.result ?? o.prepared.object)} ${o.action}${suffix}\n`);
    } else if (format.kind === 'name') {
      io.out(`${nameOf(o.result ?? o.prepared.object)}\n`);
    }
  };
  for (const group of rankGroups(prepared.map((p) => ({ object: p.manifest.object, p })))) {
    await mapLimit(group, APPLY_CONCURRENCY, async ({ p }) => {
      const before = live.get(p);
      if (dryRun === 'client') {
        report({ prepared: p, action: before === undefined ? 'created' : 'configured', result: p.object });
        return;
      }
      try {
        const after = await client.kube.apply<KubeObject>(p.object, {
          fieldManager: FIELD_MANAGER,
          fieldValidation: 'Strict',
          ...(p.namespace ? { namespace: p.namespace } : {}),
          ...(flags.forceConflicts ? { force: true } : {}),
          ...(dryRun === 'server' ? { dryRun: 'All' as const } : {}),
        });
        report({ prepared: p, action: actionOf(before, after), result: after });
      } catch (e) {
        const err = toCliError(e);
        const where = `"${p.manifest.source}" (${objectLabel(p.manifest.object)})`;
        const message = err.bare
          ? err.message.replace(/^(Error from server \([^)]*\)): /, `$1: error when applying ${where}: `)
          : `error: error when applying ${where}: ${err.message}`;
        report({ prepared: p, error: message });
      }
    });
  }
  if (format.kind === 'json' || format.kind === 'yaml') {
    const results = outcomes.filter((o) => o.result !== undefined).map((o) => o.result as KubeObject);
    io.out(printObjects(results, format, { single: prepared.length === 1 }));
  }
  client.close();
  return outcomes.some((o) => o.error !== undefined) ? ExitCode.ERROR : ExitCode.OK;
});
