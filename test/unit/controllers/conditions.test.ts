import { describe, expect, it } from 'vitest';
import {
  conditionsChanged,
  findCondition,
  nowRfc3339,
  removeCondition,
  setCondition,
} from '../../../src/controllers/runtime/conditions.js';

const t1 = new Date('2026-01-01T00:00:00.123Z');
const t2 = new Date('2026-01-01T00:05:00Z');

describe('conditions', () => {
  it('formats times as Kubernetes does', () => {
    expect(nowRfc3339(t1)).toBe('2026-01-01T00:00:00Z');
  });

  it('keeps lastTransitionTime while the status does not flip', () => {
    const a = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Waiting', message: 'x', observedGeneration: 1 },
      t1,
    );
    const b = setCondition(
      a,
      { type: 'Ready', status: 'False', reason: 'Other', message: 'y', observedGeneration: 2 },
      t2,
    );
    expect(b[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(b[0]?.reason).toBe('Other');
    const c = setCondition(b, { type: 'Ready', status: 'True', reason: 'Ok', message: '' }, t2);
    expect(c[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
    expect(a).toHaveLength(1);
    expect(a[0]?.reason).toBe('Waiting');
  });

  it('detects changes other than time, in any order', () => {
    const a = setCondition(setCondition([], { type: 'A', status: 'True', reason: 'r', message: 'm' }, t1), {
      type: 'B',
      status: 'False',
      reason: 'r',
      message: 'm',
    });
    const b = [...a].reverse().map((c) => ({ ...c, lastTransitionTime: 'later' }));
    expect(conditionsChanged(a, b)).toBe(false);
    expect(
      conditionsChanged(a, setCondition(a, { type: 'A', status: 'True', reason: 'r', message: 'changed' })),
    ).toBe(true);
    expect(conditionsChanged(a, removeCondition(a, 'B'))).toBe(true);
    expect(conditionsChanged(undefined, [])).toBe(false);
    expect(findCondition(a, 'B')?.status).toBe('False');
  });
});
