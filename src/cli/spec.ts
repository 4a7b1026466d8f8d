/**
 * Declarative command specs (Vercel CLI `command.ts` / oclif static fields).
 *
 * A spec is plain data: it drives commander parsing (program.ts), `--help`, the completion scripts
 * (completion/) and the `__complete` engine. The handler lives in the sibling `index.ts` and is only
 * imported (dynamic `import()`) when the command actually runs.
 */
import type { Factory } from './factory.js';

/**
 * How to complete a positional argument or a flag value.
 * - `kind`: a resource kind (plural names, like kubectl)
 * - `resource-name`: names of the kind given by the previous positional argument (`get component <TAB>`)
 * - `resource-name:<kind>`: names of a fixed kind (`--project <TAB>`)
 * - `context`: choreoctl context names from the local config
 * - `output-format`: values of `-o`
 * - `file` / `dir`: let the shell complete paths
 * - `none`: nothing (no file completion either)
 */
export type CompletionHint =
  | 'none'
  | 'file'
  | 'dir'
  | 'kind'
  | 'context'
  | 'output-format'
  | 'resource-name'
  | `resource-name:${string}`;

/** `string[]` is a repeatable flag (`-f a -f b`); `count` is a repeatable boolean (`-vv`). */
export type FlagType = 'boolean' | 'string' | 'string[]' | 'number' | 'count';

export interface FlagSpec {
  /** Long name without dashes (`dry-run`); the parsed value is keyed by its camelCase form (`dryRun`). */
  readonly name: string;
  readonly short?: string;
  readonly type: FlagType;
  readonly description: string;
  /** Value name shown in help (`--output <format>`). */
  readonly placeholder?: string;
  readonly default?: string | number | boolean | readonly string[];
  /**
   * The value of the bare flag (`--dry-run` alone means `--dry-run=client`, as in kubectl); the value may
   * then only be attached with `=`... or follow as the next word when it is one of `choices`.
   */
  readonly bareValue?: string;
  /** Allowed values; anything else is a usage error (exit 2). Also offered by completion. */
  readonly choices?: readonly string[];
  readonly complete?: CompletionHint;
  readonly hidden?: boolean;
}

export interface ArgSpec {
  readonly name: string;
  readonly description?: string;
  readonly required?: boolean;
  /** Takes all remaining positionals; only the last arg may be variadic. */
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
  readonly complete?: CompletionHint;
}

export interface ExampleSpec {
  readonly description: string;
  readonly command: string;
}

/** Module shape of a command's `index.ts`: a default-exported runner made with `defineHandler`. */
export interface HandlerModule {
  readonly default: Runner;
}

/**
 * What `-i/--interactive` picks for a command (pickers.ts), besides the organization and project: the NAMES of
 * the kind in `kindArg`, a component for `componentArg`, an environment for `environmentFlag`. The arguments
 * named here may be left out when `-i` is given (program.ts registers them as optional and checks them itself):
 * without `-i` a required one is still a usage error.
 */
export interface InteractiveSpec {
  readonly kindArg?: string;
  /** The kinds offered when `kindArg` is not given (one: taken without asking). */
  readonly kinds?: readonly string[];
  readonly namesArg?: string;
  readonly componentArg?: string;
  readonly environmentFlag?: string;
  /** The global `--env` (what the environment is for: e.g. the logs of a component there). */
  readonly environmentGlobal?: boolean;
}

/** The arguments `-i` can pick (and which may therefore be missing when it is given). */
export function pickableArgs(spec: InteractiveSpec | undefined): Set<string> {
  return new Set(
    [spec?.kinds ? spec.kindArg : undefined, spec?.namesArg, spec?.componentArg].filter(
      (a): a is string => a !== undefined,
    ),
  );
}

export interface CommandSpec {
  readonly name: string;
  /** One line, shown in the parent's command list. */
  readonly summary: string;
  /**
   * Long help; defaults to the summary. Write paragraphs (separated by a blank line): the help printer
   * flows them to the terminal width. Lines starting with a space, `-`, `*` or `1.` stay lines.
   */
  readonly description?: string;
  readonly aliases?: readonly string[];
  readonly args?: readonly ArgSpec[];
  readonly flags?: readonly FlagSpec[];
  readonly examples?: readonly ExampleSpec[];
  readonly subcommands?: readonly CommandSpec[];
  readonly hidden?: boolean;
  /** Words after the command name are handed over verbatim (no flag parsing): `__complete`. */
  readonly rawArgs?: boolean;
  /**
   * Accepted values of the global `-o/--output` (by format name: `json`, `yaml`, `name`, `wide`,
   * `jsonpath`, `custom-columns`, ...). Absent: the command rejects `-o` with a usage error.
   */
  readonly outputFormats?: readonly string[];
  /**
   * `-o VALUE` where VALUE is none of `outputFormats` names a file to write to (upstream's `create workload
   * -o workload-cr.yaml`); the handler reads `globals.output` itself.
   */
  readonly outputFile?: boolean;
  /** With an `interactive` flag: what `-i` picks before the handler runs. */
  readonly interactive?: InteractiveSpec;
  /** Lazily imports the handler module. Absent on pure groups (`config`), which print their help. */
  readonly load?: () => Promise<HandlerModule>;
}

export function defineCommand<const S extends CommandSpec>(spec: S): S {
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Type inference from a spec: `ctx.flags.dryRun` is `'none' | 'client' | 'server'` etc.

export type CamelCase<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S;

type ChoiceOf<F extends FlagSpec> = F extends { readonly choices: readonly (infer C extends string)[] }
  ? C
  : string;

export type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['type'] extends 'count'
    ? number
    : F['type'] extends 'string[]'
      ? string[]
      : F['type'] extends 'number'
        ? F extends { readonly default: number }
          ? number
          : number | undefined
        : F extends { readonly default: string }
          ? ChoiceOf<F>
          : ChoiceOf<F> | undefined;

export type InferFlags<S extends CommandSpec> = S extends { readonly flags: readonly FlagSpec[] }
  ? { -readonly [F in S['flags'][number] as CamelCase<F['name']>]: FlagValue<F> }
  : Record<string, never>;

type ArgValue<A extends ArgSpec> = A extends { readonly variadic: true }
  ? string[]
  : A extends { readonly required: true }
    ? string
    : string | undefined;

export type InferArgs<S extends CommandSpec> = S extends { readonly args: readonly ArgSpec[] }
  ? { -readonly [A in S['args'][number] as CamelCase<A['name']>]: ArgValue<A> }
  : Record<string, never>;

/** What a handler receives. Global flags and IO are on `factory`. */
export interface CommandContext<S extends CommandSpec = CommandSpec> {
  readonly factory: Factory;
  readonly args: InferArgs<S>;
  readonly flags: InferFlags<S>;
  /** `choreoctl config use-context`, for messages. */
  readonly commandPath: string;
}

/** Untyped context crossing the lazy-import boundary. */
export interface RawContext {
  readonly factory: Factory;
  readonly args: Record<string, string | string[] | undefined>;
  readonly flags: Record<string, unknown>;
  readonly commandPath: string;
}

/** A loaded handler: returns the process exit code (see exit-codes.ts). */
export type Runner = (ctx: RawContext) => Promise<number>;

/**
 * Types a handler against its spec: `export default defineHandler<typeof spec>(async (ctx) => 0)`.
 * The spec is only needed as a type (`import type { spec } from './command.js'`).
 */
export function defineHandler<S extends CommandSpec>(
  run: (ctx: CommandContext<S>) => Promise<number>,
): Runner {
  return (ctx) => run(ctx as unknown as CommandContext<S>);
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
