/**
 * `-o` handling for resource output: parse the flag value once, then print one object or a list.
 * Pure functions (files for `*-file=` formats are read by the caller-supplied `readFile`).
 */

import { OUTPUT_FORMATS } from '../flags.js';
import {
  type CustomColumn,
  parseCustomColumns,
  parseCustomColumnsFile,
  renderCustomColumns,
} from './custom-columns.js';
import { compileTemplate, JsonPathError } from './jsonpath.js';
import { sortByJsonPath } from './sort.js';
import { type Column, renderColumns } from './table.js';
import { toYAML } from './yaml.js';

export type OutputFormat =
  | { readonly kind: 'table'; readonly wide: boolean }
  | { readonly kind: 'json' }
  | { readonly kind: 'yaml' }
  | { readonly kind: 'name' }
  | { readonly kind: 'jsonpath'; readonly template: string; readonly render: (data: unknown) => string }
  | { readonly kind: 'custom-columns'; readonly columns: readonly CustomColumn[] };

export { OUTPUT_FORMATS } from '../flags.js';

export class OutputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputFormatError';
  }
}

export function parseOutputFormat(
  value: string | undefined,
  readFile: (path: string) => string = () => {
    throw new OutputFormatError('reading template files is not supported here');
  },
): OutputFormat {
  if (value === undefined || value === '') return { kind: 'table', wide: false };
  const eq = value.indexOf('=');
  const name = eq === -1 ? value : value.slice(0, eq);
  const arg = eq === -1 ? undefined : value.slice(eq + 1);
  const need = (): string => {
    if (arg === undefined || arg === '')
      throw new OutputFormatError(`${name} format specified but no template given`);
    return arg;
  };
  try {
    switch (name) {
      case 'wide':
        return { kind: 'table', wide: true };
      case 'json':
      case 'yaml':
      case 'name':
        if (arg !== undefined) break;
        return { kind: name };
      case 'jsonpath':
      case 'jsonpath-file': {
        const template = name === 'jsonpath' ? need() : readFile(need());
        return { kind: 'jsonpath', template, render: compileTemplate(template) };
      }
      case 'custom-columns':
        return { kind: 'custom-columns', columns: parseCustomColumns(need()) };
      case 'custom-columns-file':
        return { kind: 'custom-columns', columns: parseCustomColumnsFile(readFile(need())) };
    }
  } catch (e) {
    if (e instanceof JsonPathError) throw new OutputFormatError(e.message);
    throw e;
  }
  throw new OutputFormatError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${OUTPUT_FORMATS.join(',')}`,
  );
}

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** `-o name`: `kind.group/name` (`component.openchoreo.dev/foo`; core kinds: `pod/foo`). */
export function nameOf(obj: KubeObject): string {
  const kind = (obj.kind ?? '').toLowerCase();
  const apiVersion = obj.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const name = obj.metadata?.name ?? '';
  return `${kind}${group ? `.${group}` : ''}/${name}`;
}

export interface ListObject {
  readonly apiVersion: 'v1';
  readonly kind: 'List';
  readonly items: readonly unknown[];
}

export function toList(items: readonly unknown[]): ListObject {
  return { apiVersion: 'v1', kind: 'List', items };
}

export function toJSON(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export interface PrintOptions<T> {
  /** Print a single object as itself (not wrapped in a List) for json/yaml/jsonpath. */
  readonly single?: boolean;
  /** Columns for the default/wide table. */
  readonly columns?: readonly Column<T>[];
  readonly noHeaders?: boolean;
  readonly sortBy?: string;
}

/** Renders objects in the chosen format. An empty result with a table format returns ''. */
export function printObjects<T extends KubeObject>(
  items: readonly T[],
  format: OutputFormat,
  options: PrintOptions<T> = {},
): string {
  const sorted = options.sortBy === undefined ? items : sortByJsonPath(items, options.sortBy);
  const data: unknown = options.single && sorted.length === 1 ? sorted[0] : toList(sorted);
  switch (format.kind) {
    case 'json':
      return toJSON(data);
    case 'yaml':
      return toYAML(data);
    case 'name':
      return sorted.map((o) => `${nameOf(o)}\n`).join('');
    case 'jsonpath':
      return format.render(data);
    case 'custom-columns':
      if (sorted.length === 0) return '';
      return renderCustomColumns(format.columns, sorted, { noHeaders: options.noHeaders ?? false });
    case 'table':
      if (sorted.length === 0) return '';
      return renderColumns(sorted, options.columns ?? defaultColumns<T>(), {
        wide: format.wide,
        noHeaders: options.noHeaders ?? false,
      });
  }
}

function defaultColumns<T extends KubeObject>(): Column<T>[] {
  return [{ header: 'NAME', value: (o) => o.metadata?.name ?? '' }];
}
