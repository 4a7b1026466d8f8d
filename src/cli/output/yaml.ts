import { stringify } from 'yaml';

/** YAML like kubectl (go-yaml): sequences not indented under their key, no line folding. */
export function toYAML(data: unknown): string {
  return stringify(data, { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}
