/**
 * The pause a wait takes before it looks again after a failed look (a dropped watch, an apiserver that does not
 * answer): 200 ms doubling to 5 s, each with up to half of it taken off at random so that many waiters (the
 * REST server's, one per client) do not retry in step. A watch that delivers an event resets it. Without it a
 * wait spun on an unreachable apiserver as fast as the connection failed.
 */
export interface RetryBackoffOptions {
  readonly baseMs?: number;
  readonly capMs?: number;
  /** 0 ≤ r < 1; Math.random by default. */
  readonly random?: () => number;
}

export class RetryBackoff {
  #failures = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;

  constructor(opts: RetryBackoffOptions = {}) {
    this.#base = opts.baseMs ?? 200;
    this.#cap = opts.capMs ?? 5000;
    this.#random = opts.random ?? Math.random;
  }

  /** The next pause in ms (and counts one more failure). */
  next(): number {
    const full = Math.min(this.#cap, this.#base * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 30);
    return Math.round(full * (1 - this.#random() / 2));
  }

  /** A look succeeded: the next failure starts from the base again. */
  reset(): void {
    this.#failures = 0;
  }

  /** Sleep the next pause; resolves (never rejects) at once when `signal` fires. */
  pause(signal: AbortSignal): Promise<void> {
    const ms = this.next();
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
