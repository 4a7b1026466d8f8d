/**
 * kubectl-like borderless tables, rendered with cli-table3.
 *
 * kubectl uses Go's tabwriter (padding 3): every column is as wide as its widest cell plus 3 spaces,
 * except the last, which is not padded. cli-table3 with all border chars empty, padding-left 0 and
 * padding-right 3 produces the same grid; it pads the last column too, so each line is right-trimmed.
 * (cli-table3 measures with string-width, so ANSI colour and wide characters keep columns aligned.)
 */
import Table from 'cli-table3';
import { escapeControl } from './escape.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: our own colour (SGR) sequences pass through
const SGR = /(\u001b\[[0-9;]*m)/;

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

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
  const table = new Table({
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true },
    wordWrap: false,
  });
  // One cell is one line: the printers escape user data (escapeControl) before it gets here; as a last
  // line of defence, newlines flatten and every other control byte but our own colour codes is escaped.
  const clean = (cell: string): string =>
    cell
      .replace(/\r?\n/g, ' ')
      .split(SGR)
      .map((part, i) => (i % 2 === 1 ? part : escapeControl(part)))
      .join('');
  if (!options.noHeaders) {
    table.push(headers.map((h) => clean(options.upperCase === false ? h : h.toUpperCase())));
  }
  for (const row of rows) table.push(headers.map((_, i) => clean(row[i] ?? '')));
  if (table.length === 0) return '';
  return `${table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;
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
