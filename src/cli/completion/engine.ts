/**
 * The completion engine behind `choreoctl __complete <words...>` (cobra's protocol): given the words
 * after the program name, the last one being the word under the cursor (possibly ''), return the
 * candidates and a directive. fish and PowerShell use it for everything; the bash and zsh scripts
 * embed the static tree and call it only for dynamic values (resource names, contexts).
 */
import { globalFlags } from '../global-flags.js';
import { KINDS } from '../kinds.js';
import type { CommandSpec, CompletionHint, FlagSpec } from '../spec.js';

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Default: 0,
  Error: 1,
  NoSpace: 2,
  NoFileComp: 4,
  FilterFileExt: 8,
  FilterDirs: 16,
} as const;

export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

export interface CompletionResult {
  readonly candidates: readonly Candidate[];
  readonly directive: number;
}

/** Values that need the config or the cluster. Implementations must be fast and never throw. */
export interface DynamicSource {
  contexts(): Promise<string[]>;
  resourceNames(kind: string): Promise<string[]>;
}

export const OUTPUT_FORMAT_CANDIDATES: readonly Candidate[] = [
  { value: 'json', description: 'JSON' },
  { value: 'yaml', description: 'YAML' },
  { value: 'name', description: 'kind.group/name' },
  { value: 'wide', description: 'Table with more columns' },
  { value: 'jsonpath=', description: 'kubectl JSONPath template' },
  { value: 'jsonpath-file=', description: 'JSONPath template from a file' },
  { value: 'custom-columns=', description: 'NAME:.path,...' },
  { value: 'custom-columns-file=', description: 'Custom columns from a file' },
];

export function flagsOf(spec: CommandSpec): FlagSpec[] {
  const local = spec.flags ?? [];
  const names = new Set(local.map((f) => f.name));
  return [...local, ...globalFlags.filter((f) => !names.has(f.name))];
}

export function takesValue(flag: FlagSpec): boolean {
  return flag.type !== 'boolean' && flag.type !== 'count';
}

function findFlag(spec: CommandSpec, word: string): FlagSpec | undefined {
  const flags = flagsOf(spec);
  if (word.startsWith('--')) return flags.find((f) => `--${f.name}` === word);
  return flags.find((f) => f.short !== undefined && `-${f.short}` === word);
}

export function findSubcommand(spec: CommandSpec, word: string): CommandSpec | undefined {
  return spec.subcommands?.find((s) => s.name === word || (s.aliases ?? []).includes(word));
}

interface Walk {
  spec: CommandSpec;
  positionals: string[];
  /** Flag whose value is being completed (`-o <TAB>`). */
  pendingFlag: FlagSpec | undefined;
}

export function walk(root: CommandSpec, words: readonly string[]): Walk {
  let spec = root;
  const positionals: string[] = [];
  let pendingFlag: FlagSpec | undefined;
  let dashdash = false;
  const last = words.length - 1;
  for (let i = 0; i < last; i++) {
    const w = words[i] as string;
    if (!dashdash && w === '--') {
      dashdash = true;
      continue;
    }
    if (!dashdash && w.startsWith('-') && w.length > 1) {
      if (w.includes('=')) continue;
      const flag = findFlag(spec, w);
      if (flag !== undefined && takesValue(flag)) {
        if (i + 1 === last) pendingFlag = flag;
        i++;
      }
      continue;
    }
    const sub = positionals.length === 0 ? findSubcommand(spec, w) : undefined;
    if (sub !== undefined) spec = sub;
    else positionals.push(w);
  }
  return { spec, positionals, pendingFlag };
}

function filter(candidates: readonly Candidate[], prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(prefix));
}

async function fromHint(
  hint: CompletionHint | undefined,
  choices: readonly string[] | undefined,
  cur: string,
  kindArg: string | undefined,
  source: DynamicSource,
): Promise<CompletionResult> {
  if (choices !== undefined) {
    return {
      candidates: filter(
        choices.map((value) => ({ value })),
        cur,
      ),
      directive: Directive.NoFileComp,
    };
  }
  switch (hint) {
    case undefined:
    case 'none':
      return { candidates: [], directive: Directive.NoFileComp };
    case 'file':
      return { candidates: [], directive: Directive.Default };
    case 'dir':
      return { candidates: [], directive: Directive.FilterDirs };
    case 'kind':
      return {
        candidates: filter(
          KINDS.map((k) => ({
            value: k.plural,
            description:
              k.kind === 'Endpoint'
                ? 'Endpoint (get endpoints: the service catalog, every endpoint and its URL)'
                : k.kind,
          })),
          cur,
        ),
        directive: Directive.NoFileComp,
      };
    case 'output-format': {
      const c = filter(OUTPUT_FORMAT_CANDIDATES, cur);
      const noSpace = c.length > 0 && c.every((x) => x.value.endsWith('='));
      return { candidates: c, directive: Directive.NoFileComp | (noSpace ? Directive.NoSpace : 0) };
    }
    case 'context':
      return {
        candidates: filter(
          (await source.contexts()).map((value) => ({ value })),
          cur,
        ),
        directive: Directive.NoFileComp,
      };
    default: {
      // `resource-name`: the kind is the positional whose spec says `kind` (`get components a b <TAB>`).
      const kind = hint === 'resource-name' ? kindArg : hint.slice('resource-name:'.length);
      if (kind === undefined || kind === '') return { candidates: [], directive: Directive.NoFileComp };
      return {
        candidates: filter(
          (await source.resourceNames(kind)).map((value) => ({ value })),
          cur,
        ),
        directive: Directive.NoFileComp,
      };
    }
  }
}

export async function complete(
  root: CommandSpec,
  words: readonly string[],
  source: DynamicSource,
): Promise<CompletionResult> {
  const all = words.length === 0 ? [''] : words;
  const cur = all[all.length - 1] as string;
  const { spec, positionals, pendingFlag } = walk(root, all);
  const kindIndex = (spec.args ?? []).findIndex((a) => a.complete === 'kind');
  const kindArg = kindIndex === -1 ? positionals[positionals.length - 1] : positionals[kindIndex];
  if (pendingFlag !== undefined) {
    return fromHint(pendingFlag.complete, pendingFlag.choices, cur, kindArg, source);
  }
  if (cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(0, cur.indexOf('='));
    const flag = findFlag(spec, name);
    if (flag === undefined || !takesValue(flag)) return { candidates: [], directive: Directive.NoFileComp };
    const r = await fromHint(flag.complete, flag.choices, cur.slice(name.length + 1), kindArg, source);
    return { ...r, candidates: r.candidates.map((c) => ({ ...c, value: `${name}=${c.value}` })) };
  }
  if (cur.startsWith('-')) {
    const flags = flagsOf(spec)
      .filter((f) => !f.hidden)
      .map((f) => ({ value: `--${f.name}`, description: f.description }));
    return {
      candidates: filter([...flags, { value: '--help', description: 'Help for this command' }], cur),
      directive: Directive.NoFileComp,
    };
  }
  const out: Candidate[] = [];
  if (positionals.length === 0 && spec.subcommands !== undefined) {
    out.push(
      ...filter(
        spec.subcommands.filter((s) => !s.hidden).map((s) => ({ value: s.name, description: s.summary })),
        cur,
      ),
    );
  }
  const args = spec.args ?? [];
  const arg =
    args[positionals.length] ?? (args[args.length - 1]?.variadic ? args[args.length - 1] : undefined);
  if (arg !== undefined) {
    const r = await fromHint(arg.complete, arg.choices, cur, kindArg, source);
    return { candidates: [...out, ...r.candidates], directive: r.directive };
  }
  return { candidates: out, directive: Directive.NoFileComp };
}

/** Wire format of `__complete`: `value\tdescription` lines, then `:<directive>`. */
export function formatCompletion(result: CompletionResult, descriptions = true): string {
  const lines = result.candidates.map((c) =>
    descriptions && c.description ? `${c.value}\t${c.description}` : c.value,
  );
  return `${[...lines, `:${result.directive}`].join('\n')}\n`;
}
