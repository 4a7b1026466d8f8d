import { describe, expect, it } from 'vitest';
import { healthOf } from '../../../src/controllers/release/health.js';
import { trimLive } from '../../../src/controllers/release/live.js';
import type { KubeObject } from '../../../src/kube/client.js';

const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'orders',
    namespace: 'dp-acme-shop-development-1a2b3c4d',
    uid: 'd1',
    generation: 2,
    labels: { 'openchoreo.dev/release-uid': 'r1' },
    annotations: { 'openchoreo.dev/applied-hash': 'h1' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'orders' } },
    template: {
      metadata: { labels: { app: 'orders' } },
      spec: {
        containers: [{ name: 'main', image: 'ghcr.io/acme/orders:1', env: [{ name: 'A', value: 'x' }] }],
      },
    },
    ...spec,
  },
  status,
});

const cronJob = (suspend: boolean, active: unknown[]): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', namespace: 'ns', uid: 'c1' },
  spec: { schedule: '0 0 * * *', suspend, jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
  status: { active },
});

describe('trimLive (what the Release engine caches of a live object)', () => {
  it('keeps metadata, status and the spec fields health and the pod check read; drops the pod template', () => {
    const live = deployment({ observedGeneration: 2, replicas: 2, availableReplicas: 1 });
    const trimmed = trimLive(structuredClone(live));
    expect(trimmed.metadata).toEqual(live.metadata);
    expect(trimmed.status).toEqual(live.status);
    expect(trimmed.spec).toEqual({ replicas: 2, selector: { matchLabels: { app: 'orders' } } });
    expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(live).length);
  });

  it('leaves every health verdict as it was', () => {
    const cases: KubeObject[] = [
      deployment({
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        readyReplicas: 2,
      }),
      deployment({ observedGeneration: 1 }),
      deployment({ observedGeneration: 2, replicas: 2, availableReplicas: 0 }, { paused: true }),
      deployment({ observedGeneration: 2 }, { replicas: 0 }),
      cronJob(true, []),
      cronJob(false, [{ name: 'run-1' }]),
      cronJob(false, []),
    ];
    for (const c of cases) expect(healthOf(trimLive(structuredClone(c)))).toBe(healthOf(c));
  });
});
