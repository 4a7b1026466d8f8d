import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readyCell } from '../../../src/cli/output/conditions.js';
import { renderColumns, renderTable } from '../../../src/cli/output/table.js';
import { alignColumns, displayWidth } from '../../../src/cli/output/tabwriter.js';

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

describe('alignColumns against cli-table3 (the layout the tables had before, measured with string-width)', () => {
  const cells = fc.array(
    fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'B', '7', '-', '.', ' ', '/', ':') }),
      fc.string({ unit: fc.constantFrom('日', '本', 'ü', 'é', 'ß', 'x') }),
      fc.string({ unit: fc.constantFrom('🚀', '✅', 'é', 'a') }),
      fc.constantFrom('\u001b[31mFalse\u001b[39m', '\u001b[32mTrue\u001b[39m', ''),
    ),
    { minLength: 3, maxLength: 3 },
  );
  it('lays out the same grid', () => {
    fc.assert(
      fc.property(fc.array(cells, { minLength: 1, maxLength: 6 }), (rows) => {
        const table = new Table({
          chars: Object.fromEntries(
            [
              'top',
              'top-mid',
              'top-left',
              'top-right',
              'bottom',
              'bottom-mid',
              'bottom-left',
              'bottom-right',
              'left',
              'left-mid',
              'mid',
              'mid-mid',
              'right',
              'right-mid',
              'middle',
            ].map((k) => [k, '']),
          ),
          style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true },
          wordWrap: false,
        });
        for (const r of rows) table.push(r);
        const expected = `${table
          .toString()
          .split('\n')
          .map((l) => l.trimEnd())
          .join('\n')}\n`;
        expect(alignColumns(rows)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
  it('measures wide characters as two columns and colour codes as none', () => {
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('\u001b[31mFalse\u001b[39m')).toBe(5);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🚀')).toBe(2);
  });
});
