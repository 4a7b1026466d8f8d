import { describe, expect, it } from 'vitest';
import { age, humanDuration } from '../../../src/cli/output/age.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (k8s.io/apimachinery duration.HumanDuration)', () => {
  it.each([
    [-2 * s, '<invalid>'],
    [-1999, '0s'], // int(-1.999) == -1: tolerated clock skew
    [-1 * s, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [121 * s, '2m1s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 59 * s, '10m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [3 * h + 1 * m, '3h1m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [8 * h + 30 * m, '8h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [49 * h, '2d1h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [8 * d + 5 * h, '8d'],
    [2 * y - 1 * s, '729d'],
    [2 * y, '2y'],
    [2 * y + 1 * d, '2y1d'],
    [8 * y - 1 * d, '7y364d'],
    [8 * y, '8y'],
    [12 * y + 100 * d, '12y'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('age', () => {
  it('formats from a creationTimestamp', () => {
    const now = Date.parse('2025-01-01T00:10:00Z');
    expect(age('2025-01-01T00:00:00Z', now)).toBe('10m');
    expect(age('2025-01-01T00:08:30Z', now)).toBe('90s');
  });
  it('prints <unknown> without a timestamp', () => {
    expect(age(undefined)).toBe('<unknown>');
    expect(age('')).toBe('<unknown>');
    expect(age('not a date')).toBe('<unknown>');
  });
});
