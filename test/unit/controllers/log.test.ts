import { describe, expect, it } from 'vitest';
import { createLogger, formatLine } from '../../../src/controllers/runtime/log.js';

const at = new Date('2026-12-01T04:50:00.000Z');

describe('structured logger', () => {
  it('writes JSON lines with time, level, message and fields, dropping undefined ones', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l), now: () => at }).with({
      controller: 'project',
    });
    log.with({ key: 'acme/shop', reconcileID: 'abc123' }).info('reconciled', { duration: 1.5, x: undefined });
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      ts: '2026-12-01T04:50:00.000Z',
      level: 'info',
      msg: 'reconciled',
      controller: 'project',
      key: 'acme/shop',
      reconcileID: 'abc123',
      duration: 1.5,
    });
  });
  it('writes text as key=value pairs, quoting values with spaces', () => {
    expect(
      formatLine('text', at, 'error', 'reconcile failed', { key: 'acme/shop', error: 'no such thing' }),
    ).toBe('2026-12-01T04:50:00.000Z ERROR reconcile failed key=acme/shop error="no such thing"');
  });
  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    log.debug('every reconcile');
    log.error('a failure');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ERROR a failure');
  });
});
