/**
 * The READY column. Upstream choreoctl shows `Ready (<reason>)` / `Not Ready (<reason>: <message>)`
 * or the newest condition; kubectl-style CRD columns show just the status. We show the Ready
 * condition's status and, when it is not True, why: `True`, `False (EnvironmentNotFound)`,
 * `Unknown (Reconciling)`. No Ready condition yet → `Unknown`. A condition written for an older
 * generation (`observedGeneration < metadata.generation`) is reported as `Unknown (Stale)`.
 */

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

interface WithConditions {
  readonly metadata?: { readonly generation?: number };
  readonly status?: { readonly conditions?: readonly Condition[] };
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function readyCell(obj: WithConditions, type = 'Ready'): string {
  const cond = findCondition(obj.status?.conditions, type);
  if (cond === undefined) return 'Unknown';
  const generation = obj.metadata?.generation;
  if (
    generation !== undefined &&
    cond.observedGeneration !== undefined &&
    cond.observedGeneration < generation
  ) {
    return 'Unknown (Stale)';
  }
  if (cond.status === 'True') return 'True';
  const status = cond.status === 'False' ? 'False' : 'Unknown';
  return cond.reason ? `${status} (${cond.reason})` : status;
}
