import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../../../src/kube/client.js';
import { RetryBackoff } from '../../../src/services/backoff.js';
import { waitBuild } from '../../../src/services/builds.js';
import { waitDeleted } from '../../../src/services/resources.js';

describe('RetryBackoff', () => {
  it('doubles from the base to the cap, takes up to half off at random, and starts over after reset', () => {
    const b = new RetryBackoff({ baseMs: 200, capMs: 5000, random: () => 0 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    b.reset();
    expect(b.next()).toBe(200);
    const jittered = new RetryBackoff({ baseMs: 200, capMs: 5000, random: () => 0.999 });
    expect(jittered.next()).toBe(100);
  });

  it('pause ends at once when the signal fires', async () => {
    const b = new RetryBackoff({ baseMs: 60_000, capMs: 60_000 });
    const ac = new AbortController();
    const p = b.pause(ac.signal);
    ac.abort();
    await expect(p).resolves.toBeUndefined();
  });
});

/** An apiserver that refuses every connection: each read fails at once, as a dropped connection does. */
function unreachable(): { kube: KubeClient; calls: () => number } {
  let n = 0;
  const fail = async () => {
    n++;
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  };
  const kube = { getOrUndefined: fail, get: fail } as Partial<KubeClient> as KubeClient;
  return { kube, calls: () => n };
}

describe('waits against an unreachable apiserver', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  // Looks at 0, 200, 600, 1400, 3000 and 6200 ms within 10 s (pauses 200 ms doubling to the 5 s cap); before the
  // backoff, waitDeleted gave up on the first failure and the REST client asked again at once, and waitBuild
  // looked again at once, thousands of times.
  it.each([
    [
      'waitDeleted',
      (kube: KubeClient, signal: AbortSignal) =>
        waitDeleted(
          kube,
          { group: '', version: 'v1', resource: 'configmaps', namespaced: true, kind: 'ConfigMap' },
          'x',
          {
            namespace: 'ns',
            signal,
          },
        ),
    ],
    ['waitBuild', (kube: KubeClient, signal: AbortSignal) => waitBuild(kube, 'acme', 'b1', signal)],
  ] as const)('%s looks again less and less often until its time runs out', async (_, wait) => {
    const { kube, calls } = unreachable();
    const ac = new AbortController();
    const done = wait(kube, ac.signal);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls()).toBe(6);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    await done;
    expect(calls()).toBe(6);
  });
});
