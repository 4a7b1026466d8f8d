/**
 * Pure rules of promotion along a DeploymentPipeline, shared by the promotion controller (which enforces them)
 * and the operations of src/services (which check them early and pick defaults): allowed targets, approval,
 * the default source and target of `promote`, revision names and history pruning.
 */
import type { KindSpecInput } from './refs.js';

type PipelineSpecInput = NonNullable<KindSpecInput<'DeploymentPipeline'>>;
/** One promotion target of a pipeline, as stored or as written (defaults such as requiresApproval may be absent). */
export type PipelineTarget = NonNullable<
  PipelineSpecInput['promotionPaths']
>[number]['targetEnvironmentRefs'][number];

/** A DeploymentPipeline as these rules read it: its name and its spec (the kind's own type). */
export interface NamedPipeline {
  name: string;
  spec?: PipelineSpecInput | undefined;
}

export const DEFAULT_REVISION_HISTORY = 10;

/** Targets the pipeline allows from `source`. */
export function allowedTargets(pipeline: NamedPipeline, source: string): PipelineTarget[] {
  return (
    pipeline.spec?.promotionPaths?.find((p) => p.sourceEnvironmentRef === source)?.targetEnvironmentRefs ?? []
  );
}

/** Every environment of the pipeline in order (sources before their targets). */
export function environmentsInOrder(pipeline: NamedPipeline): string[] {
  const out: string[] = [];
  for (const p of pipeline.spec?.promotionPaths ?? []) {
    for (const e of [p.sourceEnvironmentRef, ...p.targetEnvironmentRefs.map((t) => t.name)]) {
      if (!out.includes(e)) out.push(e);
    }
  }
  return out;
}

const quote = (items: readonly string[]) => items.map((i) => `"${i}"`).join(', ');

/**
 * Why the pipeline refuses source → target, or undefined when it allows it. A rollback (source == target) is
 * allowed for any environment of the pipeline.
 */
export function pathProblem(pipeline: NamedPipeline, source: string, target: string): string | undefined {
  const envs = environmentsInOrder(pipeline);
  if (source === target) {
    return envs.includes(target)
      ? undefined
      : `environment "${target}" is not on DeploymentPipeline "${pipeline.name}" (environments: ${quote(envs) || 'none'})`;
  }
  const targets = allowedTargets(pipeline, source).map((t) => t.name);
  if (targets.includes(target)) return undefined;
  return (
    `DeploymentPipeline "${pipeline.name}" does not allow promotion from "${source}" to "${target}": ` +
    (targets.length
      ? `allowed targets from "${source}": ${quote(targets)}`
      : `"${source}" has no promotion targets${envs.includes(source) ? '' : ` (it is not on the pipeline; environments: ${quote(envs) || 'none'})`}`)
  );
}

/**
 * Whether deploying to `target` from `source` needs an approval. A rollback needs one when any path into the
 * target does (same path, same rules).
 */
export function requiresApproval(pipeline: NamedPipeline, source: string, target: string): boolean {
  const needs = (t: PipelineTarget) => !!(t.requiresApproval || t.isManualApprovalRequired);
  if (source !== target) return allowedTargets(pipeline, source).some((t) => t.name === target && needs(t));
  return (pipeline.spec?.promotionPaths ?? []).some((p) =>
    p.targetEnvironmentRefs.some((t) => t.name === target && needs(t)),
  );
}

/** The environment furthest along the pipeline among `present` (environments off the pipeline come first). */
export function furthestEnvironment(pipeline: NamedPipeline, present: readonly string[]): string | undefined {
  const order = environmentsInOrder(pipeline);
  const rank = (e: string) => order.indexOf(e);
  return [...present].sort((a, b) => rank(a) - rank(b)).at(-1);
}

/**
 * The default source of a promotion: without a target, the furthest environment the component runs in; with one,
 * the furthest environment it runs in that has a path to that target. Never the target itself: going back to an
 * earlier revision of an environment is `rollback`, not `promote --to`.
 */
export function defaultSource(
  pipeline: NamedPipeline,
  present: readonly string[],
  target?: string,
): { source?: string; problem?: string } {
  if (target === undefined) {
    const source = furthestEnvironment(pipeline, present);
    return source
      ? { source }
      : { problem: 'runs in no environment yet (no ComponentRevision): nothing to promote' };
  }
  const feeders = environmentsInOrder(pipeline).filter((e) =>
    allowedTargets(pipeline, e).some((t) => t.name === target),
  );
  const source = furthestEnvironment(
    pipeline,
    present.filter((e) => feeders.includes(e)),
  );
  if (source) return { source };
  return {
    problem: feeders.length
      ? `runs in none of the environments that promote to "${target}" (${quote(feeders)}): promote it there first, or pass --from`
      : `no environment of DeploymentPipeline "${pipeline.name}" promotes to "${target}"`,
  };
}

/** The default target of a promotion from `source`: its only target, else an error listing the choices. */
export function defaultTarget(
  pipeline: NamedPipeline,
  source: string,
): { target?: string; problem?: string } {
  const targets = allowedTargets(pipeline, source).map((t) => t.name);
  if (targets.length === 1) return { target: targets[0] as string };
  if (targets.length === 0) {
    return {
      problem: `"${source}" is the last environment of DeploymentPipeline "${pipeline.name}": there is nothing to promote to`,
    };
  }
  return {
    problem: `DeploymentPipeline "${pipeline.name}" allows several targets from "${source}" (${quote(targets)}): choose one with --to`,
  };
}

/** Name of revision `n` of a component in an environment. */
export function revisionName(component: string, environment: string, n: number): string {
  return `${component}-${environment}-${n}`;
}

/** Revision numbers to delete so that only the newest `limit` stay. */
export function revisionsToPrune(numbers: readonly number[], limit: number): number[] {
  const sorted = [...numbers].sort((a, b) => b - a);
  return sorted.slice(Math.max(1, limit));
}
