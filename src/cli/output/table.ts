/**
 * kubectl-like borderless tables: Go's tabwriter layout as kubectl configures it (padding 3), every column as
 * wide as its widest cell plus 3 spaces except the last, no trailing spaces (tabwriter.ts). Cells are measured
 * by display width, so colour codes and wide characters keep columns aligned. (A table library cost ~35 ms
 * of a 200-row `get`, more than the rest of the formatting together.)
 */
import { escapeControl } from './escape.js';
import { alignColumns } from './tabwriter.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: our own colour (SGR) sequences pass through
const SGR = /(\u001b\[[0-9;]*m)/;

export interface TableOptions {
  /** Omit the header row (`--no-headers`). */
  readonly noHeaders?: boolean;
  /** Upper-case headers (default true; custom-columns keeps the user's headers). */
  readonly upperCase?: boolean;
}

/** Renders rows; an empty `rows` still prints the header (callers print "No resources found" instead). */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  // One cell is one line: the printers escape user data (escapeControl) before it gets here; as a last
  // line of defence, newlines flatten and every other control byte but our own colour codes is escaped.
  const clean = (cell: string): string => {
    const flat = cell.replace(/\r?\n/g, ' ');
    if (!flat.includes('\u001b')) return escapeControl(flat);
    return flat
      .split(SGR)
      .map((part, i) => (i % 2 === 1 ? part : escapeControl(part)))
      .join('');
  };
  const grid: string[][] = [];
  if (!options.noHeaders) {
    grid.push(headers.map((h) => clean(options.upperCase === false ? h : h.toUpperCase())));
  }
  for (const row of rows) grid.push(headers.map((_, i) => clean(row[i] ?? '')));
  return alignColumns(grid);
}

export interface Column<T> {
  readonly header: string;
  readonly value: (item: T) => string;
  /** Only shown with `-o wide`. */
  readonly wide?: boolean;
  /** Styling (colour) of the cell, applied after `value` has been escaped. */
  readonly paint?: (cell: string, item: T) => string;
}

export function renderColumns<T>(
  items: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions & { readonly wide?: boolean } = {},
): string {
  const shown = columns.filter((c) => !c.wide || options.wide);
  return renderTable(
    shown.map((c) => c.header),
    items.map((item) =>
      shown.map((c) => {
        const cell = escapeControl(c.value(item));
        return c.paint ? c.paint(cell, item) : cell;
      }),
    ),
    options,
  );
}
