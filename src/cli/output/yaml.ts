import { yamlLib } from '../../kube/lazy-yaml.js';

const OPTIONS = { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false } as const;

/**
 * YAML like kubectl (go-yaml): sequences not indented under their key, no line folding.
 *
 * The yaml library's document model costs ~0.1 ms per object (20-25 ms for a 200-item list, 30× JSON), so
 * plain JSON data takes a direct path when every key and string is one the library would print plain;
 * anything else (multi-line text, strings that need quotes, non-JSON values) goes through the library, whose
 * output the fast path reproduces byte for byte (a property test compares the two).
 */
export function toYAML(data: unknown): string {
  return fastYaml(data) ?? yamlLib().stringify(data, OPTIONS);
}

/** Printable ASCII: the only text the direct path prints (anything else goes through the library). */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** What YAML 1.2's core schema would read as something other than a string. */
const NOT_A_STRING =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;
/** Indicators that cannot start a plain scalar; `-`, `?` and `:` can when a non-space follows. */
const NEVER_FIRST = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

/** Whether the yaml library prints this printable-ASCII string without quotes. */
function plain(s: string): boolean {
  if (s === '' || s[0] === ' ' || s.endsWith(' ')) return false;
  const first = s[0] as string;
  if (NEVER_FIRST.has(first)) return false;
  if ((first === '-' || first === '?' || first === ':') && (s.length === 1 || s[1] === ' ')) return false;
  return !s.endsWith(':') && !s.includes(': ') && !s.includes(' #') && !NOT_A_STRING.test(s);
}

class Unsupported extends Error {}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    throw new Unsupported();
  }
  if (typeof v === 'string') return str(v);
  throw new Unsupported();
}

/** A single-line string: plain when it can be, else quoted (double, or single when it holds `"` only). */
function str(s: string): string {
  if (!PRINTABLE.test(s)) throw new Unsupported();
  if (plain(s)) return s;
  if (s.includes('"') && !s.includes("'")) return `'${s}'`;
  return JSON.stringify(s);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (isMap(v)) {
    for (const k in v) if (v[k] !== undefined) return undefined;
    return '{}';
  }
  return undefined;
}

/** `node` at `indent`, after a key (`key:`) or a sequence dash (`-`) that `out` already ends with. */
function value(out: string[], node: unknown, indent: string, afterDash: boolean): void {
  const empty = isEmptyCollection(node);
  if (empty !== undefined) {
    out.push(` ${empty}\n`);
  } else if (Array.isArray(node)) {
    // Under a key, a sequence starts on the next line at the key's indent (indentSeq: false).
    out.push(afterDash ? ' ' : '\n');
    seq(out, node, afterDash ? `${indent}  ` : indent, afterDash);
  } else if (isMap(node)) {
    if (afterDash) {
      out.push(' ');
      map(out, node, `${indent}  `, true);
    } else {
      out.push('\n');
      map(out, node, `${indent}  `, false);
    }
  } else if (typeof node === 'string' && node.includes('\n')) {
    out.push(` ${block(node, `${indent}  `)}`);
  } else {
    out.push(` ${scalar(node)}\n`);
  }
}

/**
 * A multi-line string as a literal block (`|`, or `|-` without a final newline), each line at `indent`: only
 * for printable ASCII lines without leading (first line) or trailing spaces and at most one final newline.
 */
function block(s: string, indent: string): string {
  const keep = s.endsWith('\n');
  const body = keep ? s.slice(0, -1) : s;
  const lines = body.split('\n');
  if (body.endsWith('\n') || lines[0] === '' || (lines[0] as string).startsWith(' ')) throw new Unsupported();
  for (const line of lines) {
    if (!PRINTABLE.test(line) || line.endsWith(' ')) throw new Unsupported();
  }
  return `${keep ? '|' : '|-'}\n${lines.map((l) => (l === '' ? '\n' : `${indent}${l}\n`)).join('')}`;
}

function map(out: string[], m: Record<string, unknown>, indent: string, first: boolean): void {
  let skipIndent = first;
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined) continue;
    const key = str(k);
    out.push(skipIndent ? `${key}:` : `${indent}${key}:`);
    skipIndent = false;
    value(out, v, indent, false);
  }
}

function seq(out: string[], items: readonly unknown[], indent: string, first: boolean): void {
  let skipIndent = first;
  for (const item of items) {
    if (item === undefined) throw new Unsupported();
    out.push(skipIndent ? '-' : `${indent}-`);
    skipIndent = false;
    value(out, item, indent, true);
  }
}

function fastYaml(data: unknown): string | undefined {
  if (!isMap(data) && !Array.isArray(data)) return undefined;
  const empty = isEmptyCollection(data);
  if (empty !== undefined) return `${empty}\n`;
  const out: string[] = [];
  try {
    if (Array.isArray(data)) seq(out, data, '', false);
    else map(out, data, '', false);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  return out.join('');
}
