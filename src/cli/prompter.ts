/**
 * Questions to the user (gh's `prompter`): every command that asks something asks it through here, so the
 * rules live in one place — prompts only when stdin and stderr are terminals; `--yes` takes each question's
 * default; otherwise a question that cannot be asked is a usage error naming the flag that answers it. Prompts
 * are drawn on stderr (stdout stays data). @inquirer/prompts is imported only when a prompt is really shown.
 *
 * Tests hand the factory a scripted prompter instead (test/unit/cli/scripted-prompter.ts).
 */
import { UsageError } from './errors.js';
import type { IOStreams } from './iostreams.js';

export interface Choice<T extends string> {
  readonly value: T;
  /** Shown instead of the value. */
  readonly name?: string;
  readonly description?: string;
}

interface Asked {
  readonly message: string;
  /** The flag that answers this question without a prompt (`--org`): named when it cannot be asked. */
  readonly flag: string;
}

export interface Prompter {
  /** Whether questions are really shown (a terminal, no `--yes`). */
  readonly interactive: boolean;
  select<T extends string>(q: Asked & { choices: readonly Choice<T>[]; default?: T }): Promise<T>;
  /** A list with type-ahead filtering (for live lists that can be long: components, projects). */
  search<T extends string>(q: Asked & { choices: readonly Choice<T>[]; default?: T }): Promise<T>;
  input(q: Asked & { default?: string; validate?: (v: string) => string | true }): Promise<string>;
  /** Masked input; never has a default. */
  password(q: Asked): Promise<string>;
  confirm(q: Asked & { default: boolean }): Promise<boolean>;
}

/** The user pressed Ctrl-C (or Esc-cancelled) at a prompt: the command undoes what it did and exits 130. */
export class PromptCancelled extends Error {
  override name = 'PromptCancelled';
  constructor() {
    super('cancelled');
  }
}

/** Exit status of a command cancelled with Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_CANCELLED = 130;

export interface PrompterOptions {
  /** `--yes`: take every default without asking. */
  readonly yes?: boolean;
  /** Aborts an open prompt (SIGINT while a prompt is shown). */
  readonly signal?: AbortSignal;
  /** The command, for "Run '... --help'" in usage errors. */
  readonly commandPath: string;
}

/** Whether this invocation may show prompts at all. */
export function canPrompt(io: IOStreams): boolean {
  return io.stdinIsTTY && io.stderrIsTTY;
}

function missing(q: Asked, commandPath: string): UsageError {
  return new UsageError(
    `${q.message.replace(/[:?]\s*$/, '')}: give ${q.flag} (no terminal to ask on)`,
    commandPath,
  );
}

/**
 * No prompts: with `--yes` each question takes its default (a confirmation is yes); without it, and without a
 * terminal, a question is a usage error naming its flag.
 */
function defaultsPrompter(commandPath: string, yes: boolean): Prompter {
  const take = <V>(q: Asked & { default?: V }): Promise<V> =>
    yes && q.default !== undefined ? Promise.resolve(q.default) : Promise.reject(missing(q, commandPath));
  return {
    interactive: false,
    select: take,
    search: take,
    input: take,
    password: (q) => Promise.reject(missing(q, commandPath)),
    confirm: (q) => (yes ? Promise.resolve(true) : Promise.reject(missing(q, commandPath))),
  };
}

async function asked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const name = (e as Error | undefined)?.name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
      throw new PromptCancelled();
    }
    throw e;
  }
}

/** The prompter of a command: real prompts on a terminal, defaults with `--yes` or without one. */
export function createPrompter(io: IOStreams, options: PrompterOptions): Prompter {
  if (options.yes || !canPrompt(io)) return defaultsPrompter(options.commandPath, options.yes === true);
  const context = {
    input: io.stdin,
    output: io.stderr,
    clearPromptOnDone: false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const inquirer = () => import('@inquirer/prompts');
  const toChoices = <T extends string>(cs: readonly Choice<T>[]) =>
    cs.map((c) => ({
      value: c.value,
      name: c.name ?? c.value,
      ...(c.description ? { description: c.description } : {}),
    }));
  return {
    interactive: true,
    select: (q) =>
      asked(async () =>
        (await inquirer()).select(
          {
            message: q.message,
            choices: toChoices(q.choices),
            ...(q.default !== undefined ? { default: q.default } : {}),
          },
          context,
        ),
      ),
    search: (q) =>
      asked(async () => {
        const choices = toChoices(q.choices);
        return (await inquirer()).search(
          {
            message: q.message,
            source: (term) => {
              const t = (term ?? '').toLowerCase();
              return choices.filter((c) => c.name.toLowerCase().includes(t));
            },
          },
          context,
        );
      }),
    input: (q) =>
      asked(async () =>
        (await inquirer()).input(
          {
            message: q.message,
            ...(q.default !== undefined ? { default: q.default } : {}),
            ...(q.validate ? { validate: q.validate } : {}),
          },
          context,
        ),
      ),
    password: (q) =>
      asked(async () => (await inquirer()).password({ message: q.message, mask: '*' }, context)),
    confirm: (q) =>
      asked(async () => (await inquirer()).confirm({ message: q.message, default: q.default }, context)),
  };
}
