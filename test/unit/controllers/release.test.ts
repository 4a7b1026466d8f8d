import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../src/api/kinds/platform.js';
import {
  cronJobHealth,
  deploymentHealth,
  healthOf,
  healthReadiness,
  healthSummary,
  jobHealth,
  needsAttention,
  podHealth,
  statefulSetHealth,
} from '../../../src/controllers/release/health.js';
import { locate, needsSafetyNet } from '../../../src/controllers/release/index.js';
import {
  APPLIED_HASH,
  applyOrder,
  desiredObjects,
  inventoryKinds,
  parseGoDuration,
  requeueAfter,
  resourceStatuses,
  type StoredRelease,
  staleObjects,
  WELL_KNOWN_KINDS,
} from '../../../src/controllers/release/plan.js';
import type { Stored } from '../../../src/controllers/shared.js';
import type { KubeObject } from '../../../src/kube/client.js';

const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', generation },
  spec,
  status,
});

const settled = { observedGeneration: 1 };

describe('deployment health', () => {
  it('is Suspended when paused or scaled to zero', () => {
    expect(deploymentHealth(dep({ paused: true, replicas: 2 }, settled))).toBe('Suspended');
    expect(deploymentHealth(dep({ replicas: 0 }, settled))).toBe('Suspended');
  });
  it('is Progressing while the generation is not observed', () => {
    expect(deploymentHealth(dep({ replicas: 1 }, {}))).toBe('Progressing');
    expect(deploymentHealth(dep({ replicas: 1 }, { observedGeneration: 1 }, 2))).toBe('Progressing');
  });
  it('is Degraded past the progress deadline or with a replica failure', () => {
    expect(
      deploymentHealth(
        dep(
          { replicas: 1 },
          {
            ...settled,
            conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
          },
        ),
      ),
    ).toBe('Degraded');
    expect(
      deploymentHealth(
        dep({ replicas: 1 }, { ...settled, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }),
      ),
    ).toBe('Degraded');
  });
  it('with every replica updated but none available: Progressing while progressing, else Degraded', () => {
    const s = { ...settled, replicas: 2, updatedReplicas: 2, availableReplicas: 0 };
    expect(
      deploymentHealth(dep({ replicas: 2 }, { ...s, conditions: [{ type: 'Progressing', status: 'True' }] })),
    ).toBe('Progressing');
    expect(deploymentHealth(dep({ replicas: 2 }, s))).toBe('Degraded');
  });
  it('is Degraded when not Available with some replicas unavailable and some up', () => {
    const s = {
      ...settled,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
      conditions: [{ type: 'Available', status: 'False' }],
    };
    expect(deploymentHealth(dep({ replicas: 2 }, s))).toBe('Degraded');
  });
  it('is Healthy when every count matches, Progressing otherwise', () => {
    const s = { ...settled, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
    expect(deploymentHealth(dep({ replicas: 2 }, s))).toBe('Healthy');
    expect(
      deploymentHealth(dep({}, { ...settled, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 })),
    ).toBe('Healthy'); // replicas default to 1
    expect(
      deploymentHealth(
        dep(
          { replicas: 3 },
          { ...s, unavailableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
        ),
      ),
    ).toBe('Progressing');
  });
});

describe('other health functions', () => {
  const sts = (status: Record<string, unknown>, replicas = 2): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', generation: 1 },
    spec: { replicas },
    status,
  });
  it('StatefulSet: unobserved, revisions differ, all counts, partial', () => {
    expect(statefulSetHealth(sts({}))).toBe('Progressing');
    expect(statefulSetHealth(sts({ observedGeneration: 1, currentRevision: 'a', updateRevision: 'b' }))).toBe(
      'Progressing',
    );
    const all = {
      observedGeneration: 1,
      currentRevision: 'a',
      updateRevision: 'a',
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    };
    expect(statefulSetHealth(sts(all))).toBe('Healthy');
    expect(statefulSetHealth(sts({ ...all, readyReplicas: 1 }))).toBe('Progressing');
  });

  const pod = (status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    status,
  });
  it('Pod: every phase and container state', () => {
    expect(podHealth(pod({ phase: 'Pending' }))).toBe('Progressing');
    expect(podHealth(pod({ phase: 'Running', containerStatuses: [{ ready: true }] }))).toBe('Healthy');
    expect(podHealth(pod({ phase: 'Running', containerStatuses: [{ ready: true }, { ready: false }] }))).toBe(
      'Progressing',
    );
    for (const reason of ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull']) {
      expect(
        podHealth(
          pod({ phase: 'Running', containerStatuses: [{ ready: false, state: { waiting: { reason } } }] }),
        ),
      ).toBe('Degraded');
    }
    expect(podHealth(pod({ phase: 'Succeeded' }))).toBe('Healthy');
    expect(podHealth(pod({ phase: 'Failed' }))).toBe('Degraded');
    expect(podHealth(pod({}))).toBe('Unknown');
  });

  const cron = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c' },
    spec,
    status,
  });
  it('CronJob: suspended, active, scheduled, waiting for its first run', () => {
    expect(cronJobHealth(cron({ suspend: true }, {}))).toBe('Suspended');
    expect(cronJobHealth(cron({}, { active: [{ name: 'j' }] }))).toBe('Progressing');
    expect(cronJobHealth(cron({}, { lastScheduleTime: '2026-01-01T00:00:00Z' }))).toBe('Healthy');
    expect(cronJobHealth(cron({}, {}))).toBe('Healthy');
  });

  const job = (spec: Record<string, unknown>, conditions: unknown[]): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec,
    status: { conditions },
  });
  it('Job: suspended, failed, complete, running', () => {
    expect(jobHealth(job({ suspend: true }, []))).toBe('Suspended');
    expect(jobHealth(job({}, [{ type: 'Failed', status: 'True' }]))).toBe('Degraded');
    expect(jobHealth(job({}, [{ type: 'Complete', status: 'True' }]))).toBe('Healthy');
    expect(jobHealth(job({}, []))).toBe('Progressing');
  });

  it('dispatches by group and kind; anything else is Healthy once it exists, Unknown when missing', () => {
    expect(healthOf(undefined)).toBe('Unknown');
    expect(healthOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toBe('Healthy');
    expect(healthOf({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' })).toBe('Healthy');
    expect(healthOf(dep({ replicas: 0 }, {}))).toBe('Suspended');
    // A Deployment of another group is not apps/v1 Deployment.
    expect(healthOf({ apiVersion: 'example.com/v1', kind: 'Deployment' })).toBe('Healthy');
  });
});

describe('Ready from health', () => {
  it('summarises with zero parts left out (Unknown counts as progressing)', () => {
    expect(healthSummary(['Progressing', 'Healthy', 'Healthy', 'Unknown'])).toBe(
      '2/4 progressing, 2/4 healthy',
    );
    expect(healthSummary(['Degraded', 'Suspended'])).toBe('1/2 degraded, 1/2 suspended');
  });
  it('True ResourcesHealthy, else Progressing > Degraded > Suspended', () => {
    expect(healthReadiness([])).toMatchObject({ status: 'True', reason: 'ResourcesHealthy' });
    expect(healthReadiness(['Healthy', 'Healthy'])).toEqual({
      status: 'True',
      reason: 'ResourcesHealthy',
      message: '2/2 healthy',
    });
    expect(healthReadiness(['Degraded', 'Unknown', 'Healthy'])).toEqual({
      status: 'False',
      reason: 'ResourcesProgressing',
      message: '1/3 progressing, 1/3 degraded, 1/3 healthy',
    });
    expect(healthReadiness(['Degraded', 'Suspended']).reason).toBe('ResourcesDegraded');
    expect(healthReadiness(['Suspended', 'Healthy'])).toEqual({
      status: 'False',
      reason: 'ResourcesSuspended',
      message: '1/2 healthy, 1/2 suspended',
    });
  });
  it('asks for attention while anything is progressing, unknown or degraded', () => {
    expect(needsAttention(['Healthy', 'Suspended'])).toBe(false);
    for (const h of ['Progressing', 'Unknown', 'Degraded'] as const)
      expect(needsAttention(['Healthy', h])).toBe(true);
  });
});

function release(
  resources: { id: string; object: KubeObject }[],
  extra: Partial<StoredRelease> = {},
): StoredRelease {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Release',
    metadata: { name: 'web', namespace: 'acme', uid: 'u-1', generation: 3 },
    spec: { owner: { projectName: 'shop', componentName: 'web' }, environmentName: 'dev', resources },
    ...extra,
  } as StoredRelease; // a fixture: the schema's defaulted fields (intervals) are left out on purpose
}
const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('desired objects', () => {
  it('adds the ownership labels and a hash that changes with the content only', () => {
    const cm = { ...obj('v1', 'ConfigMap', 'cfg', 'cell'), data: { a: '1' } };
    const { desired, failures } = desiredObjects(release([{ id: 'cfg', object: cm }]));
    expect(failures).toEqual([]);
    const d = desired[0];
    expect(d?.object.metadata?.labels).toEqual({
      'openchoreo.dev/managed-by': 'release-controller',
      'openchoreo.dev/release-resource-id': 'cfg',
      'openchoreo.dev/release-uid': 'u-1',
      'openchoreo.dev/release-name': 'web',
      'openchoreo.dev/release-namespace': 'acme',
    });
    expect(d?.object.metadata?.annotations?.[APPLIED_HASH]).toBe(d?.hash);
    expect(d).toMatchObject({ group: '', version: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'cell' });
    // Key order does not matter; content does.
    const same = desiredObjects(
      release([{ id: 'cfg', object: { data: { a: '1' }, ...obj('v1', 'ConfigMap', 'cfg', 'cell') } }]),
    );
    expect(same.desired[0]?.hash).toBe(d?.hash);
    const other = desiredObjects(release([{ id: 'cfg', object: { ...cm, data: { a: '2' } } }]));
    expect(other.desired[0]?.hash).not.toBe(d?.hash);
  });
  it('names broken objects by their id', () => {
    const { desired, failures } = desiredObjects(release([{ id: 'x', object: { kind: 'ConfigMap' } }]));
    expect(desired).toEqual([]);
    expect(failures).toEqual([
      { what: 'resource "x"', message: 'the object needs apiVersion, kind and metadata.name' },
    ]);
  });
});

describe('apply order', () => {
  it('namespaces, config, workloads, services, route filters, routes, policies, others; stable within a rank', () => {
    const kinds = [
      'CiliumNetworkPolicy',
      'HTTPRoute',
      'Widget',
      'Service',
      'Deployment',
      'ConfigMap',
      'HTTPRouteFilter',
      'Namespace',
      'Secret',
      'CronJob',
    ];
    const sorted = applyOrder(kinds.map((kind, index) => ({ kind, index })));
    expect(sorted.map((s) => s.kind)).toEqual([
      'Namespace',
      'ConfigMap',
      'Secret',
      'Deployment',
      'CronJob',
      'Service',
      'HTTPRouteFilter',
      'HTTPRoute',
      'CiliumNetworkPolicy',
      'Widget',
    ]);
  });
});

describe('pruning', () => {
  const live = (
    apiVersion: string,
    kind: string,
    name: string,
    id: string,
    deleting = false,
  ): KubeObject => ({
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: 'cell',
      labels: { 'openchoreo.dev/release-resource-id': id },
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  });
  const { desired } = desiredObjects(
    release([
      { id: 'web-deployment', object: obj('apps/v1', 'Deployment', 'web', 'cell') },
      { id: 'cfg', object: obj('v1', 'ConfigMap', 'cfg', 'cell') },
    ]),
  );
  it('selects objects whose id left the Release or now names another object, never ones being deleted', () => {
    const stale = staleObjects(
      [
        live('apps/v1', 'Deployment', 'web', 'web-deployment'), // kept
        live('v1', 'ConfigMap', 'cfg', 'cfg'), // kept
        live('v1', 'Service', 'web', 'web-service'), // id gone
        live('v1', 'ConfigMap', 'cfg-old', 'cfg'), // renamed
        live('v1', 'Secret', 'cfg', 'cfg'), // same id, other kind
        live('v1', 'Service', 'gone', 'gone', true), // already going
      ],
      desired,
    );
    expect(stale.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Service/web',
      'ConfigMap/cfg-old',
      'Secret/cfg',
    ]);
  });
  it('takes inventory over desired ∪ recorded kinds, plus the well-known ones when asked', () => {
    const kinds = inventoryKinds(desired, [
      { group: '', version: 'v1', kind: 'Service' },
      { version: 'v1', kind: 'ConfigMap' },
    ]);
    expect(kinds.map((k) => k.kind)).toEqual(['Deployment', 'ConfigMap', 'Service']);
    const all = inventoryKinds(desired, [], WELL_KNOWN_KINDS);
    expect(all).toHaveLength(WELL_KNOWN_KINDS.length);
    expect(all.map((k) => k.kind)).toContain('CiliumNetworkPolicy');
  });
});

describe('status.resources', () => {
  const { desired } = desiredObjects(
    release([
      { id: 'd', object: obj('apps/v1', 'Deployment', 'web', 'cell') },
      { id: 'c', object: obj('v1', 'ConfigMap', 'cfg', 'cell') },
    ]),
  );
  const liveDep = {
    ...dep({ replicas: 1 }, { observedGeneration: 1 }),
    metadata: { name: 'web', namespace: 'cell', generation: 1 },
  };
  const liveMap = new Map<string, KubeObject>([['apps/Deployment/cell/web', liveDep]]);
  it('lists each desired object with its live status and health; missing ones are Unknown without a time', () => {
    const rs = resourceStatuses(desired, liveMap, undefined, 'T1');
    expect(rs).toEqual([
      {
        id: 'd',
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        name: 'web',
        namespace: 'cell',
        status: { observedGeneration: 1 },
        healthStatus: 'Progressing',
        lastObservedTime: 'T1',
      },
      { id: 'c', version: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: 'cell', healthStatus: 'Unknown' },
    ]);
    // Unchanged: the old copy and time stay.
    expect(resourceStatuses(desired, liveMap, rs, 'T2')[0]).toMatchObject({
      status: { observedGeneration: 1 },
      lastObservedTime: 'T1',
    });
  });
  it('keeps the copy of a Progressing object until its health changes (a rollout step does not rewrite the Release)', () => {
    const at = (status: Record<string, unknown>, uid = 'u1') =>
      new Map<string, KubeObject>([
        ['apps/Deployment/cell/web', { ...liveDep, metadata: { ...liveDep.metadata, uid }, status }],
      ]);
    const first = resourceStatuses(desired, at({ observedGeneration: 1 }), undefined, 'T1');
    // The Deployment controller reports replica counts: still Progressing, so nothing moves.
    const step = {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      unavailableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
    };
    expect(resourceStatuses(desired, at(step), first, 'T2')).toEqual(first);
    // Available: Healthy, a new copy and time.
    const up = {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    };
    const healthy = resourceStatuses(desired, at(up), first, 'T3');
    expect(healthy[0]).toMatchObject({ status: up, healthStatus: 'Healthy', lastObservedTime: 'T3' });
    // Healthy, unchanged: kept; Healthy with a new live status (a CronJob's last run, here a condition): copied.
    expect(resourceStatuses(desired, at(up), healthy, 'T5')).toEqual(healthy);
    const later = { ...up, conditions: [{ type: 'Available', status: 'True' }] };
    expect(resourceStatuses(desired, at(later), healthy, 'T6')[0]).toMatchObject({
      status: later,
      healthStatus: 'Healthy',
      lastObservedTime: 'T6',
    });
    // Another object under the same name (deleted and created again): a new copy though the health is the same.
    expect(resourceStatuses(desired, at(step, 'u2'), first, 'T4')[0]).toMatchObject({
      uid: 'u2',
      status: step,
      lastObservedTime: 'T4',
    });
  });
});

describe('requeue', () => {
  it('parses Go durations', () => {
    expect(parseGoDuration('10s')).toBe(10_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('0s')).toBe(0);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('ten')).toBeUndefined();
  });
  it('progressingInterval while attention is needed, interval otherwise, 0 to disable, up to 20% jitter', () => {
    const r = release([]);
    expect(requeueAfter(r, true, () => 0)).toBe(10_000);
    expect(requeueAfter(r, false, () => 0)).toBe(300_000);
    expect(requeueAfter(r, true, () => 0.999)).toBeLessThan(12_000);
    expect(requeueAfter(r, true, () => 0.5)).toBe(11_000);
    const custom = release([], {});
    custom.spec = { ...custom.spec, interval: '0s', progressingInterval: '2s' };
    expect(requeueAfter(custom, false)).toBeUndefined();
    expect(requeueAfter(custom, true, () => 0)).toBe(2000);
  });
});

describe('environment and data plane', () => {
  const r = release([]);
  const ready = (name: string, status: string): KubeObject => ({
    kind: 'DataPlane',
    metadata: { name, namespace: 'acme' },
    status: { conditions: [{ type: 'Ready', status, reason: 'X', message: 'cluster says no' }] },
  });
  // Only the fields under test.
  const env = {
    kind: 'Environment',
    metadata: { name: 'dev', namespace: 'acme' },
    spec: { dataPlaneRef: 'dp1' },
  } as unknown as Stored<Environment>;
  it('names what is missing, in the Release namespace', () => {
    const none = locate(
      r,
      () => undefined,
      () => undefined,
    );
    expect(none).toMatchObject({ ok: false, ready: { reason: 'EnvironmentNotFound' } });
    expect(!none.ok && none.ready.message).toBe('Environment "dev" not found in namespace "acme"');
    const noDp = locate(
      r,
      () => env,
      () => undefined,
    );
    expect(!noDp.ok && noDp.ready).toMatchObject({
      reason: 'DataPlaneNotFound',
      message: 'DataPlane "dp1" of Environment "dev" not found in namespace "acme"',
    });
    const notReady = locate(
      r,
      () => env,
      (n) => ready(n, 'False'),
    );
    expect(!notReady.ok && notReady.ready).toMatchObject({
      reason: 'DataPlaneNotReady',
      message: 'DataPlane "dp1" of Environment "dev" is not ready: cluster says no',
    });
    expect(
      locate(
        r,
        () => env,
        (n) => ready(n, 'True'),
      ).ok,
    ).toBe(true);
  });
  it('takes the full inventory until a pass completed for the current generation', () => {
    expect(needsSafetyNet(r)).toBe(true);
    const cond = (reason: string, observedGeneration = 3) =>
      ({
        ...r,
        status: { conditions: [{ type: 'Ready', status: 'False', reason, message: '', observedGeneration }] },
      }) as StoredRelease;
    expect(needsSafetyNet(cond('ResourcesProgressing'))).toBe(false);
    expect(needsSafetyNet(cond('ResourcesProgressing', 2))).toBe(true);
    expect(needsSafetyNet(cond('ApplyFailed'))).toBe(true);
    expect(needsSafetyNet(cond('PruneFailed'))).toBe(true);
    expect(needsSafetyNet(cond('EnvironmentNotFound'))).toBe(true);
    expect(needsSafetyNet(cond('ResourcesHealthy'))).toBe(false);
  });
});
