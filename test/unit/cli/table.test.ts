import { describe, expect, it } from 'vitest';
import { readyCell } from '../../../src/cli/output/conditions.js';
import { renderColumns, renderTable } from '../../../src/cli/output/table.js';

describe('renderTable (kubectl tabwriter layout)', () => {
  it('separates columns by 3 spaces, upper-cases headers, no borders, no trailing spaces', () => {
    const out = renderTable(
      ['name', 'ready', 'age'],
      [
        ['api', 'True', '5m'],
        ['frontend-web', 'False (EnvironmentNotFound)', '10d'],
      ],
    );
    expect(out).toBe(
      [
        'NAME           READY                         AGE',
        'api            True                          5m',
        'frontend-web   False (EnvironmentNotFound)   10d',
        '',
      ].join('\n'),
    );
  });
  it('keeps empty cells aligned and supports --no-headers', () => {
    expect(renderTable(['a', 'b', 'c'], [['x', '', 'z']], { noHeaders: true })).toBe('x      z\n');
    expect(
      renderTable(
        ['a', 'b', 'c'],
        [
          ['x', '', 'z'],
          ['', 'yy', ''],
        ],
      ),
    ).toBe('A   B    C\nx        z\n    yy\n');
  });
  it('measures cells without ANSI colour codes', () => {
    const red = '\u001b[31mFalse\u001b[39m';
    const lines = renderTable(
      ['ready', 'age'],
      [
        [red, '1m'],
        ['True', '2m'],
      ],
    ).split('\n');
    expect(lines[1]).toBe(`${red}   1m`);
    expect(lines[2]).toBe('True    2m');
  });
  it('flattens newlines in cells', () => {
    expect(renderTable(['m'], [['a\nb']])).toBe('M\na b\n');
  });
  it('renders wide-only columns with -o wide', () => {
    const cols = [
      { header: 'NAME', value: (o: { n: string }) => o.n },
      { header: 'EXTRA', value: () => 'x', wide: true },
    ];
    expect(renderColumns([{ n: 'a' }], cols)).toBe('NAME\na\n');
    expect(renderColumns([{ n: 'a' }], cols, { wide: true })).toBe('NAME   EXTRA\na      x\n');
  });
});

describe('readyCell', () => {
  const withReady = (status: string, reason?: string, extra: object = {}) => ({
    status: { conditions: [{ type: 'Ready', status, ...(reason ? { reason } : {}), ...extra }] },
  });
  it('summarises the Ready condition with its reason', () => {
    expect(readyCell(withReady('True', 'Reconciled'))).toBe('True');
    expect(readyCell(withReady('False', 'EnvironmentNotFound'))).toBe('False (EnvironmentNotFound)');
    expect(readyCell(withReady('Unknown', 'Reconciling'))).toBe('Unknown (Reconciling)');
    expect(readyCell(withReady('False'))).toBe('False');
    expect(readyCell({})).toBe('Unknown');
    expect(readyCell({ status: { conditions: [{ type: 'Other', status: 'True' }] } })).toBe('Unknown');
  });
  it('flags a condition from an older generation', () => {
    expect(
      readyCell({ metadata: { generation: 3 }, ...withReady('True', 'Ok', { observedGeneration: 2 }) }),
    ).toBe('Unknown (Stale)');
  });
});
