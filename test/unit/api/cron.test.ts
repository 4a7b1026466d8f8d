import { describe, expect, it } from 'vitest';
import { nextCronRun } from '../../../src/api/cron.js';

const at = (iso: string) => new Date(iso);
const next = (schedule: string, from: string, tz?: string) =>
  nextCronRun(schedule, at(from), tz)?.toISOString();

describe('nextCronRun', () => {
  it('five fields: the first matching minute strictly after now', () => {
    expect(next('0 2 * * *', '2026-12-01T12:10:30Z')).toBe('2026-12-02T02:00:00.000Z');
    expect(next('0 2 * * *', '2026-12-01T01:59:59Z')).toBe('2026-12-01T02:00:00.000Z');
    expect(next('0 2 * * *', '2026-12-01T02:00:00Z')).toBe('2026-12-02T02:00:00.000Z');
    expect(next('*/15 * * * *', '2026-12-01T12:10:30Z')).toBe('2026-12-01T12:15:00.000Z');
    expect(next('5-10/2 9 * * *', '2026-12-01T09:06:00Z')).toBe('2026-12-01T09:07:00.000Z');
    expect(next('30 23 31 12 *', '2026-12-31T23:30:00Z')).toBe('2027-12-31T23:30:00.000Z');
  });
  it('names, macros, weekdays and the day-of-month OR weekday rule', () => {
    // 2026-12-01 is a Tuesday
    expect(next('0 9 * * MON-FRI', '2026-12-04T10:00:00Z')).toBe('2026-12-07T09:00:00.000Z');
    expect(next('0 0 1 JAN *', '2026-12-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@weekly', '2026-12-01T00:00:00Z')).toBe('2026-12-06T00:00:00.000Z');
    expect(next('@hourly', '2026-12-01T12:10:00Z')).toBe('2026-12-01T13:00:00.000Z');
    // both restricted: the 15th OR a Sunday, whichever comes first
    expect(next('0 0 15 * 0', '2026-12-01T00:00:00Z')).toBe('2026-12-06T00:00:00.000Z');
    expect(next('0 0 15 * ?', '2026-12-01T00:00:00Z')).toBe('2026-12-15T00:00:00.000Z');
    expect(next('@every 90s', '2026-12-01T00:00:00Z')).toBe('2026-12-01T00:01:30.000Z');
  });
  it('in a time zone: wall-clock fields there, across a daylight-saving change', () => {
    // Berlin is UTC+1 in winter, UTC+2 in summer
    expect(next('0 2 * * *', '2026-12-01T12:00:00Z', 'Europe/Berlin')).toBe('2026-12-02T01:00:00.000Z');
    expect(next('0 9 * * *', '2026-03-28T12:00:00Z', 'Europe/Berlin')).toBe('2026-03-29T07:00:00.000Z');
  });
  it('undefined for what never runs or cannot be read', () => {
    expect(nextCronRun('0 0 30 2 *', at('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(nextCronRun('61 * * * *', at('2026-01-01T00:00:00Z'))).toBeUndefined();
    expect(nextCronRun('0 0 * * *', at('2026-01-01T00:00:00Z'), 'Nowhere/Zone')).toBeUndefined();
  });
});
