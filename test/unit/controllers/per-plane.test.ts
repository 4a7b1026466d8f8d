import { describe, expect, it } from 'vitest';
import { PerPlane, type PlaneEntry } from '../../../src/controllers/planes.js';
import type { KubeClient } from '../../../src/kube/client.js';

/** A plane's entry that records when it was stopped. */
function entry(client: KubeClient, stopped: string[], name: string): PlaneEntry & { name: string } {
  return {
    client,
    name,
    stop: async () => {
      stopped.push(name);
    },
  };
}

describe('PerPlane', () => {
  const a = {} as KubeClient;
  const b = {} as KubeClient;

  it('keeps one entry per plane for its client, and stops it when the client is rebuilt', async () => {
    const stopped: string[] = [];
    const planes = new PerPlane<PlaneEntry & { name: string }>();
    const first = await planes.forClient('p1', a, () => entry(a, stopped, 'p1@a'));
    expect(await planes.forClient('p1', a, () => entry(a, stopped, 'again'))).toBe(first);
    expect(stopped).toEqual([]);
    const second = await planes.forClient('p1', b, () => entry(b, stopped, 'p1@b'));
    expect(second.name).toBe('p1@b');
    expect(stopped).toEqual(['p1@a']);
    expect(planes.get('p1')).toBe(second);
  });

  it('stops one plane, or all', async () => {
    const stopped: string[] = [];
    const planes = new PerPlane<PlaneEntry & { name: string }>();
    for (const p of ['p1', 'p2', 'p3']) await planes.forClient(p, a, () => entry(a, stopped, p));
    await planes.stop('p2');
    expect(stopped).toEqual(['p2']);
    expect(planes.get('p2')).toBeUndefined();
    await planes.stop('missing');
    await planes.stop();
    expect(stopped.sort()).toEqual(['p1', 'p2', 'p3']);
    expect(planes.get('p1')).toBeUndefined();
  });
});
