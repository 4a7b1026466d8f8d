/**
 * kubectl's JSONPath template dialect (k8s.io/client-go/util/jsonpath), as used by
 * `-o jsonpath=...`, `custom-columns` and `--sort-by`.
 *
 * Template: literal text plus `{...}` actions. Inside an action:
 * - paths: `.a.b`, `$.a`, `@.a`, `['a']`, `["a.b"]`, `.*`, `[*]`, `[0]`, `[-1]`, `[1:3]`, `[::2]`,
 *   `[0,2]`, `['a','b']`, `..name` (recursive descent), filters `[?(@.type=="Ready")]`
 *   (`==`, `!=`, `<`, `>`, `<=`, `>=`, or existence `[?(@.x)]`), `$` / `@` alone;
 * - quoted text `{"\t"}` / `{'x'}` with Go escapes;
 * - `{range <path>}...{end}` iterates, with relative paths (`.x`, `@`) bound to each element.
 *
 * Output: a path's results are separated by one space; strings print raw, numbers and booleans as text,
 * objects and arrays as compact JSON, null as `null`. Missing keys print nothing by default (kubectl's
 * `--allow-missing-template-keys=true`); with `allowMissingKeys: false` they are an error.
 */

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

type Literal = { readonly t: 'literal'; readonly value: string | number | boolean | null };
type Operand = Literal | { readonly t: 'path'; readonly path: Path };

type Segment =
  | { readonly t: 'field'; readonly names: readonly string[] }
  | { readonly t: 'wildcard' }
  | { readonly t: 'recursive' }
  | { readonly t: 'index'; readonly indices: readonly number[] }
  | {
      readonly t: 'slice';
      readonly start: number | undefined;
      readonly end: number | undefined;
      readonly step: number | undefined;
    }
  | {
      readonly t: 'filter';
      readonly left: Operand;
      readonly op: string | undefined;
      readonly right: Operand | undefined;
    };

interface Path {
  readonly from: 'root' | 'current';
  readonly segments: readonly Segment[];
}

type TemplateNode =
  | { readonly t: 'text'; readonly value: string }
  | { readonly t: 'path'; readonly path: Path; readonly source: string }
  | {
      readonly t: 'range';
      readonly path: Path;
      readonly source: string;
      readonly body: readonly TemplateNode[];
    };

export interface JsonPathOptions {
  /** Default true, like kubectl get. */
  readonly allowMissingKeys?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const IDENT = /^[A-Za-z0-9_\-$/]/;

function unquote(raw: string, quote: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[++i];
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case undefined:
        throw new JsonPathError('unterminated escape in quoted string');
      default:
        if (n === quote || n === '"' || n === "'") out += n;
        else out += `\\${n}`;
    }
  }
  return out;
}

/** Reads a quoted string starting at `i` (on the quote); returns value and the index after it. */
function readQuoted(s: string, i: number): [string, number] {
  const quote = s[i] as string;
  let j = i + 1;
  while (j < s.length && s[j] !== quote) j += s[j] === '\\' ? 2 : 1;
  if (j >= s.length) throw new JsonPathError(`unterminated quoted string in "${s}"`);
  return [unquote(s.slice(i + 1, j), quote), j + 1];
}

/** Index of the bracket closing the one at `i`, skipping quotes and nesting. */
function matchBracket(s: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '"' || c === "'") {
      j = readQuoted(s, j)[1] - 1;
    } else if (c === open) {
      depth++;
    } else if (c === close) {
      depth--;
      if (depth === 0) return j;
    }
  }
  throw new JsonPathError(`unclosed ${open} in "${s}"`);
}

function parseNumber(text: string, what: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n)) throw new JsonPathError(`invalid ${what} "${text}"`);
  return n;
}

function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let j = 0; j < s.length; j++) {
    const c = s[j];
    if (c === '"' || c === "'") j = readQuoted(s, j)[1] - 1;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === sep && depth === 0) {
      parts.push(s.slice(start, j));
      start = j + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function parseOperand(text: string): Operand {
  const s = text.trim();
  if (s.startsWith('@') || s.startsWith('$') || s.startsWith('.')) return { t: 'path', path: parsePath(s) };
  if (s.startsWith('"') || s.startsWith("'")) {
    const [value, end] = readQuoted(s, 0);
    if (end !== s.length) throw new JsonPathError(`unexpected text after string in "${s}"`);
    return { t: 'literal', value };
  }
  if (s === 'true' || s === 'false') return { t: 'literal', value: s === 'true' };
  if (s === 'null' || s === 'nil') return { t: 'literal', value: null };
  const n = Number(s);
  if (s !== '' && Number.isFinite(n)) return { t: 'literal', value: n };
  throw new JsonPathError(`unrecognized filter operand "${s}"`);
}

function parseFilter(inner: string): Segment {
  // inner is the text between `[?(` and `)]`
  let depth = 0;
  for (let j = 0; j < inner.length; j++) {
    const c = inner[j] as string;
    if (c === '"' || c === "'") {
      j = readQuoted(inner, j)[1] - 1;
      continue;
    }
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    if (depth !== 0) continue;
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (inner.startsWith(op, j)) {
        return {
          t: 'filter',
          left: parseOperand(inner.slice(0, j)),
          op,
          right: parseOperand(inner.slice(j + op.length)),
        };
      }
    }
  }
  return { t: 'filter', left: parseOperand(inner), op: undefined, right: undefined };
}

function parseBracket(inner: string): Segment {
  const s = inner.trim();
  if (s === '*') return { t: 'wildcard' };
  if (s.startsWith('?')) {
    const body = s.slice(1).trim();
    if (!body.startsWith('(') || !body.endsWith(')')) throw new JsonPathError(`invalid filter "[${inner}]"`);
    return parseFilter(body.slice(1, -1));
  }
  if (s.startsWith('"') || s.startsWith("'")) {
    return {
      t: 'field',
      names: splitTopLevel(s, ',').map((p) => {
        const q = p.trim();
        const [value, end] = readQuoted(q, 0);
        if (end !== q.length) throw new JsonPathError(`invalid key list "[${inner}]"`);
        return value;
      }),
    };
  }
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length > 3) throw new JsonPathError(`invalid slice "[${inner}]"`);
    const num = (p: string | undefined): number | undefined =>
      p === undefined || p.trim() === '' ? undefined : parseNumber(p, 'slice bound');
    return { t: 'slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) };
  }
  return { t: 'index', indices: s.split(',').map((p) => parseNumber(p, 'array index')) };
}

export function parsePath(text: string): Path {
  const s = text.trim();
  let i = 0;
  let from: Path['from'] = 'current';
  if (s[0] === '$') {
    from = 'root';
    i = 1;
  } else if (s[0] === '@') {
    i = 1;
  }
  const segments: Segment[] = [];
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      if (s[i + 1] === '.') {
        segments.push({ t: 'recursive' });
        i += 2;
        if (s[i] === '[') continue;
      } else {
        i += 1;
      }
      if (s[i] === '*') {
        segments.push({ t: 'wildcard' });
        i += 1;
        continue;
      }
      let j = i;
      let name = '';
      // identifier characters, plus `\.`-escaped dots (`{.metadata.labels.kubernetes\.io/hostname}`)
      while (j < s.length) {
        if (s[j] === '\\' && j + 1 < s.length) {
          name += s[j + 1];
          j += 2;
        } else if (IDENT.test(s[j] as string)) {
          name += s[j];
          j++;
        } else {
          break;
        }
      }
      if (j === i) {
        if (i >= s.length) break; // trailing dot, e.g. `.` alone = current
        throw new JsonPathError(`unexpected "${s[i]}" in "${s}"`);
      }
      segments.push({ t: 'field', names: [name] });
      i = j;
    } else if (c === '[') {
      const close = matchBracket(s, i, '[', ']');
      segments.push(parseBracket(s.slice(i + 1, close)));
      i = close + 1;
    } else if (c !== undefined && IDENT.test(c) && segments.length === 0 && i === 0) {
      // relaxed: `metadata.name`
      let j = i;
      while (j < s.length && IDENT.test(s[j] as string)) j++;
      segments.push({ t: 'field', names: [s.slice(i, j)] });
      i = j;
    } else {
      throw new JsonPathError(`unrecognized character "${c}" in "${s}"`);
    }
  }
  return { from, segments };
}

/** Parses a full template (`{range .items[*]}{.metadata.name}{"\n"}{end}`). */
export function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { nodes: TemplateNode[]; path: Path; source: string }[] = [];
  let current = root;
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      current.push({ t: 'text', value: template.slice(i) });
      break;
    }
    if (open > i) current.push({ t: 'text', value: template.slice(i, open) });
    // find the matching `}` outside quotes and brackets
    let j = open + 1;
    let depth = 0;
    for (; j < template.length; j++) {
      const c = template[j];
      if (c === '"' || c === "'") j = readQuoted(template, j)[1] - 1;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') depth--;
      else if (c === '}' && depth === 0) break;
    }
    if (j >= template.length) throw new JsonPathError(`unclosed action in template "${template}"`);
    const action = template.slice(open + 1, j).trim();
    i = j + 1;
    if (action === 'end') {
      const frame = stack.pop();
      if (frame === undefined) throw new JsonPathError('not in range, nothing to end');
      const body = current;
      current = frame.nodes;
      current.push({ t: 'range', path: frame.path, source: frame.source, body });
    } else if (action.startsWith('range ') || action.startsWith('range\t')) {
      const source = action.slice(5).trim();
      stack.push({ nodes: current, path: parsePath(source), source });
      current = [];
    } else if (action.startsWith('"') || action.startsWith("'")) {
      const [value, end] = readQuoted(action, 0);
      if (end !== action.length) throw new JsonPathError(`unexpected text after string in "{${action}}"`);
      current.push({ t: 'text', value });
    } else if (action === '') {
      throw new JsonPathError('empty action {} in template');
    } else {
      current.push({ t: 'path', path: parsePath(action), source: action });
    }
  }
  if (stack.length > 0) throw new JsonPathError('unclosed range (missing {end})');
  return root;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class Missing extends Error {}

function children(v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

function evalSegment(values: Json[], seg: Segment, root: Json, strict: boolean): Json[] {
  const out: Json[] = [];
  switch (seg.t) {
    case 'field':
      for (const v of values) {
        for (const name of seg.names) {
          if (isObject(v) && Object.hasOwn(v, name)) out.push(v[name]);
          else if (strict) throw new Missing(`${name} is not found`);
        }
      }
      return out;
    case 'wildcard':
      for (const v of values) out.push(...children(v));
      return out;
    case 'recursive': {
      const walk = (v: Json): void => {
        out.push(v);
        for (const c of children(v)) if (typeof c === 'object' && c !== null) walk(c);
      };
      for (const v of values) walk(v);
      return out;
    }
    case 'index':
      for (const v of values) {
        if (!Array.isArray(v)) {
          if (strict) throw new Missing('not an array');
          continue;
        }
        for (const idx of seg.indices) {
          const k = idx < 0 ? v.length + idx : idx;
          if (k >= 0 && k < v.length) out.push(v[k]);
          else if (strict) throw new Missing(`array index out of bounds: index ${idx}, length ${v.length}`);
        }
      }
      return out;
    case 'slice':
      for (const v of values) {
        if (!Array.isArray(v)) continue;
        const len = v.length;
        const norm = (n: number | undefined, dflt: number): number => {
          if (n === undefined) return dflt;
          const k = n < 0 ? len + n : n;
          return Math.min(Math.max(k, 0), len);
        };
        const step = seg.step ?? 1;
        if (step <= 0) throw new JsonPathError('step must be > 0');
        for (let k = norm(seg.start, 0); k < norm(seg.end, len); k += step) out.push(v[k]);
      }
      return out;
    case 'filter':
      for (const v of values) {
        for (const item of Array.isArray(v) ? v : isObject(v) ? Object.values(v) : []) {
          if (matches(seg, item, root)) out.push(item);
        }
      }
      return out;
  }
}

function operandValues(op: Operand, current: Json, root: Json): Json[] {
  if (op.t === 'literal') return [op.value];
  try {
    return evalPath(op.path, current, root, false);
  } catch (e) {
    if (e instanceof Missing) return [];
    throw e;
  }
}

function compare(a: Json, b: Json, op: string): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '>':
        return a > b;
      case '<=':
        return a <= b;
      default:
        return a >= b;
    }
  }
  if (op === '==') return JSON.stringify(a) === JSON.stringify(b);
  if (op === '!=') return JSON.stringify(a) !== JSON.stringify(b);
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a >= b;
  }
}

function matches(seg: Extract<Segment, { t: 'filter' }>, item: Json, root: Json): boolean {
  const left = operandValues(seg.left, item, root);
  if (seg.op === undefined || seg.right === undefined)
    return left.length > 0 && left.some((v) => v !== false && v !== null);
  const right = operandValues(seg.right, item, root);
  const op = seg.op;
  return left.some((l) => right.some((r) => compare(l, r, op)));
}

function evalPath(path: Path, current: Json, root: Json, strict: boolean): Json[] {
  let values: Json[] = [path.from === 'root' ? root : current];
  let previous: Segment | undefined;
  for (const seg of path.segments) {
    // `..name` looks at every node; the ones without `name` are not "missing keys".
    values = evalSegment(values, seg, root, strict && previous?.t !== 'recursive');
    previous = seg;
  }
  return values;
}

/** Text of one result, as kubectl prints it. */
export function formatValue(v: Json): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Results of a single path expression (`.metadata.name`, `{.items[*].x}`), for custom-columns/sort-by. */
/** Parsed expressions of findResults: a table's column runs the same one for every row. */
const parsedPaths = new Map<string, { path: Path; source: string }>();

export function findResults(expression: string, data: Json, options: JsonPathOptions = {}): Json[] {
  let node = parsedPaths.get(expression);
  if (node === undefined) {
    const nodes = parseTemplate(relaxedExpression(expression));
    const first = nodes[0];
    if (nodes.length !== 1 || first === undefined || first.t !== 'path') {
      throw new JsonPathError(`expected a single JSONPath expression, got "${expression}"`);
    }
    node = first;
    parsedPaths.set(expression, node);
  }
  return runPath(node, data, data, options.allowMissingKeys ?? true);
}

function runPath(
  node: { path: Path; source: string },
  current: Json,
  root: Json,
  allowMissing: boolean,
): Json[] {
  try {
    return evalPath(node.path, current, root, !allowMissing);
  } catch (e) {
    if (e instanceof Missing)
      throw new JsonPathError(`error executing jsonpath "{${node.source}}": ${e.message}`);
    throw e;
  }
}

function execute(nodes: readonly TemplateNode[], current: Json, root: Json, allowMissing: boolean): string {
  let out = '';
  for (const node of nodes) {
    if (node.t === 'text') out += node.value;
    else if (node.t === 'path') out += runPath(node, current, root, allowMissing).map(formatValue).join(' ');
    else {
      for (const item of runPath(node, current, root, allowMissing)) {
        out += execute(node.body, item, root, allowMissing);
      }
    }
  }
  return out;
}

/** Compiles a template once; the returned function renders it against data. */
export function compileTemplate(template: string, options: JsonPathOptions = {}): (data: Json) => string {
  const nodes = parseTemplate(template);
  const allowMissing = options.allowMissingKeys ?? true;
  return (data) => execute(nodes, data, data, allowMissing);
}

export function executeTemplate(template: string, data: Json, options: JsonPathOptions = {}): string {
  return compileTemplate(template, options)(data);
}

/**
 * kubectl's RelaxedJSONPathExpression, used by custom-columns and --sort-by:
 * `.a.b`, `a.b`, `{.a.b}` all become `{.a.b}`.
 */
export function relaxedExpression(expr: string): string {
  const s = expr.trim();
  if (s === '') throw new JsonPathError('jsonpath expression cannot be empty');
  const m = /^\{?(.*?)\}?$/s.exec(s);
  let inner = (m?.[1] ?? s).trim();
  if (inner === '')
    throw new JsonPathError(
      `unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`,
    );
  if (!inner.startsWith('.') && !inner.startsWith('$') && !inner.startsWith('@') && !inner.startsWith('[')) {
    inner = `.${inner}`;
  }
  return `{${inner}}`;
}
