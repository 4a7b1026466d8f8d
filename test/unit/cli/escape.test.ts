import { describe, expect, it } from 'vitest';
import { renderDescribe } from '../../../src/cli/commands/describe/render.js';
import { formatError } from '../../../src/cli/errors.js';
import { formatManifestError } from '../../../src/cli/manifests.js';
import { parseCustomColumns, renderCustomColumns } from '../../../src/cli/output/custom-columns.js';
import { escapeControl, hasControl } from '../../../src/cli/output/escape.js';
import { renderColumns, renderTable } from '../../../src/cli/output/table.js';

const ESC = '\u001b';
const HOSTILE = `${ESC}[2J\r\nFAKE line\u009b31m\u202eevil\u0007\u007f`;

/** No byte that a terminal would act on: C0 (but the line ends we print), DEL, C1, bidi overrides. */
function inert(text: string): boolean {
  return !hasControl(text.replace(/\n/g, ''));
}

describe('escapeControl', () => {
  it('shows C0, DEL, C1, line separators and bidi controls as visible escapes', () => {
    expect(escapeControl(HOSTILE)).toBe('\\x1b[2J\\r\\nFAKE line\\x9b31m\\u202eevil\\x07\\x7f');
    expect(escapeControl('tab\there\u2028')).toBe('tab\\there\\u2028');
  });
  it('leaves ordinary text alone, including backslashes and non-ASCII letters', () => {
    for (const s of ['plain', 'a\\nb', 'Zürich — 東京', '']) expect(escapeControl(s)).toBe(s);
  });
  it('keepLayout keeps LF only', () => {
    expect(escapeControl('a\nb\r\nc', { keepLayout: true })).toBe('a\nb\\r\nc');
  });
});

describe('human output paths escape user strings', () => {
  it('table cells and custom columns', () => {
    const out = renderColumns([{ n: HOSTILE }], [{ header: 'NAME', value: (o: { n: string }) => o.n }]);
    expect(inert(out)).toBe(true);
    expect(out.split('\n').filter(Boolean)).toHaveLength(2);
    const cc = renderCustomColumns(parseCustomColumns('A:.metadata.annotations.a'), [
      { metadata: { annotations: { a: HOSTILE } } },
    ]);
    expect(inert(cc)).toBe(true);
    expect(cc).toContain('\\x1b[2J\\r\\nFAKE');
  });
  it('renderTable escapes what reaches it raw, but keeps our own colour codes', () => {
    const red = `${ESC}[31mFalse${ESC}[39m`;
    expect(renderTable(['a', 'b'], [[red, `x${ESC}[2Jy\rz`]], { noHeaders: true })).toBe(
      `${red}   x\\x1b[2Jy\\rz\n`,
    );
  });
  it('describe: labels, annotations, conditions, events, spec', () => {
    const out = renderDescribe({
      object: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Project',
        metadata: { name: 'p', namespace: 'o', annotations: { note: HOSTILE, [`k${ESC}`]: 'v' } },
        spec: { deploymentPipelineRef: `x\u009by` },
        status: {
          conditions: [{ type: 'Ready', status: 'False', reason: 'R', message: HOSTILE }],
        },
      },
      children: [],
      events: [{ type: 'Warning', reason: 'Bad', message: HOSTILE }],
      now: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(inert(out)).toBe(true);
    expect(out).toContain('note=\\x1b[2J\\r\\nFAKE line');
    expect(out).not.toMatch(/^FAKE/m);
  });
  it('errors and manifest errors are one line each', () => {
    const e = formatError(new Error(`components "${HOSTILE}" not found`), { json: false });
    expect(inert(e)).toBe(true);
    expect(e.split('\n')).toHaveLength(2);
    const m = formatManifestError({ source: 'f.yaml', line: 1, col: 1, message: `bad: ${HOSTILE}` });
    expect(inert(m)).toBe(true);
    // JSON errors are data: JSON escapes them itself
    expect(formatError(new Error(HOSTILE), { json: true })).not.toContain(ESC);
  });
});
