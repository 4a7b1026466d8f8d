/**
 * A keyed work queue with client-go's semantics:
 * - a key is queued at most once (dedupe), however often it is added;
 * - a key being processed is never handed to a second worker: if it is added meanwhile, it is queued again when
 *   the first worker calls done(), so one reconcile per key is in flight at any time;
 * - FIFO order within each of two lanes: `fresh` (a primary object created, its spec changed, or deleted: work
 *   a user asked for) and `backlog` (everything else: status steps of children, roll-ups, requeues, retries,
 *   resyncs). A fresh key is served first, except that after FRESH_RUN fresh keys in a row one backlog key is,
 *   so neither lane starves. client-go has one FIFO; with one, a component applied during a big rollout waited
 *   behind every status step the rollout had queued. A key queued in the backlog and added fresh moves up;
 * - retries (addRateLimited) wait for the longer of the key's exponential backoff and an overall token bucket
 *   (client-go's default controller rate limiter: 5 ms · 2^n up to 1000 s per key, 10 qps with a burst of 100
 *   overall), so a storm of failing keys cannot hammer the apiserver; delayed adds (addAfter).
 */
export interface RateLimit {
  /** First retry delay in ms (default 5). */
  baseDelayMs: number;
  /** Longest retry delay in ms (default 300 000). */
  maxDelayMs: number;
  /** Retries per second across all keys (default 10; 0 turns the overall limit off). */
  qps: number;
  /** Retries allowed at once before `qps` applies (default 100). */
  burst: number;
}

/**
 * A token bucket: `reserve()` takes a token and says how long to wait until it is there; `tryTake()` takes one
 * only if it is there now.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  reserve(): number {
    if (this.qps <= 0) return 0;
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  tryTake(): boolean {
    if (this.qps <= 0) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }
}

export interface QueueHooks {
  onAdd?(key: string): void;
  onRetry?(key: string): void;
  onDepth?(depth: number): void;
}

/** Fresh keys served in a row, while the backlog waits, before one backlog key is. */
export const FRESH_RUN = 4;

export type Lane = 'fresh' | 'backlog';

/** A FIFO of keys with a moving head; entries whose key has left (or changed lane) are skipped when reached. */
class LaneQueue {
  private items: string[] = [];
  private head = 0;

  push(key: string): void {
    this.items.push(key);
  }

  /** The next entry for which `valid` holds, dropping the invalid ones before it. */
  shift(valid: (key: string) => boolean): string | undefined {
    while (this.head < this.items.length) {
      const key = this.items[this.head++] as string;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      if (valid(key)) return key;
    }
    return undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class WorkQueue {
  private readonly lanes: Record<Lane, LaneQueue> = { fresh: new LaneQueue(), backlog: new LaneQueue() };
  /** Keys waiting in a lane (not in flight), with their lane: an entry of another lane is stale. */
  private readonly pending = new Map<string, Lane>();
  /** Keys added while in flight: queued again by done(), in this lane. */
  private readonly dirty = new Map<string, Lane>();
  private freshRun = 0;
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private drainWaiters: (() => void)[] = [];
  private readonly limit: RateLimit;
  private readonly bucket: TokenBucket;

  constructor(
    limit: Partial<RateLimit> = {},
    private readonly hooks: QueueHooks = {},
    now: () => number = Date.now,
  ) {
    this.limit = {
      baseDelayMs: limit.baseDelayMs ?? 5,
      maxDelayMs: limit.maxDelayMs ?? 300_000,
      qps: limit.qps ?? 10,
      burst: limit.burst ?? 100,
    };
    this.bucket = new TokenBucket(this.limit.qps, this.limit.burst, now);
  }

  get length(): number {
    return this.pending.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for a delayed add (requeueAfter or backoff). */
  get delayed(): number {
    return this.timers.size;
  }

  /** Whether `key` is still to be processed: waiting in a lane, in flight, or waiting for a delayed add. */
  has(key: string): boolean {
    return this.pending.has(key) || this.processing.has(key) || this.timers.has(key);
  }

  /** Queue `key` (once); `fresh` puts it in the fresh lane, or moves it there from the backlog. */
  add(key: string, lane: Lane = 'backlog'): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      if (this.dirty.get(key) !== 'fresh') this.dirty.set(key, lane);
      this.hooks.onAdd?.(key);
      return;
    }
    const queued = this.pending.get(key);
    if (queued === 'fresh' || (queued === 'backlog' && lane === 'backlog')) return;
    this.hooks.onAdd?.(key);
    if (queued === undefined) {
      const waiter = this.waiters.shift();
      if (waiter) {
        this.processing.add(key);
        waiter(key);
        return;
      }
    }
    this.pending.set(key, lane);
    this.lanes[lane].push(key);
    this.hooks.onDepth?.(this.length);
  }

  /** Add after `ms`; an earlier pending delayed add for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Add after this key's next backoff delay (base·2^failures, capped) or the overall bucket's, the longer. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const backoff = Math.min(this.limit.maxDelayMs, this.limit.baseDelayMs * 2 ** n);
    const delay = Math.max(backoff, this.bucket.reserve());
    this.hooks.onRetry?.(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset a key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, or undefined once the queue shuts down. The caller must call done(key). */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.take();
      this.processing.add(key);
      this.hooks.onDepth?.(this.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next pending key: fresh first, one from the backlog after FRESH_RUN fresh ones while it waits. */
  private take(): string {
    const from = (lane: Lane) => this.lanes[lane].shift((k) => this.pending.get(k) === lane);
    let lane: Lane = this.freshRun >= FRESH_RUN ? 'backlog' : 'fresh';
    let key = from(lane);
    if (key === undefined) {
      lane = lane === 'fresh' ? 'backlog' : 'fresh';
      key = from(lane);
    }
    if (key === undefined) throw new Error('work queue: a pending key is in neither lane');
    this.pending.delete(key);
    this.freshRun = lane === 'fresh' ? this.freshRun + 1 : 0;
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    const lane = this.dirty.get(key);
    if (lane) {
      this.dirty.delete(key);
      this.add(key, lane);
    }
    if (this.processing.size === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /**
   * Stop handing out work: waiting getters get undefined, queued keys are dropped, timers cancelled.
   * Resolves when every in-flight key is done.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.lanes.fresh.clear();
    this.lanes.backlog.clear();
    this.pending.clear();
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
