/**
 * `--sort-by=<jsonpath>` (kubectl's RuntimeSort): stable; numbers compare numerically, everything else
 * as strings (RFC 3339 timestamps therefore sort chronologically); items where the path finds
 * nothing sort first. Only the first result of the expression is used per item.
 */
import { findResults, JsonPathError } from './jsonpath.js';

type Key =
  | { readonly kind: 0 }
  | { readonly kind: 1; readonly n: number }
  | { readonly kind: 2; readonly s: string };

function keyOf(v: unknown): Key {
  if (v === undefined || v === null) return { kind: 0 };
  if (typeof v === 'number') return { kind: 1, n: v };
  if (typeof v === 'string') return { kind: 2, s: v };
  return { kind: 2, s: JSON.stringify(v) };
}

function cmp(a: Key, b: Key): number {
  if (a.kind !== b.kind) return a.kind - b.kind;
  if (a.kind === 1 && b.kind === 1) return a.n - b.n;
  if (a.kind === 2 && b.kind === 2) return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  return 0;
}

export function sortByJsonPath<T>(items: readonly T[], expression: string): T[] {
  const keys = items.map((item) => keyOf(findResults(expression, item)[0]));
  if (items.length > 0 && keys.every((k) => k.kind === 0)) {
    throw new JsonPathError(`couldn't find any field with path "${expression}" in the list of objects`);
  }
  return items
    .map((item, i) => ({ item, key: keys[i] as Key, i }))
    .sort((a, b) => cmp(a.key, b.key) || a.i - b.i)
    .map((x) => x.item);
}
