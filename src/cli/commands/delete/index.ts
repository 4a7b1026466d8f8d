import type { OperationsClient } from '../../client.js';
import type { Resolved } from '../../direct.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { loadManifests } from '../../manifest-input.js';
import { rankGroups } from '../../manifests.js';
import { escapeControl } from '../../output/escape.js';
import { checkNames, mapLimit, operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { deleteSpec } from './command.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `2m`, `1h30m`, `500ms`, plain seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += n * (UNITS[m[2] as string] ?? 0);
    matched += m[0].length;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

interface Victim {
  readonly resolved: Resolved;
  readonly name: string;
  readonly namespace: string | undefined;
}

function label(v: Victim): string {
  const g = v.resolved.info.group;
  return `${v.resolved.info.kind.toLowerCase()}${g ? `.${g}` : ''}/${v.name}`;
}

function quoted(v: Victim): string {
  const g = v.resolved.info.group;
  return `${v.resolved.info.resource}${g ? `.${g}` : ''} "${v.name}"`;
}

export default defineHandler<typeof deleteSpec>(async ({ factory, args, flags, commandPath }) => {
  const { io } = factory;
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  const names = [...(args.names ?? [])];
  let kindArg = args.kind;
  if (kindArg?.includes('/')) {
    names.unshift(kindArg.slice(kindArg.indexOf('/') + 1));
    kindArg = kindArg.slice(0, kindArg.indexOf('/'));
  }
  checkNames(names, commandPath);
  const byFile = flags.filename.length > 0;
  if (byFile && kindArg !== undefined) throw new UsageError('cannot use -f together with KIND', commandPath);
  if (!byFile && kindArg === undefined) {
    throw new UsageError('you must provide one or more resources by argument or filename (-f)', commandPath);
  }
  if (!byFile && names.length === 0 && !flags.all && flags.selector === undefined) {
    throw new UsageError(
      'resource(s) were provided, but no name was specified: give NAMEs, -l selector or --all',
      commandPath,
    );
  }
  if (names.length > 0 && (flags.all || flags.selector !== undefined)) {
    throw new UsageError('names cannot be combined with --all or -l', commandPath);
  }
  const { toCliError } = await import('../../direct.js');
  let client: OperationsClient;
  let groups: Victim[][];
  if (byFile) {
    const loaded = await loadManifests(factory, {
      filenames: flags.filename,
      recursive: flags.recursive,
      commandPath,
      validate: false,
      verb: 'deleted',
    });
    client = loaded.client;
    const resolved = loaded.prepared.map((p) => ({
      object: p.manifest.object,
      victim: {
        resolved: p.resolved,
        name: p.object.metadata?.name ?? '',
        namespace: p.namespace,
      } satisfies Victim,
    }));
    groups = rankGroups(resolved)
      .reverse()
      .map((g) => g.map((x) => x.victim));
  } else {
    client = await operationsClient(factory);
    const resolved = await client.resolveName(kindArg as string);
    const namespace = resolved.info.namespaced ? client.namespace : undefined;
    let victimNames = names;
    if (names.length === 0) {
      const list = await client.list(resolved, { namespace, selector: flags.selector });
      victimNames = list.items.map((o) => o.metadata?.name ?? '').filter((n) => n !== '');
      if (victimNames.length === 0) {
        io.err(
          `No resources found${namespace ? ` in ${namespace} ${resolved.choreo ? 'organization' : 'namespace'}` : ''}.\n`,
        );
        return ExitCode.OK;
      }
    }
    groups = [victimNames.map((name) => ({ resolved, name, namespace }))];
  }
  let failed = false;
  const deleted: { victim: Victim; uid: string | undefined }[] = [];
  for (const group of groups) {
    await mapLimit(group, 16, async (v) => {
      try {
        const outcome = await client.delete(v.resolved, v.name, { namespace: v.namespace });
        if (!outcome.deleted) {
          if (!flags.ignoreNotFound) {
            failed = true;
            io.err(`${escapeControl(`Error from server (NotFound): ${quoted(v)} not found`)}\n`);
          }
          return;
        }
        io.out(factory.globals.output === 'name' ? `${label(v)}\n` : `${quoted(v)} deleted\n`);
        deleted.push({ victim: v, uid: outcome.uid });
      } catch (e) {
        failed = true;
        io.err(`${escapeControl(toCliError(e).message)}\n`);
      }
    });
  }
  if (flags.wait && deleted.length > 0) {
    const signal = AbortSignal.timeout(timeoutMs);
    const waitAll = () =>
      Promise.all(
        deleted.map((d) =>
          client.waitDeleted(d.victim.resolved, d.victim.name, {
            namespace: d.victim.namespace,
            uid: d.uid,
            signal,
          }),
        ),
      );
    const { withSpinner } = await import('../../spinner.js');
    const n = deleted.length;
    const remaining =
      factory.globals.output === 'name'
        ? await waitAll()
        : await withSpinner(io, `waiting for the deletion of ${n} object${n === 1 ? '' : 's'}`, waitAll);
    const left = deleted.filter((_, i) => !remaining[i]);
    if (left.length > 0) {
      for (const d of left) {
        io.err(
          `error: timed out after ${flags.timeout} waiting for the deletion of ${label(d.victim)} (it still exists: finalizers may be pending)\n`,
        );
      }
      client.close();
      return ExitCode.ERROR;
    }
  }
  client.close();
  return failed ? ExitCode.ERROR : ExitCode.OK;
});
