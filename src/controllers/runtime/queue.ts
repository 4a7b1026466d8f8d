/**
 * A keyed work queue with client-go's semantics:
 * - a key is queued at most once (dedupe), however often it is added;
 * - a key being processed is never handed to a second worker: if it is added meanwhile, it is queued again when
 *   the first worker calls done(), so one reconcile per key is in flight at any time;
 * - FIFO order, so a busy key cannot starve the others;
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

/** A token bucket: `reserve()` takes a token and says how long to wait until it is there. */
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
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

export interface QueueHooks {
  onAdd?(key: string): void;
  onRetry?(key: string): void;
  onDepth?(depth: number): void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
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
    return this.queue.length - this.head;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for a delayed add (requeueAfter or backoff). */
  get delayed(): number {
    return this.timers.size;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.hooks.onAdd?.(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
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
      const key = this.queue[this.head++] as string;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      this.hooks.onDepth?.(this.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
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
    this.queue.length = 0;
    this.head = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
