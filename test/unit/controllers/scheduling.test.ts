import { describe, expect, it } from 'vitest';
import { schedulingCheckAfterMs } from '../../../src/controllers/release/engine.js';
import { unschedulableMessage } from '../../../src/controllers/release/health.js';

const pod = (name: string, conditions: unknown[], deleting = false) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { phase: 'Pending', conditions },
});

describe('unschedulable pods', () => {
  it('quotes the scheduler for the first pod it cannot place', () => {
    const msg = '0/3 nodes are available: 3 Insufficient cpu.';
    expect(
      unschedulableMessage([
        pod('ok', [{ type: 'PodScheduled', status: 'True' }]),
        pod('big', [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg }]),
      ]),
    ).toBe(`pod big: ${msg}`);
  });

  it('ignores scheduled and terminating pods', () => {
    expect(unschedulableMessage([pod('ok', [{ type: 'PodScheduled', status: 'True' }])])).toBeUndefined();
    expect(
      unschedulableMessage([
        pod('gone', [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }], true),
      ]),
    ).toBeUndefined();
  });
});

describe('the pod check of a Deployment stuck progressing', () => {
  it('is first due 30 s after first sight, then after twice as long each time, up to 5 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map(schedulingCheckAfterMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000,
    ]);
  });
});
