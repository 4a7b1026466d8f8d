/**
 * The pipeline section of `describe component`: the environments as a tree in pipeline order (each target under
 * its source, `[approval]` where the path into it requires one), with the revision running in each, its state
 * and image, and the open promotion requests under the environment they deploy to. Pure.
 */
import type {
  ComponentPipeline,
  EnvironmentState,
  OpenPromotion,
} from '../../../services/pipeline-status.js';
import { escapeControl } from '../../output/escape.js';
import { renderTable } from '../../output/table.js';

function stateText(e: EnvironmentState): string {
  if (!e.binding) return 'not deployed';
  if (!e.ready) return 'Unknown (not reported yet)';
  if (e.ready.status === 'True') return 'Ready';
  return `${e.ready.status === 'False' ? 'Not Ready' : 'Unknown'}${e.ready.reason ? ` (${e.ready.reason})` : ''}`;
}

function requestRow(o: OpenPromotion, pad: string): string[] {
  const what = o.from === o.to ? 'rollback' : `from ${o.from}`;
  return [
    `${pad}… ${o.name}`,
    o.revision !== undefined ? `r${o.revision}` : '',
    `${o.phase}${o.reason && o.reason !== o.phase ? ` (${o.reason})` : ''}`,
    `${what}, requested by ${o.requestedBy}`,
  ];
}

/** `Pipeline:` and the tree, as lines (none for a component without a pipeline nor environments). */
export function pipelineLines(p: ComponentPipeline): string[] {
  const head = `${'Pipeline:'.padEnd(14)}${escapeControl(p.pipeline ?? `<none> (project "${p.project}" has no DeploymentPipeline)`)}`;
  if (p.environments.length === 0) {
    return p.unreadable.length
      ? [head, `  (not shown: you may not list ${p.unreadable.join(', ')})`]
      : [head];
  }
  const byName = new Map(p.environments.map((e) => [e.environment, e]));
  const targets = new Set(p.paths.map((x) => x.to));
  const rows: string[][] = [];
  const seen = new Set<string>();
  const visit = (env: string, depth: number, approval: boolean) => {
    const e = byName.get(env);
    if (!e || seen.has(env)) return;
    seen.add(env);
    const pad = depth === 0 ? '' : `${'   '.repeat(depth - 1)}└→ `;
    rows.push([
      `${pad}${env}${approval ? ' [approval]' : ''}${e.onPipeline ? '' : ' (not on the pipeline)'}`,
      e.revision !== undefined ? `r${e.revision}` : e.binding ? '?' : '',
      stateText(e),
      e.image ?? '',
    ]);
    const under = '   '.repeat(depth + 1);
    for (const o of p.open.filter((x) => x.to === env)) rows.push(requestRow(o, under));
    for (const path of p.paths.filter((x) => x.from === env && x.to !== env)) {
      visit(path.to, depth + 1, path.requiresApproval);
    }
  };
  for (const e of p.environments) if (!targets.has(e.environment)) visit(e.environment, 0, false);
  for (const e of p.environments) visit(e.environment, 0, false);
  const table = renderTable(
    ['Environment', 'Revision', 'State', 'Image / Request'],
    rows.map((r) => r.map((c) => escapeControl(c))),
    { upperCase: false },
  );
  const gaps = p.unreadable.length ? [`  (not shown: you may not list ${p.unreadable.join(', ')})`] : [];
  return [
    head,
    ...gaps,
    ...table
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `  ${l}`),
  ];
}
