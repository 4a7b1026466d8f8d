/**
 * What a manager last wrote to an object, kept while its informer cache has not caught up with the write.
 *
 * Informer caches lag behind our own writes: a reconcile queued by some other event (a child created, a delayed
 * roll-up, a second watched kind) can still see the object as it was before our last write, find it "different"
 * from what it wants and send the very same write again: one extra write per step for every object. A memo entry
 * holds the written value and the resourceVersion the cache showed when the write was computed ('' for an object
 * the cache did not have). While the cache still shows that resourceVersion, the written value is the one to
 * compare with; once it shows anything else (our write, or a newer one by someone else), the cache is the truth
 * again and the entry goes.
 *
 * One memo per kind of write (status, applied child), scoped per manager: two managers in a process (tests, a
 * standby) do not see each other's writes. Bounded: an entry of an object deleted before its cache caught up
 * would stay, so the memo clears itself at `maxEntries` (forgetting costs at most one write each). With
 * `maxAgeMs`, an entry is trusted that long at most: a caller whose object may change behind its back without the
 * cache showing it (created and deleted by someone else before the cache saw either) looks again after that.
 */
export class CacheLagMemo<V> {
  readonly #byScope = new WeakMap<object, Map<string, { from: string; value: V; at: number }>>();

  constructor(private readonly options: { readonly maxAgeMs?: number; readonly maxEntries?: number } = {}) {}

  /** The value written to `key` while the cache still shows `live` (its resourceVersion, '' for none). */
  get(scope: object, key: string, live: string, now = Date.now()): V | undefined {
    const memo = this.#byScope.get(scope);
    const mine = memo?.get(key);
    if (!mine) return undefined;
    if (mine.from === live && now - mine.at < (this.options.maxAgeMs ?? Number.POSITIVE_INFINITY))
      return mine.value;
    memo?.delete(key);
    return undefined;
  }

  /** Record a write to `key`, computed from the cache's `from` (its resourceVersion, '' for none). */
  set(scope: object, key: string, from: string, value: V, now = Date.now()): void {
    let memo = this.#byScope.get(scope);
    if (!memo) {
      memo = new Map();
      this.#byScope.set(scope, memo);
    }
    if (memo.size >= (this.options.maxEntries ?? 20_000)) memo.clear();
    memo.set(key, { from, value, at: now });
  }
}
