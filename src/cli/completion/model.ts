/** Flattens the spec tree into the tables the bash and zsh scripts embed. */
import { KINDS } from '../kinds.js';
import type { CommandSpec, CompletionHint } from '../spec.js';
import { flagsOf, OUTPUT_FORMAT_CANDIDATES, takesValue } from './engine.js';

/** `v:<words>` static values, `f` files, `d` dirs, `dyn` ask `__complete`, `n` nothing. */
export type ScriptHint = string;

export interface ScriptNode {
  /** `choreoctl config use-context` */
  readonly path: string;
  readonly subcommands: readonly string[];
  /** word (name or alias) → child path, for all children including hidden ones. */
  readonly children: ReadonlyMap<string, string>;
  readonly flags: readonly string[];
  /** Flags that take a value, long and short forms. */
  readonly valueFlags: readonly string[];
  readonly flagHints: ReadonlyMap<string, ScriptHint>;
  /** Positional index → hint; `*` for the variadic tail. */
  readonly argHints: ReadonlyMap<string, ScriptHint>;
}

export function scriptHint(
  hint: CompletionHint | undefined,
  choices: readonly string[] | undefined,
): ScriptHint {
  if (choices !== undefined) return `v:${choices.join(' ')}`;
  switch (hint) {
    case undefined:
    case 'none':
      return 'n';
    case 'file':
      return 'f';
    case 'dir':
      return 'd';
    case 'kind':
      return `v:${KINDS.map((k) => k.plural).join(' ')}`;
    case 'output-format':
      return `v:${OUTPUT_FORMAT_CANDIDATES.map((c) => c.value).join(' ')}`;
    default:
      return 'dyn';
  }
}

export function scriptNodes(root: CommandSpec): ScriptNode[] {
  const out: ScriptNode[] = [];
  const visit = (spec: CommandSpec, path: string): void => {
    const children = new Map<string, string>();
    for (const sub of spec.subcommands ?? []) {
      for (const word of [sub.name, ...(sub.aliases ?? [])]) children.set(word, `${path} ${sub.name}`);
    }
    const flags = flagsOf(spec);
    const flagHints = new Map<string, ScriptHint>();
    const valueFlags: string[] = [];
    for (const f of flags) {
      if (!takesValue(f)) continue;
      const forms = [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])];
      valueFlags.push(...forms);
      for (const form of forms) flagHints.set(form, scriptHint(f.complete, f.choices));
    }
    const argHints = new Map<string, ScriptHint>();
    (spec.args ?? []).forEach((a, i) => {
      const h = scriptHint(a.complete, a.choices);
      argHints.set(String(i), h);
      if (a.variadic) argHints.set('*', h);
    });
    out.push({
      path,
      subcommands: (spec.subcommands ?? []).filter((s) => !s.hidden).map((s) => s.name),
      children,
      flags: [...flags.filter((f) => !f.hidden).map((f) => `--${f.name}`), '--help'],
      valueFlags,
      flagHints,
      argHints,
    });
    for (const sub of spec.subcommands ?? []) visit(sub, `${path} ${sub.name}`);
  };
  visit(root, root.name);
  return out;
}

/** Single-quoted shell word (bash and zsh). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `[key]=value` lines of an associative array literal. */
export function assocEntries(entries: Iterable<readonly [string, string]>): string {
  return [...entries].map(([k, v]) => `  [${shq(k)}]=${shq(v)}`).join('\n');
}

export interface Tables {
  readonly subs: [string, string][];
  readonly sub: [string, string][];
  readonly flags: [string, string][];
  readonly valflags: [string, string][];
  readonly flaghint: [string, string][];
  readonly arghint: [string, string][];
}

export function tables(root: CommandSpec): Tables {
  const t: Tables = { subs: [], sub: [], flags: [], valflags: [], flaghint: [], arghint: [] };
  for (const n of scriptNodes(root)) {
    if (n.subcommands.length > 0) t.subs.push([n.path, n.subcommands.join(' ')]);
    for (const [word, child] of n.children) t.sub.push([`${n.path}|${word}`, child]);
    t.flags.push([n.path, n.flags.join(' ')]);
    t.valflags.push([n.path, ` ${n.valueFlags.join(' ')} `]);
    for (const [flag, hint] of n.flagHints) t.flaghint.push([`${n.path}|${flag}`, hint]);
    for (const [idx, hint] of n.argHints) t.arghint.push([`${n.path}|${idx}`, hint]);
  }
  return t;
}
