/**
 * RFC 6902 JSON Patch over a parsed document (pure). Operations add, remove, replace, move, copy and test, with
 * RFC 6901 pointers (`/spec/containers/0/image`, `~1` for `/`, `~0` for `~`; `-` appends to an array). The
 * patch applies whole or not at all: the input is never modified, and a failing operation throws a PatchError
 * naming the operation (1-based), its pointer and why.
 */

export class PatchError extends Error {
  override readonly name = 'PatchError';
}

type Json = unknown;
interface Op {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

const isObj = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `/a/b~1c` → ['a', 'b/c']. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new PatchError(`"${pointer}" is not a JSON pointer (it must start with /)`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The operations of a patch document (JSON or YAML text already parsed), checked for shape. */
export function parsePatch(doc: unknown): Op[] {
  if (!Array.isArray(doc)) throw new PatchError('a JSON patch is a list of operations');
  return doc.map((o, i) => {
    const n = i + 1;
    if (!isObj(o) || typeof o.op !== 'string' || typeof o.path !== 'string')
      throw new PatchError(`operation ${n}: needs "op" and "path" (strings)`);
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(o.op))
      throw new PatchError(`operation ${n}: unknown op "${o.op}" (add, remove, replace, move, copy or test)`);
    if (['add', 'replace', 'test'].includes(o.op) && !('value' in o))
      throw new PatchError(`operation ${n} (${o.op} ${o.path}): needs "value"`);
    if (['move', 'copy'].includes(o.op) && typeof o.from !== 'string')
      throw new PatchError(`operation ${n} (${o.op} ${o.path}): needs "from"`);
    const op: Op = { op: o.op, path: o.path };
    if ('value' in o) op.value = o.value;
    if (typeof o.from === 'string') op.from = o.from;
    return op;
  });
}

function arrayIndex(arr: Json[], seg: string, forAdd: boolean, where: string): number {
  if (forAdd && seg === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) throw new PatchError(`${where}: "${seg}" is not an array index`);
  const i = Number(seg);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw new PatchError(`${where}: index ${i} is out of range (the array has ${arr.length} items)`);
  return i;
}

/** The container holding the last segment of `segs`, walking from `root`. */
function parentOf(root: Json, segs: string[], where: string): Json {
  let cur = root;
  for (const [k, seg] of segs.slice(0, -1).entries()) {
    const here = `/${segs.slice(0, k + 1).join('/')}`;
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, seg, false, where)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else throw new PatchError(`${where}: ${here} does not exist`);
  }
  if (!Array.isArray(cur) && !isObj(cur))
    throw new PatchError(`${where}: the parent is not an object or array`);
  return cur;
}

function get(root: Json, pointer: string, where: string): Json {
  let cur = root;
  for (const seg of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, seg, false, where)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else throw new PatchError(`${where}: ${pointer} does not exist`);
  }
  return cur;
}

function remove(root: Json, pointer: string, where: string): Json {
  const segs = parsePointer(pointer);
  if (segs.length === 0) throw new PatchError(`${where}: cannot remove the whole document`);
  const parent = parentOf(root, segs, where);
  const last = segs.at(-1) as string;
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false, where), 1)[0];
  const obj = parent as Record<string, Json>;
  if (!Object.hasOwn(obj, last)) throw new PatchError(`${where}: ${pointer} does not exist`);
  const old = obj[last];
  delete obj[last];
  return old;
}

/** Returns the new root (an add at `""` replaces the document). */
function add(root: Json, pointer: string, value: Json, where: string): Json {
  const segs = parsePointer(pointer);
  if (segs.length === 0) return value;
  const parent = parentOf(root, segs, where);
  const last = segs.at(-1) as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, where), 0, value);
  else (parent as Record<string, Json>)[last] = value;
  return root;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

const clone = (v: Json): Json => (v === undefined ? undefined : structuredClone(v));

/** The document with the patch applied (the input is left as it was). */
export function applyPatch(document: Json, ops: readonly Op[]): Json {
  let root = clone(document);
  ops.forEach((o, i) => {
    const where = `operation ${i + 1} (${o.op} ${o.path})`;
    switch (o.op) {
      case 'add':
        root = add(root, o.path, clone(o.value), where);
        break;
      case 'remove':
        remove(root, o.path, where);
        break;
      case 'replace':
        get(root, o.path, where);
        if (o.path === '') root = clone(o.value);
        else {
          remove(root, o.path, where);
          root = add(root, o.path, clone(o.value), where);
        }
        break;
      case 'move': {
        const from = o.from as string;
        if (o.path.startsWith(`${from}/`)) throw new PatchError(`${where}: cannot move ${from} into itself`);
        const v = remove(root, from, where);
        root = add(root, o.path, v, where);
        break;
      }
      case 'copy':
        root = add(root, o.path, clone(get(root, o.from as string, where)), where);
        break;
      case 'test': {
        const actual = get(root, o.path, where);
        if (!deepEqual(actual, o.value))
          throw new PatchError(
            `${where}: the value is ${JSON.stringify(actual)}, the patch expects ${JSON.stringify(o.value)}`,
          );
        break;
      }
    }
  });
  return root;
}
