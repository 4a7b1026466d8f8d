/**
 * `-i/--interactive`: the organization, project, component or environment a command needs, picked from live
 * lists with type-ahead (the prompter's `search`) instead of typed. Runs before the handler (program.ts), so
 * the handler sees the picks as if they had been given as flags and arguments. What the context already sets
 * (organization, project, environment; or the flags and CHOREOCTL_* variables over it) is not asked. Needs a
 * terminal.
 */
import type { ResolvedContext } from './config/types.js';
import type { DirectClient } from './direct.js';
import { UsageError } from './errors.js';
import type { Factory } from './factory.js';
import type { GlobalFlags } from './global-flags.js';
import { canPrompt, type Prompter } from './prompter.js';
import { directClient } from './resources.js';
import type { InteractiveSpec } from './spec.js';

type Args = Record<string, string | string[] | undefined>;

export interface Picked {
  readonly globals: Partial<Pick<GlobalFlags, 'organization' | 'project' | 'environment'>>;
  readonly args: Args;
  readonly flags: Record<string, unknown>;
}

async function pick(
  prompter: Prompter,
  what: string,
  flag: string,
  names: readonly string[],
): Promise<string> {
  if (names.length === 0) throw new UsageError(`there is no ${what} to pick from`);
  return prompter.search({
    message: `${what[0]?.toUpperCase()}${what.slice(1)}`,
    flag,
    choices: names.map((n) => ({ value: n })),
  });
}

/** Names of a kind in the client's organization; of `project` only for kinds owned by a project. */
async function namesOf(client: DirectClient, kind: string, project: string | undefined): Promise<string[]> {
  const r = await client.resolveName(kind);
  const list = await client.list(r, {});
  return list.items
    .filter((o) => {
      const owner = (o.spec as { owner?: { projectName?: string } } | undefined)?.owner;
      return project === undefined || owner?.projectName === undefined || owner.projectName === project;
    })
    .map((o) => o.metadata?.name ?? '')
    .filter((n) => n !== '');
}

const upper = (name: string) => name.toUpperCase();

/** What -i would ask for, named as the flags and arguments that give it instead (the no-terminal error). */
function wanted(
  ctx: ResolvedContext,
  spec: InteractiveSpec,
  args: Args,
  flags: Record<string, unknown>,
): string[] {
  const missing = (a: string | undefined) =>
    a !== undefined && (args[a] === undefined || (Array.isArray(args[a]) && args[a].length === 0));
  const out: string[] = [];
  if (ctx.organization === undefined) out.push('--org');
  if (ctx.project === undefined) out.push('--project');
  if (spec.kinds && missing(spec.kindArg)) out.push(upper(spec.kindArg as string));
  if (missing(spec.namesArg)) out.push(upper(spec.namesArg as string));
  if (missing(spec.componentArg) && !flags.all) out.push(upper(spec.componentArg as string));
  if (spec.environmentFlag && flags[spec.environmentFlag] === undefined)
    out.push(`--${spec.environmentFlag}`);
  if (spec.environmentGlobal && ctx.environment === undefined) out.push('--env');
  return out;
}

export async function runPickers(
  factory: Factory,
  spec: InteractiveSpec,
  args: Args,
  flags: Record<string, unknown>,
  commandPath: string,
): Promise<Picked> {
  // What the flags, the environment (CHOREOCTL_ORG, …) and the current context already say is not asked again.
  const ctx = await factory.context();
  if (!canPrompt(factory.io)) {
    const what = wanted(ctx, spec, args, flags);
    throw new UsageError(
      `-i/--interactive needs a terminal: give the names as arguments and flags${what.length > 0 ? `: ${what.join(', ')}` : ''}`,
      commandPath,
    );
  }
  const prompter = await factory.prompter({ commandPath });
  const base = await directClient(factory, '-i/--interactive');
  try {
    const organization =
      ctx.organization ??
      (await pick(prompter, 'organization', '--org', await base.listNames('organizations')));
    const { DirectClient: Direct } = await import('./direct.js');
    const client = new Direct({ ...base.context, organization }, base.kube);
    const project =
      ctx.project ?? (await pick(prompter, 'project', '--project', await client.listNames('projects')));
    const outArgs: Args = { ...args };
    const outFlags: Record<string, unknown> = { ...flags };
    let environment: string | undefined;
    let kind: string | undefined;
    if (spec.kindArg) {
      kind = args[spec.kindArg] as string | undefined;
      if (kind === undefined && spec.kinds) {
        kind =
          spec.kinds.length === 1
            ? spec.kinds[0]
            : await pick(prompter, 'kind', upper(spec.kindArg), spec.kinds);
        outArgs[spec.kindArg] = kind;
      }
    }
    const resolvedKind = kind === undefined ? undefined : (await client.resolveName(kind)).info.kind;
    if (spec.kindArg && spec.namesArg && kind !== undefined) {
      const given = args[spec.namesArg];
      const variadic = Array.isArray(given);
      if (
        (given === undefined || (variadic && given.length === 0)) &&
        !flags.all &&
        !flags.selector &&
        !(flags.filename as string[] | undefined)?.length
      ) {
        const name =
          resolvedKind === 'Project'
            ? project
            : await pick(
                prompter,
                (resolvedKind ?? kind).toLowerCase(),
                upper(spec.namesArg),
                await namesOf(client, kind, project),
              );
        outArgs[spec.namesArg] = variadic ? [name] : name;
      }
    }
    if (spec.componentArg && args[spec.componentArg] === undefined && !flags.all) {
      outArgs[spec.componentArg] = await pick(
        prompter,
        'component',
        upper(spec.componentArg),
        await namesOf(client, 'components', project),
      );
    }
    if (spec.environmentFlag && flags[spec.environmentFlag] === undefined) {
      outFlags[spec.environmentFlag] = await pick(
        prompter,
        'target environment',
        `--${spec.environmentFlag}`,
        await client.listNames('environments'),
      );
    }
    // The environment a component is looked at in (logs): only for components.
    if (
      spec.environmentGlobal &&
      ctx.environment === undefined &&
      (resolvedKind === undefined || resolvedKind === 'Component')
    ) {
      environment = await pick(prompter, 'environment', '--env', await client.listNames('environments'));
    }
    return {
      globals: { organization, project, ...(environment ? { environment } : {}) },
      args: outArgs,
      flags: outFlags,
    };
  } finally {
    base.close();
  }
}
