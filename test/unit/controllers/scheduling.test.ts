import { describe, expect, it } from 'vitest';
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
