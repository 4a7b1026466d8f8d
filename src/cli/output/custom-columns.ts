/**
 * `-o custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status` and
 * `-o custom-columns-file=<file>` (kubectl's customcolumn printer).
 *
 * Improvement over kubectl: the spec is split on commas and colons *outside* brackets, parentheses and
 * quotes, so filters such as `[?(@.type=="Ready")]` and unions `[0,1]` work inside a column.
 */

import { escapeControl } from './escape.js';
import { compileTemplate, findResults, formatValue, JsonPathError, relaxedExpression } from './jsonpath.js';
import { renderTable } from './table.js';

export interface CustomColumn {
  readonly header: string;
  readonly expression: string;
}

function splitOutside(s: string, sep: string, limit = Number.POSITIVE_INFINITY): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') depth--;
    else if (c === sep && depth === 0 && parts.length < limit - 1) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.trim() === '')
    throw new JsonPathError('custom-columns format specified but no custom columns given');
  return splitOutside(spec, ',').map((part) => {
    const col = splitOutside(part, ':', 2);
    if (col.length !== 2 || col[0] === undefined || col[1] === undefined || col[0].trim() === '') {
      throw new JsonPathError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    }
    const expression = relaxedExpression(col[1]);
    compileTemplate(expression); // validate now, not per row
    return { header: col[0].trim(), expression };
  });
}

/** custom-columns-file: first line headers, second line expressions, whitespace-separated. */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length !== 2 || lines[0] === undefined || lines[1] === undefined) {
    throw new JsonPathError(
      `unexpected custom-columns file: expected 2 lines (headers, expressions), got ${lines.length}`,
    );
  }
  const headers = lines[0].trim().split(/\s+/);
  const exprs = lines[1].trim().split(/\s+/);
  if (headers.length !== exprs.length) {
    throw new JsonPathError(
      `number of headers (${headers.length}) does not match number of expressions (${exprs.length})`,
    );
  }
  return headers.map((header, i) => ({ header, expression: relaxedExpression(exprs[i] ?? '') }));
}

/** A cell: every result joined with `,`; nothing found → `<none>` (kubectl). */
export function customColumnCell(column: CustomColumn, item: unknown): string {
  const results = findResults(column.expression, item);
  if (results.length === 0) return '<none>';
  return results.map(formatValue).join(',');
}

export function renderCustomColumns(
  columns: readonly CustomColumn[],
  items: readonly unknown[],
  options: { noHeaders?: boolean } = {},
): string {
  return renderTable(
    columns.map((c) => c.header),
    items.map((item) => columns.map((c) => escapeControl(customColumnCell(c, item)))),
    { upperCase: false, noHeaders: options.noHeaders ?? false },
  );
}
