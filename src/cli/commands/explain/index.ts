import { ExplainError, type ExplainResult, explain, renderExplain } from '../../../api/explain.js';
import { CliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineHandler } from '../../spec.js';
import type { explainSpec } from './command.js';

const MAX_DEPTH = 12;

/** kubectl explain --recursive: the field tree, names and types only, 2 spaces per level. */
export function renderRecursive(kind: string, r: ExplainResult): string {
  const head = renderExplain({ ...r, children: [] });
  const lines: string[] = [];
  const walk = (path: string, node: ExplainResult, depth: number): void => {
    for (const c of node.children) {
      lines.push(`${'  '.repeat(depth)}${c.name}\t<${c.type}>${c.required ? ' -required-' : ''}`);
      if (depth >= MAX_DEPTH) continue;
      const childPath = path ? `${path}.${c.name}` : c.name;
      const sub = explain(kind, childPath);
      if (sub.children.length > 0) walk(childPath, sub, depth + 1);
    }
  };
  walk(r.path, r, 1);
  return lines.length > 0 ? `${head}\nFIELDS:\n${lines.join('\n')}\n` : head;
}

export default defineHandler<typeof explainSpec>(async ({ factory, args, flags }) => {
  const dot = args.resource.indexOf('.');
  const kind = dot === -1 ? args.resource : args.resource.slice(0, dot);
  let path = dot === -1 ? '' : args.resource.slice(dot + 1);
  // `components.openchoreo.dev` is a kind, not a field path.
  if (path === 'openchoreo.dev' || path.startsWith('openchoreo.dev.'))
    path = path.slice('openchoreo.dev'.length + 1);
  let r: ExplainResult;
  try {
    r = explain(kind, path);
  } catch (e) {
    if (e instanceof ExplainError) throw new CliError(e.message, { reason: 'NotFound' });
    throw e;
  }
  factory.io.out(flags.recursive ? renderRecursive(kind, r) : renderExplain(r));
  return ExitCode.OK;
});
