import { describe, expect, it } from 'vitest';
import { FRESH_RUN, TokenBucket, WorkQueue } from '../../../src/controllers/runtime/queue.js';

describe('WorkQueue', () => {
  it('dedupes keys that are queued', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key in flight to a second worker, and requeues it when done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a'); // changed while being reconciled
    expect(q.length).toBe(0);
    q.add('b');
    expect(await q.get()).toBe('b');
    q.done('b');
    q.done('a');
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('serves fresh keys before the backlog, one backlog key after each run of FRESH_RUN fresh ones', async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 3; i++) q.add(`b${i}`);
    for (let i = 0; i < FRESH_RUN + 2; i++) q.add(`f${i}`, 'fresh');
    const order: string[] = [];
    while (q.length > 0) {
      const k = (await q.get()) as string;
      order.push(k);
      q.done(k);
    }
    const fresh = Array.from({ length: FRESH_RUN + 2 }, (_, i) => `f${i}`);
    expect(order).toEqual([...fresh.slice(0, FRESH_RUN), 'b0', ...fresh.slice(FRESH_RUN), 'b1', 'b2']);
  });

  it('moves a backlog key to the fresh lane once, and keeps a fresh re-add of a key in flight fresh', async () => {
    const q = new WorkQueue();
    q.add('b0');
    q.add('x');
    q.add('b1');
    q.add('x', 'fresh');
    q.add('x'); // a later backlog add does not demote it
    expect(q.length).toBe(3);
    const first = (await q.get()) as string;
    expect(first).toBe('x');
    q.add('x', 'fresh'); // changed again while in flight
    q.add('x');
    expect(await q.get()).toBe('b0');
    q.done('b0');
    q.done('x'); // queued again, fresh: ahead of b1
    expect(await q.get()).toBe('x');
    expect(await q.get()).toBe('b1');
    expect(q.length).toBe(0);
  });

  it('has a key while it is queued, in flight, or waiting for a delayed add, and not after', async () => {
    const q = new WorkQueue();
    expect(q.has('a')).toBe(false);
    q.add('a');
    expect(q.has('a')).toBe(true);
    expect(await q.get()).toBe('a');
    expect(q.has('a')).toBe(true); // in flight
    q.done('a');
    expect(q.has('a')).toBe(false);
    q.addAfter('b', 60_000);
    expect(q.has('b')).toBe(true); // delayed
    expect(q.has('a')).toBe(false);
    await q.shutdown();
    expect(q.has('b')).toBe(false);
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
    expect(q.inFlight).toBe(1);
  });

  it('backs off exponentially per key, capped, and forgets on success', () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    expect(q.addRateLimited('k')).toBe(10);
    expect(q.addRateLimited('k')).toBe(20);
    expect(q.addRateLimited('k')).toBe(40);
    expect(q.addRateLimited('k')).toBe(50);
    expect(q.retries('k')).toBe(4);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(10);
    void q.shutdown();
  });

  it('delivers delayed adds, the earliest winning', async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter('k', 60_000);
    q.addAfter('k', 30);
    expect(q.delayed).toBe(1);
    expect(await q.get()).toBe('k');
    // Long before the later add's minute: the earlier one won (the margin is for a loaded machine).
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('is fair: a hot key does not starve others', async () => {
    const q = new WorkQueue();
    for (const k of ['hot', 'a', 'b', 'c']) q.add(k);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const k = (await q.get()) as string;
      order.push(k);
      q.done(k);
      q.add('hot');
    }
    expect(order).toEqual(['hot', 'a', 'b', 'c']);
  });

  it('shuts down: waiters get undefined, in-flight work drains', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = (await q.get()) as string;
    const waiting = q.get();
    let drained = false;
    const s = q.shutdown().then(() => {
      drained = true;
    });
    expect(await waiting).toBeUndefined();
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    q.done(k);
    await s;
    expect(drained).toBe(true);
    q.add('later');
    expect(q.length).toBe(0);
  });
});

describe('overall retry limit (token bucket)', () => {
  it("lets a burst through, then spaces retries at qps (client-go's 10 qps / burst 100 by default)", () => {
    let now = 0;
    const b = new TokenBucket(10, 100, () => now);
    for (let i = 0; i < 100; i++) expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(100);
    expect(b.reserve()).toBe(200);
    now = 1_000; // ten tokens back, two of them already promised
    expect(b.reserve()).toBe(0);
  });
  it('tryTake takes a token only when one is there, and owes nothing when refused', () => {
    let now = 0;
    const b = new TokenBucket(2, 3, () => now);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    now = 400; // 0.8 of a token back: still none
    expect(b.tryTake()).toBe(false);
    now = 500; // one
    expect([b.tryTake(), b.tryTake()]).toEqual([true, false]);
    now = 60_000; // refilled to the burst, not beyond
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(new TokenBucket(0, 0).tryTake()).toBe(true);
  });
  it('retries of many failing keys wait for the bucket, not only their own backoff', () => {
    let now = 0;
    const q = new WorkQueue({ baseDelayMs: 5, qps: 10, burst: 2 }, {}, () => now);
    expect(q.addRateLimited('a')).toBe(5);
    expect(q.addRateLimited('b')).toBe(5);
    expect(q.addRateLimited('c')).toBe(100);
    expect(q.addRateLimited('d')).toBe(200);
    now = 10_000;
    expect(q.addRateLimited('e')).toBe(5);
    void q.shutdown();
  });
  it('qps 0 turns the overall limit off', () => {
    const q = new WorkQueue({ baseDelayMs: 5, qps: 0, burst: 0 });
    for (const k of ['a', 'b', 'c']) expect(q.addRateLimited(k)).toBe(5);
    void q.shutdown();
  });
});
