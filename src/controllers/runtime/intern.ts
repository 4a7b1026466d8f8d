/**
 * One copy of each repeated string in the informer caches. V8's JSON.parse makes a new string for every
 * value it reads, so every cached object carries its own "development", "openchoreo.dev/v1alpha1", cell
 * namespace, field manager, condition reason and timestamp: at 300 components a heap snapshot held 100,000
 * strings of which 3.4 MB were copies (~11 KB per component). `internStrings` walks an object as it enters a
 * cache and swaps each short string value for the copy already seen.
 *
 * The table is bounded: at MAX_ENTRIES it is emptied and starts again (the strings already shared stay shared
 * in the objects that hold them). Values that are unique by nature (resourceVersion) are not entered, and
 * long ones (a script, a certificate) neither: they are seldom repeated and would only hold memory.
 */

/** Strings longer than this are left as they are. */
const MAX_LENGTH = 200;
/** Entries before the table starts again. */
const MAX_ENTRIES = 50_000;
/** Keys whose values are unique per object version: never worth an entry. */
const UNIQUE_KEYS = new Set(['resourceVersion']);
/**
 * Payloads never walked: a Secret's values (a password, a token) must not outlive the Secret in a table of
 * their own, and a ConfigMap's are seldom repeated.
 */
const PAYLOAD_KEYS = new Set(['data', 'stringData', 'binaryData']);

const table = new Map<string, string>();

/** The shared copy of `s` (entering it when it is new). */
export function intern(s: string): string {
  const seen = table.get(s);
  if (seen !== undefined) return seen;
  if (table.size >= MAX_ENTRIES) table.clear();
  table.set(s, s);
  return s;
}

/** Entries in the table now (for tests and metrics). */
export function internedCount(): number {
  return table.size;
}

function walk(value: unknown, depth: number): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'string') {
        if (v.length <= MAX_LENGTH) value[i] = intern(v);
      } else if (v !== null && typeof v === 'object') walk(v, depth + 1);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === 'string') {
      if (v.length <= MAX_LENGTH && !UNIQUE_KEYS.has(k)) obj[k] = intern(v);
    } else if (v !== null && typeof v === 'object' && !(depth === 0 && PAYLOAD_KEYS.has(k)))
      walk(v, depth + 1);
  }
}

/** Swap every short string value in `obj` (deeply, in place) for its shared copy; returns `obj`. */
export function internStrings<T>(obj: T): T {
  walk(obj, 0);
  return obj;
}
