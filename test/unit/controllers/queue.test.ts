import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src/controllers/runtime/queue.js';

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
    q.addAfter('k', 500);
    q.addAfter('k', 30);
    expect(q.delayed).toBe(1);
    expect(await q.get()).toBe('k');
    expect(Date.now() - t0).toBeLessThan(400);
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
