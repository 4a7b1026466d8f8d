/**
 * `-i/--interactive`: the organization, project, component or environment a command needs, picked from live
 * lists with type-ahead (the prompter's `search`) instead of typed. Runs before the handler (program.ts), so
 * the handler sees the picks as if they had been given as flags and arguments. Needs a terminal.
 */
import type { DirectClient } from './direct.js';
import { UsageError } from './errors.js';
import type { Factory } from './factory.js';
import type { GlobalFlags } from './global-flags.js';
import { canPrompt, type Prompter } from './prompter.js';
import { directClient } from './resources.js';
import type { InteractiveSpec } from './spec.js';

type Args = Record<string, string | string[] | undefined>;

export interface Picked {
  readonly globals: Partial<Pick<GlobalFlags, 'organization' | 'project'>>;
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

/** Names of a kind in the client's organization; components only of `project`. */
async function namesOf(client: DirectClient, kind: string, project: string | undefined): Promise<string[]> {
  const r = await client.resolveName(kind);
  if (r.info.kind !== 'Component' || project === undefined) return client.listNames(kind);
  const list = await client.list(r, {});
  return list.items
    .filter(
      (o) => (o.spec as { owner?: { projectName?: string } } | undefined)?.owner?.projectName === project,
    )
    .map((o) => o.metadata?.name ?? '')
    .filter((n) => n !== '');
}

export async function runPickers(
  factory: Factory,
  spec: InteractiveSpec,
  args: Args,
  flags: Record<string, unknown>,
  commandPath: string,
): Promise<Picked> {
  if (!canPrompt(factory.io)) {
    throw new UsageError(
      '-i/--interactive needs a terminal: give the names as arguments and flags',
      commandPath,
    );
  }
  const prompter = await factory.prompter({ commandPath });
  const base = await directClient(factory, '-i/--interactive');
  try {
    const organization =
      factory.globals.organization ??
      (await pick(prompter, 'organization', '--org', await base.listNames('organizations')));
    const { DirectClient: Direct } = await import('./direct.js');
    const client = new Direct({ ...base.context, organization }, base.kube);
    const project =
      factory.globals.project ??
      (await pick(prompter, 'project', '--project', await client.listNames('projects')));
    const outArgs: Args = { ...args };
    const outFlags: Record<string, unknown> = { ...flags };
    if (spec.kindArg && spec.namesArg) {
      const kind = args[spec.kindArg] as string | undefined;
      const names = (args[spec.namesArg] as string[] | undefined) ?? [];
      if (
        kind !== undefined &&
        names.length === 0 &&
        !flags.all &&
        !flags.selector &&
        !(flags.filename as string[] | undefined)?.length
      ) {
        const r = await client.resolveName(kind);
        const name =
          r.info.kind === 'Project'
            ? project
            : await pick(prompter, r.info.kind.toLowerCase(), 'NAME', await namesOf(client, kind, project));
        outArgs[spec.namesArg] = [name];
      }
    }
    if (spec.componentArg && args[spec.componentArg] === undefined && !flags.all) {
      outArgs[spec.componentArg] = await pick(
        prompter,
        'component',
        'COMPONENT',
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
    return { globals: { organization, project }, args: outArgs, flags: outFlags };
  } finally {
    base.close();
  }
}
