/**
 * Spec → commander wiring, and the top-level `runCli` that turns everything into an exit code.
 *
 * Global flags are declared on every command (like cobra's persistent flags) and the root uses
 * positional options, so they work both before and after the command name and show up under
 * "Global Flags:" in every help page. Handlers are imported only when their command runs.
 */
import type { Readable, Writable } from 'node:stream';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ClientProvider } from './client.js';
import { CliError, formatError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { createFactory } from './factory.js';
import { type GlobalFlags, globalFlags, readGlobalFlags } from './global-flags.js';
import { createIOStreams, type Env } from './iostreams.js';
import {
  type ArgSpec,
  type CommandSpec,
  camelCase,
  type FlagSpec,
  pickableArgs,
  type RawContext,
} from './spec.js';

export interface RunCliOptions {
  readonly argv: readonly string[];
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: Env;
  readonly clientProvider?: ClientProvider;
  /** Home directory (tests). */
  readonly home?: string;
  /**
   * Build every command of the tree up front (tests compare it with the lazy tree); by default only the commands
   * on the path argv names are built in full, the others are names and summaries for the help listing.
   */
  readonly fullTree?: boolean;
}

const GLOBAL_GROUP = 'Global Flags:';

/** Commander error codes that are "you called me wrong" → exit 2. */
const USAGE_CODES = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.excessArguments',
  'commander.invalidArgument',
  'commander.conflictingOption',
]);

interface RunState {
  exitCode: number;
  readonly options: RunCliOptions;
}

export function commandPathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function flagSyntax(flag: FlagSpec): string {
  const short = flag.short === undefined ? '' : `-${flag.short}, `;
  const long = `--${flag.name}`;
  if (flag.type === 'boolean' || flag.type === 'count') return `${short}${long}`;
  if (flag.bareValue !== undefined) return `${short}${long} [${flag.placeholder ?? 'value'}]`;
  return `${short}${long} <${flag.placeholder ?? (flag.type === 'number' ? 'n' : 'value')}>`;
}

function toOption(flag: FlagSpec, global: boolean): Option {
  const opt = new Option(flagSyntax(flag), flag.description);
  if (flag.hidden) opt.hideHelp();
  opt.helpGroup(global ? GLOBAL_GROUP : 'Flags:');
  if (flag.choices !== undefined) opt.choices(flag.choices);
  if (flag.bareValue !== undefined) opt.preset(flag.bareValue);
  switch (flag.type) {
    case 'string[]':
      opt.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      opt.default(flag.default ?? []);
      break;
    case 'count':
      opt.argParser((_value: string, previous: number | undefined) => (previous ?? 0) + 1);
      opt.default(0);
      break;
    case 'number':
      opt.argParser((value: string) => {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n))
          throw new InvalidArgumentError(`"${value}" is not a number.`);
        return n;
      });
      if (flag.default !== undefined) opt.default(flag.default);
      break;
    case 'boolean':
      if (flag.default === true) opt.default(true);
      break;
    default:
      if (flag.default !== undefined) opt.default(flag.default);
  }
  return opt;
}

/**
 * Help text as paragraphs: the line breaks inside a paragraph (descriptions written pre-wrapped) are
 * joined so the help printer can flow the text to the terminal width. Blank lines separate paragraphs;
 * lines starting with whitespace, a bullet (`-`, `*`) or a number (`1.`) keep their own line.
 */
export function flowParagraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) =>
      para
        .split('\n')
        .reduce<string[]>((lines, line) => {
          const keep = lines.length === 0 || /^(\s|[-*•]\s|\d+[.)]\s)/.test(line);
          if (keep) lines.push(line);
          else lines[lines.length - 1] = `${lines[lines.length - 1]} ${line}`;
          return lines;
        }, [])
        .join('\n'),
    )
    .join('\n\n');
}

function examplesText(spec: CommandSpec): string {
  if (spec.examples === undefined || spec.examples.length === 0) return '';
  const lines = spec.examples.map((e) => `  # ${e.description}\n  ${e.command}`);
  return `\nExamples:\n${lines.join('\n\n')}\n`;
}

/** Levenshtein distance, for "Did you mean this?". */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] ?? 0;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] ?? 0;
      dp[j] = Math.min((dp[j] ?? 0) + 1, (dp[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] ?? 0;
}

export function unknownCommandError(word: string, spec: CommandSpec, path: string): UsageError {
  const candidates = (spec.subcommands ?? [])
    .filter((s) => !s.hidden)
    .filter((s) =>
      [s.name, ...(s.aliases ?? [])].some((n) => editDistance(word, n) <= 2 || n.startsWith(word)),
    )
    .map((s) => s.name);
  let message = `unknown command "${word}" for "${path}"`;
  if (candidates.length > 0)
    message += `\n\nDid you mean this?\n${candidates.map((c) => `\t${c}`).join('\n')}\n`;
  return new UsageError(message, path);
}

/** Values of global flags set on the command line, leaf-most first (a local redefinition shadows). */
function collectGlobals(leaf: Command): GlobalFlags {
  const values: Record<string, unknown> = {};
  let verbose = 0;
  for (let c: Command | null = leaf; c !== null; c = c.parent) {
    const own = c.opts();
    for (const flag of globalFlags) {
      const key = camelCase(flag.name);
      const opt = c.options.find((o) => o.long === `--${flag.name}`);
      if (opt === undefined || opt.helpGroupHeading !== GLOBAL_GROUP) continue;
      const source = c.getOptionValueSource(key === 'noColor' ? 'color' : key);
      if (source !== 'cli') continue;
      if (flag.name === 'verbose') {
        verbose += typeof own.verbose === 'number' ? own.verbose : 0;
      } else if (flag.name === 'no-color') {
        values.noColor = true;
      } else if (values[key] === undefined) {
        values[key] = own[key];
      }
    }
  }
  values.verbose = verbose;
  return readGlobalFlags(values);
}

function checkOutputFormat(spec: CommandSpec, output: string | undefined, path: string): void {
  if (output === undefined) return;
  const name = output.includes('=') ? output.slice(0, output.indexOf('=')) : output;
  const allowed = spec.outputFormats ?? [];
  if (allowed.length === 0) throw new UsageError(`"${path}" does not support --output`, path);
  if (!allowed.includes(name) && !(spec.outputFile && !output.includes('='))) {
    throw new UsageError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: ${allowed.join(',')}`,
      path,
    );
  }
}

function makeFactory(options: RunCliOptions, globals: GlobalFlags) {
  const io = createIOStreams({
    stdout: options.stdout,
    stderr: options.stderr,
    stdin: options.stdin,
    env: options.env,
    noColorFlag: globals.noColor,
  });
  return createFactory({
    io,
    env: options.env,
    globals,
    ...(options.clientProvider === undefined ? {} : { clientProvider: options.clientProvider }),
    ...(options.home === undefined ? {} : { home: options.home }),
  });
}

async function invoke(spec: CommandSpec, ctx: RawContext): Promise<number> {
  if (spec.load === undefined)
    throw new CliError(`"${ctx.commandPath}" has no handler`, { reason: 'InternalError' });
  const mod = await spec.load();
  return mod.default(ctx);
}

async function runLeaf(spec: CommandSpec, cmd: Command, state: RunState): Promise<number> {
  const path = commandPathOf(cmd);
  let globals = collectGlobals(cmd);
  checkOutputFormat(spec, globals.output, path);
  const args: Record<string, string | string[] | undefined> = {};
  (spec.args ?? []).forEach((a, i) => {
    args[camelCase(a.name)] = cmd.processedArgs[i] as string | string[] | undefined;
  });
  const flags: Record<string, unknown> = {};
  const own = cmd.opts();
  for (const f of spec.flags ?? []) {
    // commander stores `--no-foo` as `foo: false`.
    const negated = f.type === 'boolean' && f.name.startsWith('no-');
    const v = negated ? own[camelCase(f.name.slice(3))] === false : own[camelCase(f.name)];
    flags[camelCase(f.name)] = f.type === 'boolean' ? v === true : v;
  }
  const missingArg = () =>
    (spec.args ?? []).find((a) => {
      const v = args[camelCase(a.name)];
      return a.required && (v === undefined || (Array.isArray(v) && v.length === 0));
    });
  const interactive = spec.interactive !== undefined && flags.interactive === true;
  const before = missingArg();
  if (before && !interactive) {
    throw new UsageError(
      `missing required argument '${before.name}'${spec.interactive ? ' (or -i to pick it from a list)' : ''}`,
      path,
    );
  }
  if (spec.interactive && interactive) {
    const { runPickers } = await import('./pickers.js');
    const { PromptCancelled, EXIT_CANCELLED } = await import('./prompter.js');
    try {
      const picked = await runPickers(
        makeFactory(state.options, globals),
        spec.interactive,
        args,
        flags,
        path,
      );
      globals = { ...globals, ...picked.globals };
      Object.assign(args, picked.args);
      Object.assign(flags, picked.flags);
    } catch (e) {
      if (e instanceof PromptCancelled) return EXIT_CANCELLED;
      throw e;
    }
    const after = missingArg();
    if (after) throw new UsageError(`missing required argument '${after.name}': -i could not pick it`, path);
  }
  return invoke(spec, { factory: makeFactory(state.options, globals), args, flags, commandPath: path });
}

function widthOf(stream: Writable): number {
  const columns = (stream as Writable & { columns?: number; isTTY?: boolean }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : 80;
}

/**
 * The commands argv names, root first: at each level the first word that is not a flag or a flag's value (the
 * value-taking flags of that level, global ones included, as commander reads them with positional options).
 * A guess that commander confirms: dispatching into a command left out of it rebuilds the whole tree (runCli).
 */
export function commandPathIn(root: CommandSpec, argv: readonly string[]): Set<CommandSpec> {
  const path = new Set<CommandSpec>([root]);
  let spec = root;
  let i = 0;
  descend: while ((spec.subcommands ?? []).length > 0) {
    const takesValue = new Set<string>();
    const flags: readonly FlagSpec[] = [...globalFlags, ...(spec.flags ?? [])];
    for (const f of flags) {
      if (f.type === 'boolean' || f.type === 'count' || f.bareValue !== undefined) continue;
      takesValue.add(`--${f.name}`);
      if (f.short !== undefined) takesValue.add(`-${f.short}`);
    }
    for (; i < argv.length; i++) {
      const word = argv[i] as string;
      if (word === '--') break descend;
      if (word.startsWith('-') && word !== '-') {
        if (takesValue.has(word)) i++;
        continue;
      }
      const sub = spec.subcommands?.find((s) => s.name === word || (s.aliases ?? []).includes(word));
      if (sub === undefined) break descend;
      path.add(sub);
      spec = sub;
      i++;
      continue descend;
    }
    break;
  }
  return path;
}

/** Commands built as a name and a summary only (off the argv path): reaching one means the guess was wrong. */
const unbuilt = new WeakSet<Command>();

class TreeGuessMissed extends Error {}

function unbuiltCommand(spec: CommandSpec): Command {
  const cmd = new Command(spec.name);
  cmd.summary(spec.summary);
  if (spec.aliases !== undefined) cmd.aliases([...spec.aliases]);
  unbuilt.add(cmd);
  return cmd;
}

/**
 * The commander command of a spec. With `path`, only the commands in it are built in full (with their flags,
 * arguments and handlers); the others are listed by name and summary, which is all a help page shows of them.
 */
export function buildCommand(spec: CommandSpec, state: RunState, path?: ReadonlySet<CommandSpec>): Command {
  const cmd = new Command(spec.name);
  cmd.description(flowParagraphs(spec.description ?? spec.summary));
  cmd.summary(spec.summary);
  if (spec.aliases !== undefined) cmd.aliases([...spec.aliases]);
  // Arguments `-i` can pick are optional to commander; runLeaf requires them when `-i` is not given. The usage
  // line still shows them as required.
  const pickable = pickableArgs(spec.interactive);
  const syntaxOf = (a: ArgSpec, required: boolean) =>
    required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`;
  for (const a of spec.args ?? []) {
    const arg = new Argument(syntaxOf(a, a.required === true && !pickable.has(a.name)), a.description ?? '');
    if (a.choices !== undefined) arg.choices(a.choices);
    cmd.addArgument(arg);
  }
  if ((spec.args ?? []).some((a) => a.required && pickable.has(a.name))) {
    cmd.usage(['[options]', ...(spec.args ?? []).map((a) => syntaxOf(a, a.required === true))].join(' '));
  }
  const localNames = new Set((spec.flags ?? []).map((f) => f.name));
  for (const f of spec.flags ?? []) cmd.addOption(toOption(f, false));
  for (const f of globalFlags) if (!localNames.has(f.name)) cmd.addOption(toOption(f, true));
  cmd.addHelpOption(new Option('-h, --help', 'Help for this command').helpGroup(GLOBAL_GROUP));
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => state.options.stdout.write(s),
    writeErr: (s) => state.options.stderr.write(s),
    outputError: () => {}, // printed by runCli in our own format
    // help flows to the terminal's width (80 when not a terminal)
    getOutHelpWidth: () => widthOf(state.options.stdout),
    getErrHelpWidth: () => widthOf(state.options.stderr),
  });
  cmd.configureHelp({
    sortOptions: false,
    sortSubcommands: false,
    showGlobalOptions: false,
    subcommandTerm: (c) => [c.name(), ...c.aliases()].join(', '),
  });
  cmd.allowExcessArguments(false);
  const examples = examplesText(spec);
  const hasSubcommands = (spec.subcommands ?? []).length > 0;
  cmd.addHelpText('after', () => {
    let text = examples;
    if (hasSubcommands)
      text += `\nUse "${commandPathOf(cmd)} <command> --help" for more information about a command.\n`;
    return text;
  });
  if (hasSubcommands) {
    cmd.enablePositionalOptions();
    for (const sub of spec.subcommands ?? []) {
      const child =
        path === undefined || path.has(sub) ? buildCommand(sub, state, path) : unbuiltCommand(sub);
      cmd.addCommand(child, sub.hidden ? { hidden: true } : {});
    }
  }
  if (spec.load !== undefined) {
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      state.exitCode = await runLeaf(spec, self, state);
    });
  } else if (hasSubcommands) {
    // A pure group: no args → help on stdout (exit 0); anything else → unknown command.
    cmd.allowExcessArguments(true);
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      const first = self.args[0];
      if (first !== undefined) throw unknownCommandError(first, spec, commandPathOf(self));
      collectGlobals(self);
      state.options.stdout.write(self.helpInformation());
      state.exitCode = ExitCode.OK;
    });
  }
  return cmd;
}

function wantsJsonErrors(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '-o' || a === '--output') {
      if (argv[i + 1] === 'json') return true;
    } else if (a === '-ojson' || a === '--output=json' || a === '-o=json') {
      return true;
    }
  }
  return false;
}

function commanderToCliError(err: CommanderError, root: Command): CliError {
  const message = err.message.replace(/^error: /, '');
  // Find the deepest command the argv reached, for the `Run '<cmd> --help'` hint.
  const path = (err as CommanderError & { commandPath?: string }).commandPath ?? root.name();
  if (err.code === 'commander.unknownOption') {
    const m = /unknown option '([^']+)'/.exec(message);
    return new UsageError(`unknown flag: ${m?.[1] ?? message}`, path);
  }
  return new UsageError(message, path);
}

/**
 * Global flags among raw words (`__complete get comp -n acme ''`): the value-taking globals only, so
 * completion lists names from the organization / context the command line names.
 */
export function scanGlobals(words: readonly string[]): GlobalFlags {
  const values: Record<string, unknown> = {};
  const byName = new Map<string, string>();
  for (const f of globalFlags) {
    if (f.type !== 'string') continue;
    byName.set(`--${f.name}`, camelCase(f.name));
    if ('short' in f && f.short !== undefined) byName.set(`-${f.short}`, camelCase(f.name));
  }
  for (let i = 0; i < words.length - 1; i++) {
    const w = words[i] as string;
    const eq = w.indexOf('=');
    const key = byName.get(eq === -1 ? w : w.slice(0, eq));
    if (key === undefined) continue;
    if (eq !== -1) values[key] = w.slice(eq + 1);
    else if (i + 1 < words.length - 1) values[key] = words[++i];
  }
  return readGlobalFlags(values);
}

/** Parses argv against the spec tree, runs the handler, prints errors, returns the exit code. */
export async function runCli(root: CommandSpec, options: RunCliOptions): Promise<number> {
  const state: RunState = { exitCode: ExitCode.OK, options };
  const raw = root.subcommands?.find((s) => s.rawArgs && s.name === options.argv[0]);
  if (raw !== undefined) {
    // `__complete`: words go to the handler verbatim, no commander involved.
    const words = options.argv.slice(1);
    const argName = camelCase(raw.args?.[0]?.name ?? 'words');
    return invoke(raw, {
      factory: makeFactory(options, scanGlobals(words)),
      args: { [argName]: words },
      flags: {},
      commandPath: `${root.name} ${raw.name}`,
    });
  }
  let program = buildCommand(root, state, options.fullTree ? undefined : commandPathIn(root, options.argv));
  // Remember which command was parsing when commander failed, for the usage hint.
  let lastCommand: Command = program;
  const track = (c: Command): void => {
    c.hook('preSubcommand', (_this, sub) => {
      if (unbuilt.has(sub)) throw new TreeGuessMissed();
      lastCommand = sub;
    });
    for (const sub of c.commands) if (!unbuilt.has(sub)) track(sub);
  };
  track(program);
  try {
    try {
      await program.parseAsync([...options.argv], { from: 'user' });
    } catch (e) {
      if (!(e instanceof TreeGuessMissed)) throw e;
      // commander took another path than commandPathIn: parse again with every command built
      program = buildCommand(root, state);
      lastCommand = program;
      track(program);
      await program.parseAsync([...options.argv], { from: 'user' });
    }
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version'
      ) {
        return ExitCode.OK;
      }
      if (USAGE_CODES.has(e.code)) {
        const err = commanderToCliError(
          Object.assign(e, { commandPath: commandPathOf(lastCommand) }) as CommanderError,
          program,
        );
        options.stderr.write(formatError(err, { json: wantsJsonErrors(options.argv) }));
        return ExitCode.USAGE;
      }
    }
    const color = createIOStreams({
      ...options,
      noColorFlag: options.argv.includes('--no-color'),
    }).stderrColor;
    const paint = color ? (await import('./theme.js')).errorLabel : undefined;
    options.stderr.write(
      formatError(e, { json: wantsJsonErrors(options.argv), ...(paint ? { color: paint } : {}) }),
    );
    return e instanceof CliError ? e.exitCode : ExitCode.ERROR;
  }
}
