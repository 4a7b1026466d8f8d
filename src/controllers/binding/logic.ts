/**
 * Pure parts of the binding controllers: Ready from the health of a Release's resources, connection
 * resolution from provider ServiceBindings' status, the configuration groups a workload references, and the
 * key-order-insensitive comparison used to skip Release writes that would change nothing.
 */

import type { WorkloadTemplate } from '../../api/common.js';
import { nextCronRun } from '../../api/cron.js';
import type { Release, ServiceBinding } from '../../api/index.js';
import { dataPlaneNamespaceName } from '../../api/naming.js';
import type { EndpointAccess, ResolvedConnection } from '../../render/types.js';
import type { ReadyInput, Stored } from '../shared.js';

export type Health = 'Unknown' | 'Progressing' | 'Healthy' | 'Suspended' | 'Degraded';
export type ReleaseState = 'Active' | 'Suspend' | 'Undeploy';

/** Ready of a binding from the health of its Release's resources (reference §2.1, upstream messages). */
export function bindingReadiness(healths: readonly Health[], releaseState: ReleaseState): ReadyInput {
  const n = healths.length;
  if (n === 0) return { status: 'True', reason: 'ResourcesActive', message: 'No resources to deploy' };
  const count = (h: Health) => healths.filter((x) => x === h).length;
  const progressing = count('Progressing') + count('Unknown');
  const degraded = count('Degraded');
  const healthy = count('Healthy');
  const suspended = count('Suspended');
  if (releaseState === 'Suspend' && suspended > 0) {
    return { status: 'False', reason: 'ResourcesSuspended', message: 'Resources suspended' };
  }
  if (healthy === n) {
    return {
      status: 'True',
      reason: 'ResourcesActive',
      message: `All ${n} resources are deployed and healthy`,
    };
  }
  const parts = [
    [progressing, 'progressing'],
    [degraded, 'degraded'],
    [healthy, 'healthy'],
    [suspended, 'suspended'],
  ] as const;
  return {
    status: 'False',
    reason: progressing > 0 ? 'ResourceHealthProgressing' : 'ResourceHealthDegraded',
    message: `Resources status: ${parts
      .filter(([c]) => c > 0)
      .map(([c, w]) => `${c}/${n} ${w}`)
      .join(', ')}`,
  };
}

/** Re-reconciling for the next run's message at most this often (a task running every minute). */
const NEXT_RUN_MIN_REQUEUE_MS = 60_000;

/**
 * The next run of the first CronJob among rendered resources that is not suspended: `next run <UTC time>
 * (schedule "<cron>"[, <zone>])` for the Ready message, and when to come back (just after that run, at least
 * a minute on). Undefined without such a CronJob or for a schedule that never runs.
 */
export function nextScheduledRun(
  resources: readonly { object: { kind?: string; spec?: unknown } }[],
  now: Date,
): { text: string; inMs: number } | undefined {
  const cron = resources.find((r) => r.object.kind === 'CronJob')?.object.spec as
    | { schedule?: string; timeZone?: string; suspend?: boolean }
    | undefined;
  if (!cron?.schedule || cron.suspend) return undefined;
  const at = nextCronRun(cron.schedule, now, cron.timeZone);
  if (!at) return undefined;
  const when = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return {
    text: `next run ${when} (schedule "${cron.schedule}"${cron.timeZone ? `, ${cron.timeZone}` : ''})`,
    inMs: Math.max(NEXT_RUN_MIN_REQUEUE_MS, at.getTime() - now.getTime() + 1000),
  };
}

/**
 * The health of each desired resource as the Release reports it. A resource the Release has not reported yet,
 * or a Release whose status is of an older generation, counts as Unknown (so: progressing).
 */
export function releaseHealths(
  release: Pick<Stored<Release>, 'metadata' | 'status'> | undefined,
  desiredIds: readonly string[],
): Health[] {
  const r = release;
  const observed = r?.status?.observedGeneration;
  const stale =
    !r ||
    (observed !== undefined && r.metadata?.generation !== undefined && observed < r.metadata.generation);
  return desiredIds.map((id) => {
    if (stale) return 'Unknown';
    return r?.status?.resources?.find((x) => x.id === id)?.healthStatus ?? 'Unknown';
  });
}

/** A provider binding as the resolution reads it. */
export type ProviderBinding = Pick<Stored<ServiceBinding>, 'metadata' | 'spec' | 'status'>;

export interface ConnectionResolution {
  resolved: ResolvedConnection[];
  /** One message per connection that could not be resolved, in name order. */
  problems: string[];
}

/**
 * Resolve a workload's connections against the ServiceBindings of the same organization (reference §6.3): the
 * provider is the ServiceBinding of `params.componentName` in the same environment (and of `params.projectName`
 * when given), the access its `status.endpoints[params.endpoint].project`. Connections in sorted name order;
 * `type: external` ones are left to the renderer (their address is in the workload itself).
 */
export function resolveConnections(
  workload: WorkloadTemplate | undefined,
  environment: string,
  organization: string,
  providers: readonly ProviderBinding[],
): ConnectionResolution {
  const resolved: ResolvedConnection[] = [];
  const problems: string[] = [];
  // External (southbound) connections name their own host and ports: nothing to resolve.
  const names = Object.keys(workload?.connections ?? {})
    .filter((n) => workload?.connections?.[n]?.type !== 'external')
    .sort();
  for (const name of names) {
    const params = workload?.connections?.[name]?.params ?? {};
    const component = params.componentName;
    const endpoint = params.endpoint;
    if (!component || !endpoint) {
      problems.push(`connection "${name}": params.componentName and params.endpoint are required`);
      continue;
    }
    const candidates = providers
      .filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.spec?.owner?.componentName === component &&
          p.spec?.environment === environment &&
          (!params.projectName || p.spec?.owner?.projectName === params.projectName),
      )
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const provider = candidates[0];
    if (!provider) {
      problems.push(
        `connection "${name}": no ServiceBinding of component "${component}" in environment "${environment}"`,
      );
      continue;
    }
    const access: EndpointAccess | undefined = provider.status?.endpoints?.find(
      (e) => e.name === endpoint,
    )?.project;
    if (!access) {
      problems.push(
        `connection "${name}": endpoint "${endpoint}" of component "${component}" is not resolved in environment "${environment}" (ServiceBinding "${provider.metadata?.name}")`,
      );
      continue;
    }
    const project = provider.spec?.owner?.projectName ?? '';
    resolved.push({
      name,
      component,
      project,
      namespace: dataPlaneNamespaceName(organization, project, environment),
      endpoint,
      access,
    });
  }
  return { resolved, problems };
}

/** Components a workload connects to (for mapping provider changes to consumers). */
export function connectedComponents(workload: WorkloadTemplate | undefined): string[] {
  return Object.values(workload?.connections ?? {})
    .map((c) => c.params?.componentName ?? '')
    .filter((c) => c !== '');
}

/** Names of the configuration groups the workload's env vars reference, sorted, distinct. */
export function referencedConfigurationGroups(workload: WorkloadTemplate | undefined): string[] {
  const out = new Set<string>();
  for (const c of Object.values(workload?.containers ?? {})) {
    for (const e of c.env ?? []) {
      const name = e.valueFrom?.configurationGroupRef?.name;
      if (name) out.add(name);
    }
  }
  return [...out].sort();
}

/** JSON with object keys sorted and null/undefined members dropped (the apiserver's round trip is the same). */
export function canonical(v: unknown): string {
  return JSON.stringify(normalize(v));
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && x !== null) out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
