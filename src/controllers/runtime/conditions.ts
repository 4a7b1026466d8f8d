/**
 * Status conditions as Kubernetes' meta.SetStatusCondition handles them: lastTransitionTime changes only when the
 * status flips, and a status write is needed only when type/status/reason/message/observedGeneration changed.
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/** Timestamps as Kubernetes writes them: RFC 3339, second precision. */
export function nowRfc3339(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/** A new conditions array with `input` set; the input array is not modified. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now?: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const existing = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime:
      existing && existing.status === input.status
        ? existing.lastTransitionTime
        : (input.lastTransitionTime ?? nowRfc3339(now)),
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** True when the two lists differ in anything but lastTransitionTime (order-insensitive). */
export function conditionsChanged(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return true;
  for (const c of left) {
    const o = right.find((x) => x.type === c.type);
    if (
      !o ||
      o.status !== c.status ||
      o.reason !== c.reason ||
      o.message !== c.message ||
      o.observedGeneration !== c.observedGeneration
    ) {
      return true;
    }
  }
  return false;
}
