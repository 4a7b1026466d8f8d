/** Pure logic of a DeploymentPipeline: its environments, cycle detection and the Ready condition it earns. */

import type { KindSpecInput } from '../../api/refs.js';

/** A pipeline's spec as its readers here take it (a stored one, or one as written). */
export type PipelineSpec = KindSpecInput<'DeploymentPipeline'>;

/** Every environment the pipeline names, in order of first appearance (sources before their targets). */
export function pipelineEnvironments(spec: PipelineSpec | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (e: string) => {
    if (!seen.has(e)) {
      seen.add(e);
      out.push(e);
    }
  };
  for (const p of spec?.promotionPaths ?? []) {
    add(p.sourceEnvironmentRef);
    for (const t of p.targetEnvironmentRefs) add(t.name);
  }
  return out;
}

/**
 * A cycle of the promotion graph as the list of environments walked, first one repeated at the end
 * (`['dev', 'staging', 'dev']`), or undefined. Deterministic: the search starts from environments in order of
 * appearance. A self-loop (source == target) is a cycle of length one.
 */
export function findCycle(spec: PipelineSpec | undefined): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const p of spec?.promotionPaths ?? []) {
    const list = edges.get(p.sourceEnvironmentRef) ?? [];
    for (const t of p.targetEnvironmentRefs) list.push(t.name);
    edges.set(p.sourceEnvironmentRef, list);
  }
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    color.set(n, GREY);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = color.get(m) ?? WHITE;
      if (c === GREY) return [...stack.slice(stack.indexOf(m)), m];
      if (c === WHITE) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(n, BLACK);
    return undefined;
  };
  for (const n of pipelineEnvironments(spec)) {
    if ((color.get(n) ?? WHITE) === WHITE) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return undefined;
}

export interface PipelineVerdict {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The Ready condition of a pipeline, given which environments exist. */
export function validatePipeline(
  spec: PipelineSpec | undefined,
  exists: (env: string) => boolean,
): PipelineVerdict {
  const selfTargets = (spec?.promotionPaths ?? []).filter((p) =>
    p.targetEnvironmentRefs.some((t) => t.name === p.sourceEnvironmentRef),
  );
  if (selfTargets.length > 0) {
    return {
      status: 'False',
      reason: 'InvalidPromotionPath',
      message: `a promotion path targets its own source: ${selfTargets.map((p) => `"${p.sourceEnvironmentRef}"`).join(', ')}`,
    };
  }
  const envs = pipelineEnvironments(spec);
  const missing = envs.filter((e) => !exists(e));
  if (missing.length > 0) {
    return {
      status: 'False',
      reason: 'EnvironmentNotFound',
      message: `Environment${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not found`,
    };
  }
  const cycle = findCycle(spec);
  if (cycle) {
    return {
      status: 'False',
      reason: 'CycleDetected',
      message: `the promotion paths form a cycle: ${cycle.join(' -> ')}`,
    };
  }
  return {
    status: 'True',
    reason: 'PipelineValid',
    message: envs.length
      ? `${envs.length} environment${envs.length > 1 ? 's' : ''}: ${envs.join(', ')}`
      : 'no promotion paths',
  };
}
