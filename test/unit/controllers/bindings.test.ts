/** Pure parts of the instance and binding controllers and the Component roll-up. */
import { describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../../src/api/common.js';
import { dataPlaneNamespaceName } from '../../../src/api/naming.js';
import {
  desiredRelease,
  releaseFailure,
  releaseUpToDate,
  type StoredBinding,
} from '../../../src/controllers/binding/core.js';
import {
  bindingReadiness,
  canonical,
  connectedComponents,
  nextScheduledRun,
  type ProviderBinding,
  referencedConfigurationGroups,
  releaseHealths,
  resolveConnections,
} from '../../../src/controllers/binding/logic.js';
import {
  componentRollup,
  type EnvironmentEntry,
  environmentEntry,
  sortEntries,
} from '../../../src/controllers/component/index.js';
import {
  bindingUpToDate,
  COMPONENT_UID_ANNOTATION,
  componentGone,
  desiredBinding,
  firstEnvironment,
  WORKLOAD_SYNC_ANNOTATION,
  workloadTemplate,
  workloadToWrite,
  workloadVersion,
} from '../../../src/controllers/instance/logic.js';
import { PROMOTION_ANNOTATION, workloadHash } from '../../../src/controllers/promotion/stamp.js';
import type { StoredRelease } from '../../../src/controllers/release/plan.js';
import type { KubeObject } from '../../../src/kube/client.js';

const path = (s: string, ...ts: string[]) => ({
  sourceEnvironmentRef: s,
  targetEnvironmentRefs: ts.map((name) => ({ name })),
});

describe('firstEnvironment', () => {
  it('is the first source that is never a target', () => {
    expect(
      firstEnvironment({ promotionPaths: [path('development', 'staging'), path('staging', 'production')] }),
    ).toBe('development');
    // Order of the paths does not matter.
    expect(
      firstEnvironment({ promotionPaths: [path('staging', 'production'), path('dev', 'staging')] }),
    ).toBe('dev');
    expect(firstEnvironment({ promotionPaths: [path('only')] })).toBe('only');
  });
  it('is undefined without paths or when every source is a target', () => {
    expect(firstEnvironment(undefined)).toBeUndefined();
    expect(firstEnvironment({ promotionPaths: [] })).toBeUndefined();
    expect(firstEnvironment({ promotionPaths: [path('a', 'b'), path('b', 'a')] })).toBeUndefined();
  });
});

describe('bindingReadiness', () => {
  it('is active with no resources or all healthy', () => {
    expect(bindingReadiness([], 'Active')).toEqual({
      status: 'True',
      reason: 'ResourcesActive',
      message: 'No resources to deploy',
    });
    expect(bindingReadiness(['Healthy', 'Healthy'], 'Active')).toEqual({
      status: 'True',
      reason: 'ResourcesActive',
      message: 'All 2 resources are deployed and healthy',
    });
  });
  it('counts progressing (Unknown included), degraded, healthy and suspended, leaving zero parts out', () => {
    expect(bindingReadiness(['Progressing', 'Unknown', 'Healthy', 'Degraded'], 'Active')).toEqual({
      status: 'False',
      reason: 'ResourceHealthProgressing',
      message: 'Resources status: 2/4 progressing, 1/4 degraded, 1/4 healthy',
    });
    expect(bindingReadiness(['Degraded', 'Healthy', 'Suspended'], 'Active')).toEqual({
      status: 'False',
      reason: 'ResourceHealthDegraded',
      message: 'Resources status: 1/3 degraded, 1/3 healthy, 1/3 suspended',
    });
  });
  it('reports suspension only when the binding is suspended', () => {
    expect(bindingReadiness(['Suspended', 'Healthy'], 'Suspend')).toEqual({
      status: 'False',
      reason: 'ResourcesSuspended',
      message: 'Resources suspended',
    });
    expect(bindingReadiness(['Progressing', 'Healthy'], 'Suspend').reason).toBe('ResourceHealthProgressing');
  });
});

describe('releaseHealths', () => {
  // Fixtures carry only the fields under test (hence the casts to the stored types).
  const release = (generation: number, observed: number | undefined) =>
    ({
      metadata: { generation },
      status: {
        ...(observed !== undefined ? { observedGeneration: observed } : {}),
        resources: [
          { id: 'a', healthStatus: 'Healthy' },
          { id: 'b', healthStatus: 'Degraded' },
        ],
      },
    }) as unknown as StoredRelease;
  it('maps desired ids to reported health, Unknown when not reported', () => {
    expect(releaseHealths(release(2, 2), ['a', 'b', 'c'])).toEqual(['Healthy', 'Degraded', 'Unknown']);
    expect(releaseHealths(undefined, ['a'])).toEqual(['Unknown']);
  });
  it('treats a status of an older generation as unknown', () => {
    expect(releaseHealths(release(3, 2), ['a', 'b'])).toEqual(['Unknown', 'Unknown']);
  });
});

describe('releaseFailure', () => {
  const rel = (reason: string, observedGeneration = 1): KubeObject => ({
    metadata: { name: 'cart', generation: 1 },
    status: { conditions: [{ type: 'Ready', status: 'False', reason, message: 'boom', observedGeneration }] },
  });
  it('surfaces apply failures of the current generation', () => {
    expect(releaseFailure(rel('ApplyFailed'))).toEqual({
      status: 'False',
      reason: 'ReleaseFailed',
      message: 'Release "cart": ApplyFailed: boom',
    });
    expect(releaseFailure(rel('ApplyFailed', 0))).toBeUndefined();
    expect(releaseFailure(rel('ResourceHealthProgressing'))).toBeUndefined();
    expect(releaseFailure(undefined)).toBeUndefined();
  });
});

describe('resolveConnections', () => {
  const workload = {
    connections: {
      zeta: { type: 'api', params: { componentName: 'payments', endpoint: 'grpc' } },
      alpha: { type: 'api', params: { componentName: 'stock', endpoint: 'http' } },
    },
  } as unknown as WorkloadTemplate;
  const provider = (component: string, env: string, endpoints: unknown[] = []) =>
    ({
      metadata: { name: `${component}-${env}` },
      spec: { owner: { projectName: 'shop', componentName: component }, environment: env },
      status: { endpoints } as { endpoints: never[] },
    }) as unknown as ProviderBinding;
  const access = { host: 'payments-1234', port: 50051, scheme: 'grpc', uri: 'grpc://payments-1234:50051' };

  it('takes project access of the provider binding in the same environment, in name order', () => {
    const res = resolveConnections(workload, 'development', 'acme', [
      provider('payments', 'staging', [{ name: 'grpc', type: 'gRPC', project: { host: 'wrong', port: 1 } }]),
      provider('payments', 'development', [{ name: 'grpc', type: 'gRPC', project: access }]),
      provider('stock', 'development', [
        { name: 'http', type: 'HTTP', project: { host: 'stock-1', port: 80, scheme: 'http' } },
      ]),
    ]);
    expect(res.problems).toEqual([]);
    expect(res.resolved.map((c) => c.name)).toEqual(['alpha', 'zeta']);
    expect(res.resolved[1]).toEqual({
      name: 'zeta',
      component: 'payments',
      project: 'shop',
      namespace: dataPlaneNamespaceName('acme', 'shop', 'development'),
      endpoint: 'grpc',
      access,
    });
  });

  it('names a missing provider and an unresolved endpoint', () => {
    const res = resolveConnections(workload, 'development', 'acme', [
      provider('payments', 'development', []),
    ]);
    expect(res.resolved).toEqual([]);
    expect(res.problems).toEqual([
      'connection "alpha": no ServiceBinding of component "stock" in environment "development"',
      'connection "zeta": endpoint "grpc" of component "payments" is not resolved in environment "development" (ServiceBinding "payments-development")',
    ]);
  });

  it('requires componentName and endpoint, honours projectName when given', () => {
    expect(
      resolveConnections(
        { connections: { x: { type: 'api', params: {} } } } as unknown as WorkloadTemplate,
        'dev',
        'o',
        [],
      ).problems[0],
    ).toContain('params.componentName and params.endpoint are required');
    const other = resolveConnections(
      {
        connections: {
          x: { type: 'api', params: { componentName: 'payments', endpoint: 'grpc', projectName: 'bank' } },
        },
      } as unknown as WorkloadTemplate,
      'development',
      'acme',
      [provider('payments', 'development', [{ name: 'grpc', type: 'gRPC', project: access }])],
    );
    expect(other.problems).toHaveLength(1);
  });

  it('leaves external connections to the renderer (nothing to resolve, no provider named)', () => {
    const wl = {
      connections: {
        stripe: { type: 'external', host: 'api.stripe.com', ports: [443] },
        x: { type: 'api', params: { componentName: 'payments', endpoint: 'grpc' } },
      },
    } as unknown as WorkloadTemplate;
    const res = resolveConnections(wl, 'development', 'acme', [
      provider('payments', 'development', [{ name: 'grpc', type: 'gRPC', project: access }]),
    ]);
    expect(res.problems).toEqual([]);
    expect(res.resolved.map((r) => r.name)).toEqual(['x']);
    expect(connectedComponents(wl)).toEqual(['payments']);
  });

  it('lists connected components and referenced configuration groups', () => {
    expect(connectedComponents(workload).sort()).toEqual(['payments', 'stock']);
    expect(
      referencedConfigurationGroups({
        containers: {
          main: {
            env: [
              { key: 'A', valueFrom: { configurationGroupRef: { name: 'b' } } },
              { key: 'B', valueFrom: { configurationGroupRef: { name: 'a' } } },
              { key: 'C', valueFrom: { configurationGroupRef: { name: 'b' } } },
              { key: 'D' },
            ],
          },
        },
      } as unknown as WorkloadTemplate),
    ).toEqual(['a', 'b']);
  });
});

describe('desired binding and release', () => {
  const service: KubeObject = {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Service',
    metadata: { name: 'cart', namespace: 'acme', uid: 'u1', labels: { team: 'x' } },
    spec: { owner: { projectName: 'shop', componentName: 'cart' }, workloadName: 'cart' },
  };
  it('builds the binding named like the instance, controlled by it, without releaseState', () => {
    const b = desiredBinding({
      instance: service,
      bindingKind: 'ServiceBinding',
      environment: 'development',
      owner: { projectName: 'shop', componentName: 'cart' },
      spec: { className: 'default', workloadSpec: workloadTemplate({ spec: { owner: {}, containers: {} } }) },
    });
    expect(b.metadata?.name).toBe('cart');
    expect(b.metadata?.labels).toEqual({
      team: 'x',
      'openchoreo.dev/organization': 'acme',
      'openchoreo.dev/project': 'shop',
      'openchoreo.dev/component': 'cart',
      'openchoreo.dev/environment': 'development',
    });
    expect(b.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Service', name: 'cart', uid: 'u1', controller: true }),
    ]);
    expect(b.spec).toEqual({
      className: 'default',
      workloadSpec: { containers: {} },
      environment: 'development',
    });
    // Up to date whatever the key order and extra live fields (releaseState, other labels).
    const live: KubeObject = {
      metadata: { ...b.metadata, labels: { ...b.metadata?.labels, more: 'y' } },
      spec: {
        releaseState: 'Suspend',
        environment: 'development',
        workloadSpec: { containers: {} },
        className: 'default',
      },
    };
    expect(bindingUpToDate(live, b)).toBe(true);
    expect(bindingUpToDate({ ...live, spec: { ...(live.spec as object), className: 'gold' } }, b)).toBe(
      false,
    );
    expect(bindingUpToDate(undefined, b)).toBe(false);
  });

  it('a rollback of the first environment holds until the Workload changes (a hand edit does not)', () => {
    const template = { containers: { main: { image: 'cart:2' } } };
    const older = { containers: { main: { image: 'cart:1' } } };
    const version = workloadVersion({ metadata: { uid: 'w1', generation: 4 } });
    expect(version).toBe('w1/4');
    const binding = (
      workloadSpec: WorkloadTemplate,
      annotations: Record<string, string>,
    ): StoredBinding<'ServiceBinding'> => ({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'ServiceBinding',
      metadata: { name: 'cart', annotations },
      spec: {
        owner: { projectName: 'shop', componentName: 'cart' },
        environment: 'development',
        className: 'default',
        workloadSpec,
        releaseState: 'Active',
      },
    });
    const stamp = JSON.stringify({
      type: 'Rollback',
      environment: 'development',
      revision: 1,
      promotionRequest: 'cart-rollback-x',
      requestedBy: 'admin',
      workloadHash: workloadHash(older),
    });
    const rolledBack = binding(older, { [WORKLOAD_SYNC_ANNOTATION]: version, [PROMOTION_ANNOTATION]: stamp });
    expect(workloadToWrite(rolledBack, template, version)).toEqual(older);
    // the next Workload generation (an edit, a build) wins again
    expect(workloadToWrite(rolledBack, template, 'w1/5')).toEqual(template);
    // a recreated Workload is a new version
    expect(workloadToWrite(rolledBack, template, 'w2/4')).toEqual(template);
    // a hand edit after the rollback (the stamp no longer matches) is put back
    const edited = binding(
      { containers: { main: { image: 'cart:hand' } } },
      rolledBack.metadata?.annotations ?? {},
    );
    expect(workloadToWrite(edited, template, version)).toEqual(template);
    // a binding synced before the annotation existed, or none yet
    expect(workloadToWrite(binding(older, { [PROMOTION_ANNOTATION]: stamp }), template, version)).toEqual(
      template,
    );
    expect(workloadToWrite(undefined, template, version)).toEqual(template);
    // the annotation is part of what the instance keeps up to date
    const b = desiredBinding({
      instance: service,
      bindingKind: 'ServiceBinding',
      environment: 'development',
      owner: { projectName: 'shop', componentName: 'cart' },
      spec: { workloadSpec: older },
      annotations: { [WORKLOAD_SYNC_ANNOTATION]: version },
    });
    const annotations = rolledBack.metadata?.annotations ?? {};
    expect(bindingUpToDate({ spec: b.spec, metadata: { ...b.metadata, annotations } }, b)).toBe(true);
    expect(bindingUpToDate({ spec: b.spec, metadata: { ...b.metadata, annotations: {} } }, b)).toBe(false);
  });

  it('builds the Release and compares it ignoring key order and nulls', () => {
    const binding: KubeObject = {
      kind: 'ServiceBinding',
      metadata: { name: 'cart', namespace: 'acme', uid: 'b1' },
      spec: {},
    };
    const rendered = {
      resources: [
        { id: 'cart-deployment', object: { kind: 'Deployment', metadata: { name: 'd', namespace: 'n' } } },
      ],
      endpoints: [],
    };
    const r = desiredRelease(
      binding,
      'ServiceBinding',
      { projectName: 'shop', componentName: 'cart' },
      'dev',
      rendered,
    );
    expect(r.spec).toEqual({
      owner: { projectName: 'shop', componentName: 'cart' },
      environmentName: 'dev',
      resources: rendered.resources,
    });
    expect(r.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'ServiceBinding',
      uid: 'b1',
      controller: true,
    });
    const live = JSON.parse(canonical(r)) as StoredRelease;
    live.spec.interval = '5m';
    expect(releaseUpToDate(live, r)).toBe(true);
    const changed = structuredClone(r);
    const first = changed.spec.resources?.[0];
    if (!first) throw new Error('no resource rendered');
    first.object = { ...first.object, metadata: { name: 'other' } };
    expect(releaseUpToDate(live, changed)).toBe(false);
  });
});

describe('component roll-up', () => {
  const base = { status: 'True' as const, reason: 'ComponentReady', message: 'Service of project "shop"' };
  const entry = (environment: string, status: 'True' | 'False', reason: string): EnvironmentEntry => ({
    environment,
    kind: 'ServiceBinding',
    binding: `cart-${environment}`,
    status,
    reason,
  });
  it('summarises environments', () => {
    expect(componentRollup(base, [])).toEqual(base);
    expect(
      componentRollup(base, [
        entry('development', 'True', 'ResourcesActive'),
        entry('staging', 'True', 'ResourcesActive'),
      ]),
    ).toEqual({ ...base, message: 'Service of project "shop": 2/2 environments ready' });
    expect(
      componentRollup(base, [
        entry('development', 'True', 'ResourcesActive'),
        entry('staging', 'False', 'ResourceHealthProgressing'),
        entry('production', 'True', 'ResourcesActive'),
      ]),
    ).toEqual({
      status: 'False',
      reason: 'EnvironmentsProgressing',
      message: '2/3 environments ready; staging: ResourceHealthProgressing',
    });
    expect(
      componentRollup(base, [
        entry('development', 'False', 'ResourceHealthDegraded'),
        entry('staging', 'False', 'ResourceHealthProgressing'),
      ]),
    ).toEqual({
      status: 'False',
      reason: 'EnvironmentsNotReady',
      message:
        '0/2 environments ready; development: ResourceHealthDegraded; staging: ResourceHealthProgressing',
    });
  });
  it('does not count suspended or undeployed environments against Ready, and keeps its own problems first', () => {
    const r = componentRollup(base, [
      entry('development', 'True', 'ResourcesActive'),
      entry('staging', 'False', 'ResourcesSuspended'),
    ]);
    expect(r.status).toBe('True');
    expect(r.message).toContain('1/2 environments ready; staging: ResourcesSuspended');
    const own = { status: 'False' as const, reason: 'ProjectNotFound', message: 'x' };
    expect(componentRollup(own, [entry('development', 'True', 'ResourcesActive')])).toEqual(own);
  });
  it('a type that deploys is NotDeployed until a binding exists; other types have nothing to deploy', () => {
    const none = componentRollup(base, [], { type: 'Service' });
    expect(none).toMatchObject({ status: 'False', reason: 'NotDeployed' });
    expect(none.message).toContain('no ServiceBinding exists');
    expect(componentRollup(base, [], { type: 'ManualTask' })).toEqual(base);
    // the legacy cell model deploys through Deployments, not bindings
    expect(componentRollup(base, [], { type: 'Service', legacyDeployments: 1 })).toEqual({
      ...base,
      message: 'Service of project "shop": deployed through the cell model (1 Deployment(s))',
    });
    // suspended or undeployed on purpose: the user's choice, not a problem
    expect(
      componentRollup(base, [entry('development', 'False', 'ResourcesUndeployed')], { type: 'Service' })
        .status,
    ).toBe('True');
    // a binding still on its way is not ready, for its own reason
    expect(
      componentRollup(base, [entry('development', 'False', 'ResourceHealthProgressing')], {
        type: 'ScheduledTask',
      }),
    ).toMatchObject({ status: 'False', reason: 'EnvironmentsProgressing' });
    expect(
      componentRollup(base, [entry('development', 'True', 'ResourcesActive')], { type: 'WebApplication' }),
    ).toEqual({ ...base, message: 'Service of project "shop": 1/1 environment ready' });
  });
  it('orders entries by pipeline and reads a binding', () => {
    const sorted = sortEntries(
      [entry('zz', 'True', 'a'), entry('production', 'True', 'a'), entry('development', 'True', 'a')],
      ['development', 'staging', 'production'],
    );
    expect(sorted.map((e) => e.environment)).toEqual(['development', 'production', 'zz']);
    expect(
      environmentEntry({
        kind: 'ServiceBinding',
        metadata: { name: 'cart' },
        spec: { environment: 'development' },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'ResourcesActive',
              message: 'ok',
              lastTransitionTime: '',
            },
          ],
          endpoints: [{ name: 'http', type: 'REST', project: { host: 'h', port: 80, uri: 'http://h' } }],
        },
      } as unknown as Parameters<typeof environmentEntry>[0]),
    ).toEqual({
      environment: 'development',
      kind: 'ServiceBinding',
      binding: 'cart',
      status: 'True',
      reason: 'ResourcesActive',
      message: 'ok',
      urls: ['http://h'],
    });
    const progressing = environmentEntry({
      kind: 'ServiceBinding',
      metadata: { name: 'cart' },
      spec: { environment: 'development' },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'ResourceHealthProgressing',
            message: 'Resources status: 1/3 progressing, 2/3 healthy',
            lastTransitionTime: '',
          },
        ],
      },
    } as unknown as Parameters<typeof environmentEntry>[0]);
    expect(progressing.reason).toBe('ResourceHealthProgressing');
    expect(progressing.message).toBeUndefined(); // counts change every step: not copied into the component
  });
});

describe('next run of a scheduled task', () => {
  const cron = (spec: Record<string, unknown>) => [
    { object: { kind: 'ConfigMap', spec: {} } },
    { object: { kind: 'CronJob', spec } },
  ];
  const now = new Date('2026-12-01T12:10:30Z');
  it('says when the CronJob runs next and comes back just after', () => {
    expect(nextScheduledRun(cron({ schedule: '0 2 * * *' }), now)).toEqual({
      text: 'next run 2026-12-02 02:00 UTC (schedule "0 2 * * *")',
      inMs: Date.parse('2026-12-02T02:00:00Z') - now.getTime() + 1000,
    });
    expect(nextScheduledRun(cron({ schedule: '0 2 * * *', timeZone: 'Europe/Berlin' }), now)?.text).toBe(
      'next run 2026-12-02 01:00 UTC (schedule "0 2 * * *", Europe/Berlin)',
    );
    // every minute: not sooner than a minute
    expect(nextScheduledRun(cron({ schedule: '* * * * *' }), now)?.inMs).toBe(60_000);
  });
  it('nothing for a suspended CronJob, one that never runs, or no CronJob', () => {
    expect(nextScheduledRun(cron({ schedule: '0 2 * * *', suspend: true }), now)).toBeUndefined();
    expect(nextScheduledRun(cron({ schedule: '0 0 30 2 *' }), now)).toBeUndefined();
    expect(nextScheduledRun([{ object: { kind: 'Deployment', spec: {} } }], now)).toBeUndefined();
  });
});

describe('componentGone (the instance follows its deleted component)', () => {
  const inst: KubeObject = { metadata: { name: 'orders', namespace: 'acme', uid: 'inst-1' } };
  const comp = (uid: string): KubeObject => ({ metadata: { name: 'orders', namespace: 'acme', uid } });
  const binding = (componentUid: string | undefined, controllerUid = 'inst-1'): KubeObject => ({
    metadata: {
      name: 'orders',
      namespace: 'acme',
      ...(componentUid ? { annotations: { [COMPONENT_UID_ANNOTATION]: componentUid } } : {}),
      ownerReferences: [
        {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Service',
          name: 'orders',
          uid: controllerUid,
          controller: true,
        },
      ],
    },
  });
  it('is gone when the component its binding was made for no longer exists, or is another one now', () => {
    expect(componentGone(inst, undefined, binding('c-1'))).toBe(true);
    expect(componentGone(inst, comp('c-2'), binding('c-1'))).toBe(true);
  });
  it('is not gone while that component exists, before any binding, or for a binding it does not control', () => {
    expect(componentGone(inst, comp('c-1'), binding('c-1'))).toBe(false);
    expect(componentGone(inst, undefined, undefined)).toBe(false);
    expect(componentGone(inst, undefined, binding(undefined))).toBe(false);
    expect(componentGone(inst, undefined, binding('c-1', 'another-instance'))).toBe(false);
  });
});
