/**
 * Health of data-plane objects (reference §2.1 "Release", health functions) and the Release's Ready condition
 * derived from them. Pure: fixture objects in, a verdict out.
 */
import type { KubeObject } from '../../kube/client.js';
import type { ReadyInput } from '../shared.js';

export type Health = 'Unknown' | 'Progressing' | 'Healthy' | 'Suspended' | 'Degraded';

interface Cond {
  type?: string;
  status?: string;
  reason?: string;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function cond(status: { conditions?: Cond[] } | undefined, type: string): Cond | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** A generation the controller has not observed yet (or has never observed anything). */
function unobserved(obj: KubeObject, status: { observedGeneration?: number }): boolean {
  const observed = num(status.observedGeneration);
  return observed === 0 || num(obj.metadata?.generation) > observed;
}

export function deploymentHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as { paused?: boolean; replicas?: number };
  const status = (obj.status ?? {}) as {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Cond[];
  };
  const desired = spec.replicas ?? 1;
  if (spec.paused || desired === 0) return 'Suspended';
  if (unobserved(obj, status)) return 'Progressing';
  const progressing = cond(status, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return 'Degraded';
  if (cond(status, 'ReplicaFailure')?.status === 'True') return 'Degraded';
  const updated = num(status.updatedReplicas);
  const ready = num(status.readyReplicas);
  const available = num(status.availableReplicas);
  const unavailable = num(status.unavailableReplicas);
  if (desired === updated && available === 0 && desired > 0) {
    return progressing?.status === 'True' ? 'Progressing' : 'Degraded';
  }
  if (cond(status, 'Available')?.status !== 'True' && unavailable > 0 && (ready > 0 || available > 0)) {
    return 'Degraded';
  }
  if (desired === updated && updated === ready && ready === available && unavailable === 0) return 'Healthy';
  return 'Progressing';
}

export function statefulSetHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as { replicas?: number };
  const status = (obj.status ?? {}) as {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
  if (unobserved(obj, status)) return 'Progressing';
  if (status.currentRevision !== status.updateRevision) return 'Progressing';
  const desired = spec.replicas ?? 1;
  const counts = [
    status.replicas,
    status.readyReplicas,
    status.currentReplicas,
    status.updatedReplicas,
    status.availableReplicas,
  ];
  return counts.every((c) => num(c) === desired) ? 'Healthy' : 'Progressing';
}

const POD_FAILURES = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull']);

export function podHealth(obj: KubeObject): Health {
  const status = (obj.status ?? {}) as {
    phase?: string;
    containerStatuses?: { ready?: boolean; state?: { waiting?: { reason?: string } } }[];
  };
  switch (status.phase) {
    case 'Pending':
      return 'Progressing';
    case 'Running': {
      const containers = status.containerStatuses ?? [];
      if (containers.some((c) => POD_FAILURES.has(c.state?.waiting?.reason ?? ''))) return 'Degraded';
      return containers.every((c) => c.ready) ? 'Healthy' : 'Progressing';
    }
    case 'Succeeded':
      return 'Healthy';
    case 'Failed':
      return 'Degraded';
    default:
      return 'Unknown';
  }
}

export function cronJobHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as { suspend?: boolean };
  const status = (obj.status ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
  if (spec.suspend) return 'Suspended';
  if ((status.active ?? []).length > 0) return 'Progressing';
  // Scheduled and waiting for its first run (an hourly or nightly task just deployed) is as healthy as it gets
  // until then: Progressing would keep its component un-Ready for hours.
  return 'Healthy';
}

/** Not in upstream's list: suspended, failed, complete, or still running. */
export function jobHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as { suspend?: boolean };
  const status = (obj.status ?? {}) as { conditions?: Cond[] };
  if (spec.suspend) return 'Suspended';
  if (cond(status, 'Failed')?.status === 'True') return 'Degraded';
  if (cond(status, 'Complete')?.status === 'True') return 'Healthy';
  return 'Progressing';
}

/** Health of a live object (undefined: not found, Unknown). Kinds without a health function are Healthy. */
export function healthOf(obj: KubeObject | undefined): Health {
  if (!obj) return 'Unknown';
  const group = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/')[0] : '';
  switch (`${group}/${obj.kind}`) {
    case 'apps/Deployment':
      return deploymentHealth(obj);
    case 'apps/StatefulSet':
      return statefulSetHealth(obj);
    case '/Pod':
      return podHealth(obj);
    case 'batch/CronJob':
      return cronJobHealth(obj);
    case 'batch/Job':
      return jobHealth(obj);
    default:
      return 'Healthy';
  }
}

/** `1/3 progressing, 2/3 healthy`: parts with a zero count are left out; Unknown counts as progressing. */
export function healthSummary(healths: readonly Health[]): string {
  const n = healths.length;
  const count = (...hs: Health[]) => healths.filter((h) => hs.includes(h)).length;
  const parts: [number, string][] = [
    [count('Progressing', 'Unknown'), 'progressing'],
    [count('Degraded'), 'degraded'],
    [count('Healthy'), 'healthy'],
    [count('Suspended'), 'suspended'],
  ];
  return parts
    .filter(([c]) => c > 0)
    .map(([c, what]) => `${c}/${n} ${what}`)
    .join(', ');
}

/**
 * Ready from the health of every resource: True `ResourcesHealthy` when all are healthy; otherwise False with
 * `ResourcesProgressing` (anything progressing or unknown), else `ResourcesDegraded`, else `ResourcesSuspended`.
 */
export function healthReadiness(healths: readonly Health[]): ReadyInput {
  if (healths.length === 0) {
    return { status: 'True', reason: 'ResourcesHealthy', message: 'no resources to deploy' };
  }
  const summary = healthSummary(healths);
  if (healths.every((h) => h === 'Healthy')) {
    return { status: 'True', reason: 'ResourcesHealthy', message: summary };
  }
  const reason = healths.some((h) => h === 'Progressing' || h === 'Unknown')
    ? 'ResourcesProgressing'
    : healths.some((h) => h === 'Degraded')
      ? 'ResourcesDegraded'
      : 'ResourcesSuspended';
  return { status: 'False', reason, message: summary };
}

/** Whether the Release should be looked at again soon (progressingInterval) rather than after interval. */
export function needsAttention(healths: readonly Health[]): boolean {
  return healths.some((h) => h === 'Progressing' || h === 'Unknown' || h === 'Degraded');
}

interface PodCond {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * Why a workload's pods do not run, from their PodScheduled condition (the scheduler's own words):
 * `pod web-5d9c-x2k: 0/3 nodes are available: 3 Insufficient cpu.`; undefined when every pod is scheduled.
 */
export function unschedulableMessage(pods: readonly KubeObject[]): string | undefined {
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const conds = ((pod.status ?? {}) as { conditions?: PodCond[] }).conditions ?? [];
    const scheduled = conds.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return `pod ${pod.metadata?.name}: ${scheduled.message ?? 'no node fits it'}`;
    }
  }
  return undefined;
}
