import { describe, expect, it } from 'vitest';
import { CacheLagMemo } from '../../../src/controllers/runtime/memo.js';

describe('CacheLagMemo', () => {
  const t0 = 1_000_000;

  it('gives the written value while the cache shows what it was computed from, then lets the cache win', () => {
    const memo = new CacheLagMemo<string>();
    const mgr = {};
    memo.set(mgr, 'ns/a', '7', 'written', t0);
    expect(memo.get(mgr, 'ns/a', '7', t0 + 5)).toBe('written');
    expect(memo.get(mgr, 'ns/a', '7', t0 + 10 ** 9)).toBe('written'); // no age bound by default
    // The cache caught up (our write's resourceVersion, or anyone's newer one): the entry goes for good.
    expect(memo.get(mgr, 'ns/a', '9', t0 + 6)).toBeUndefined();
    expect(memo.get(mgr, 'ns/a', '7', t0 + 7)).toBeUndefined();
  });

  it("'' stands for an object the cache did not have", () => {
    const memo = new CacheLagMemo<string>();
    const mgr = {};
    memo.set(mgr, 'ns/new', '', 'created', t0);
    expect(memo.get(mgr, 'ns/new', '', t0 + 1)).toBe('created');
    expect(memo.get(mgr, 'ns/new', '3', t0 + 2)).toBeUndefined();
  });

  it('is scoped per manager and per key', () => {
    const memo = new CacheLagMemo<string>();
    const one = {};
    memo.set(one, 'ns/a', '7', 'mine', t0);
    expect(memo.get({}, 'ns/a', '7', t0)).toBeUndefined();
    expect(memo.get(one, 'ns/b', '7', t0)).toBeUndefined();
    expect(memo.get(one, 'ns/a', '7', t0)).toBe('mine');
  });

  it('trusts an entry for maxAgeMs at most', () => {
    const memo = new CacheLagMemo<string>({ maxAgeMs: 100 });
    const mgr = {};
    memo.set(mgr, 'k', '1', 'v', t0);
    expect(memo.get(mgr, 'k', '1', t0 + 99)).toBe('v');
    expect(memo.get(mgr, 'k', '1', t0 + 100)).toBeUndefined();
    expect(memo.get(mgr, 'k', '1', t0 + 1)).toBeUndefined(); // expired entries are gone
  });

  it('clears itself at maxEntries (entries of objects deleted before the cache caught up)', () => {
    const memo = new CacheLagMemo<number>({ maxEntries: 3 });
    const mgr = {};
    for (let i = 0; i < 3; i++) memo.set(mgr, `k${i}`, '1', i, t0);
    expect(memo.get(mgr, 'k2', '1', t0)).toBe(2);
    memo.set(mgr, 'k3', '1', 3, t0);
    expect([0, 1, 2].map((i) => memo.get(mgr, `k${i}`, '1', t0))).toEqual([undefined, undefined, undefined]);
    expect(memo.get(mgr, 'k3', '1', t0)).toBe(3);
  });
});
