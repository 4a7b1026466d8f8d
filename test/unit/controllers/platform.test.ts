/** Pure logic of the platform and hierarchy controllers: pipeline graphs, cells, readiness, plane credentials. */
import { describe, expect, it } from 'vitest';
import { bindingNotSeenYet, componentReadiness } from '../../../src/controllers/component/index.js';
import { environmentDataPlane } from '../../../src/controllers/dataplane/index.js';
import {
  findCycle,
  pipelineEnvironments,
  validatePipeline,
} from '../../../src/controllers/deploymentpipeline/graph.js';
import { environmentReadiness } from '../../../src/controllers/environment/index.js';
import { organizationNamespace } from '../../../src/controllers/organization/index.js';
import {
  DATA_PLANE_REQUIREMENTS,
  describeMissing,
  fingerprint,
  PlaneCredentialsError,
  resolveCluster,
  secretNames,
} from '../../../src/controllers/planes.js';
import { baselineUpToDate, cellBaseline, contains } from '../../../src/controllers/project/baseline.js';
import {
  cellLabels,
  cellNamespace,
  noBaselineNote,
  projectReadiness,
} from '../../../src/controllers/project/index.js';
import {
  APPLIED_MEMO_MS,
  FIRST_STATUS_GRACE_MS,
  firstStatusDelay,
  knownApplied,
  missingReferenceDelay,
  REFERENCE_GRACE_MS,
  RELEASE_CONTROLLER,
  RELEASE_REPORT_MAX_WAIT_MS,
  releaseReportWait,
  rememberApplied,
  reportDueIn,
  reportWait,
  worthAnEvent,
} from '../../../src/controllers/shared.js';
import type { KubeObject } from '../../../src/kube/client.js';

const paths = (...p: [string, string[]][]) => ({
  promotionPaths: p.map(([s, ts]) => ({
    sourceEnvironmentRef: s,
    targetEnvironmentRefs: ts.map((name) => ({ name })),
  })),
});

describe('pipeline graph', () => {
  it('lists environments in order of first appearance', () => {
    expect(pipelineEnvironments(paths(['dev', ['staging', 'qa']], ['staging', ['prod']]))).toEqual([
      'dev',
      'staging',
      'qa',
      'prod',
    ]);
    expect(pipelineEnvironments(undefined)).toEqual([]);
  });

  it('finds cycles, naming them, and accepts DAGs', () => {
    expect(findCycle(paths(['dev', ['staging']], ['staging', ['prod']]))).toBeUndefined();
    // A diamond is not a cycle.
    expect(findCycle(paths(['a', ['b', 'c']], ['b', ['d']], ['c', ['d']]))).toBeUndefined();
    expect(findCycle(paths(['a', ['b']], ['b', ['c']], ['c', ['a']]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(paths(['x', ['a']], ['a', ['b']], ['b', ['a']]))).toEqual(['a', 'b', 'a']);
    expect(findCycle(paths(['a', ['a']]))).toEqual(['a', 'a']);
  });

  it('validates: self-targets, then missing environments, then cycles', () => {
    const all = () => true;
    expect(validatePipeline(paths(['dev', ['dev']]), all)).toMatchObject({
      status: 'False',
      reason: 'InvalidPromotionPath',
    });
    const missing = validatePipeline(paths(['dev', ['qa', 'prod']]), (e) => e === 'dev');
    expect(missing).toMatchObject({ status: 'False', reason: 'EnvironmentNotFound' });
    expect(missing.message).toBe('Environments "qa", "prod" not found');
    expect(validatePipeline(paths(['a', ['b']], ['b', ['a']]), all)).toEqual({
      status: 'False',
      reason: 'CycleDetected',
      message: 'the promotion paths form a cycle: a -> b -> a',
    });
    expect(validatePipeline(paths(['dev', ['prod']]), all)).toEqual({
      status: 'True',
      reason: 'PipelineValid',
      message: '2 environments: dev, prod',
    });
  });
});

describe('cells', () => {
  it('are named with the hashed, length-limited scheme and labelled for both planes', () => {
    const ns = cellNamespace('default', 'default', 'development');
    expect(ns.metadata?.name).toBe('dp-default-default-development-f8e58905');
    expect(ns.metadata?.labels).toEqual({
      'openchoreo.dev/organization': 'default',
      'openchoreo.dev/project': 'default',
      'openchoreo.dev/environment': 'development',
      'openchoreo.dev/managed-by': 'openchoreo-control-plane',
      'organization-name': 'default',
      'project-name': 'default',
      'environment-name': 'development',
    });
    const long = cellNamespace('a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63)).metadata?.name ?? '';
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^dp-a+-b+-c+-[0-9a-f]{8}$/);
  });

  it('project readiness reports the most fundamental problem first and every message', () => {
    expect(projectReadiness([], [{ environment: 'dev', namespace: 'dp-x', dataPlane: 'default' }])).toEqual({
      status: 'True',
      reason: 'CellsReady',
      message: '1 cell(s) ready: dev (dp-x)',
    });
    const r = projectReadiness(
      [
        { reason: 'DataPlaneNotReady', message: 'DataPlane "a" is not ready' },
        { reason: 'EnvironmentNotFound', message: 'Environment "qa" not found' },
      ],
      [],
    );
    expect(r.reason).toBe('EnvironmentNotFound');
    expect(r.message).toBe('Environment "qa" not found; DataPlane "a" is not ready');
  });
});

describe('readiness', () => {
  // Only the fields under test (the schema's defaulted ones are left out).
  const env = (dataPlaneRef?: string) =>
    ({
      metadata: { name: 'dev', namespace: 'acme' },
      spec: dataPlaneRef ? { dataPlaneRef } : {},
    }) as Parameters<typeof environmentReadiness>[0];
  const dp = (status?: 'True' | 'False', message = ''): KubeObject => ({
    metadata: { name: 'edge', namespace: 'acme' },
    status: status
      ? { conditions: [{ type: 'Ready', status, reason: 'X', message, lastTransitionTime: '' }] }
      : {},
  });

  it('environment: names its DataPlane (or the default) when missing or not ready', () => {
    expect(environmentDataPlane(env())).toBe('default');
    expect(environmentReadiness(env('edge'), undefined)).toEqual({
      status: 'False',
      reason: 'DataPlaneNotFound',
      message: 'DataPlane "edge" not found in namespace "acme"',
    });
    expect(environmentReadiness(env(), undefined).message).toContain('the default');
    expect(environmentReadiness(env('edge'), dp('False', 'Forbidden: nope'))).toEqual({
      status: 'False',
      reason: 'DataPlaneNotReady',
      message: 'DataPlane "edge" is not ready: Forbidden: nope',
    });
    expect(environmentReadiness(env('edge'), dp('True')).status).toBe('True');
  });

  it('component: project must exist and not be deleting', () => {
    // Only the fields under test.
    const comp = {
      metadata: { name: 'c', namespace: 'acme' },
      spec: { owner: { projectName: 'shop' }, type: 'Service' },
    } as Parameters<typeof componentReadiness>[0];
    expect(componentReadiness(comp, undefined)).toMatchObject({ status: 'False', reason: 'ProjectNotFound' });
    expect(
      componentReadiness(comp, { metadata: { name: 'shop', deletionTimestamp: '2025-01-01T00:00:00Z' } })
        .reason,
    ).toBe('ProjectDeleting');
    expect(componentReadiness(comp, { metadata: { name: 'shop' } }).status).toBe('True');
  });

  it('organization namespace: owner reference only when owned', () => {
    const org = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Organization',
      metadata: { name: 'acme', uid: 'u1' },
    };
    expect(organizationNamespace(org, true).metadata?.ownerReferences).toEqual([
      expect.objectContaining({ name: 'acme', uid: 'u1', controller: true }),
    ]);
    expect(organizationNamespace(org, false).metadata?.ownerReferences).toBeUndefined();
  });
});

describe('plane credentials', () => {
  const secret = (data: Record<string, string>): KubeObject => ({
    metadata: { name: 's' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  const secrets: Record<string, KubeObject> = {
    creds: secret({ token: 'tok', 'ca.crt': '-----BEGIN CERTIFICATE-----\nx\n' }),
    kc: secret({ kubeconfig: 'apiVersion: v1' }),
  };
  const lookup = (_ns: string, name: string) => secrets[name];

  it('no cluster means the control-plane cluster', () => {
    expect(resolveCluster(undefined, 'acme', lookup, 'DataPlane "x"')).toEqual({ type: 'local' });
  });

  it('reads token and CA from a Secret with per-field default keys, or inline values', () => {
    const r = resolveCluster(
      {
        server: 'https://dp:6443',
        tls: { ca: { secretRef: 'creds' } },
        auth: { bearerToken: { secretRef: 'creds' } },
      },
      'acme',
      lookup,
      'DataPlane "x"',
    );
    expect(r).toEqual({
      type: 'parts',
      parts: {
        server: 'https://dp:6443',
        source: 'DataPlane "x"',
        ca: '-----BEGIN CERTIFICATE-----\nx\n',
        token: 'tok',
      },
    });
    const inline = resolveCluster(
      { server: 'https://dp:6443', auth: { bearerToken: { value: 'raw' } } },
      'acme',
      lookup,
      'x',
    );
    expect(inline.type === 'parts' && inline.parts.token).toBe('raw');
    expect(resolveCluster({ kubeconfigSecretRef: { name: 'kc' } }, 'acme', lookup, 'x')).toMatchObject({
      type: 'kubeconfig',
      yaml: 'apiVersion: v1',
    });
  });

  it('names the missing Secret or key', () => {
    const spec = (secretRef: string, secretKey?: string) => ({
      server: 'https://dp:6443',
      auth: { bearerToken: { secretRef, ...(secretKey ? { secretKey } : {}) } },
    });
    expect(() => resolveCluster(spec('nope'), 'acme', lookup, 'DataPlane "x"')).toThrow(
      /Secret "nope" \(bearer token of DataPlane "x"\) not found in namespace "acme"/,
    );
    try {
      resolveCluster(spec('creds', 'jwt'), 'acme', lookup, 'x');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlaneCredentialsError);
      expect((e as PlaneCredentialsError).reason).toBe('SecretKeyNotFound');
      expect((e as Error).message).toContain('has no key "jwt" (it has ca.crt, token)');
    }
    expect(() => resolveCluster({ server: 'https://dp:6443', auth: {} }, 'acme', lookup, 'x')).toThrow(
      /no supported authentication method/,
    );
  });

  it('fingerprints change with the credentials; secretNames lists what to watch', () => {
    const a = resolveCluster(
      { server: 'https://a', auth: { bearerToken: { value: '1' } } },
      'n',
      lookup,
      'x',
    );
    const b = resolveCluster(
      { server: 'https://a', auth: { bearerToken: { value: '2' } } },
      'n',
      lookup,
      'x',
    );
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(fingerprint(a)).toBe(fingerprint(structuredClone(a)));
    expect(
      secretNames({
        server: 'https://a',
        tls: { ca: { secretRef: 'ca' } },
        auth: { mtls: { clientCert: { secretRef: 'tls' }, clientKey: { secretRef: 'tls' } } },
      }).sort(),
    ).toEqual(['ca', 'tls']);
    expect(secretNames({ kubeconfigSecretRef: { name: 'kc' } })).toEqual(['kc']);
  });

  it('describes missing resources grouped by API group', () => {
    expect(describeMissing(DATA_PLANE_REQUIREMENTS)).toBe(
      'HTTPRoute and Gateway (gateway.networking.k8s.io/v1); SecurityPolicy, BackendTrafficPolicy and HTTPRouteFilter (gateway.envoyproxy.io/v1alpha1); CiliumNetworkPolicy (cilium.io/v2)',
    );
  });
});

describe('events on Ready transitions', () => {
  const cond = (status: 'True' | 'False', reason: string) => ({
    type: 'Ready',
    status,
    reason,
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  it('records becoming ready and new failure reasons, not progress or repeats', () => {
    // Fine from the first status: nothing to tell.
    expect(worthAnEvent(undefined, { status: 'True', reason: 'Ok', message: '' })).toBe(false);
    expect(worthAnEvent(cond('True', 'Ok'), { status: 'True', reason: 'Other', message: '' })).toBe(false);
    expect(worthAnEvent(cond('False', 'X'), { status: 'True', reason: 'Ok', message: '' })).toBe(true);
    // Ready at the end of a rollout is going live, not a recovery.
    expect(
      worthAnEvent(cond('False', 'ResourceHealthProgressing'), { status: 'True', reason: 'Ok', message: '' }),
    ).toBe(false);
    expect(
      worthAnEvent(cond('False', 'EnvironmentsProgressing'), { status: 'True', reason: 'Ok', message: '' }),
    ).toBe(false);
    expect(
      worthAnEvent(cond('False', 'EnvironmentsNotReady'), { status: 'True', reason: 'Ok', message: '' }),
    ).toBe(true);
    expect(worthAnEvent(undefined, { status: 'False', reason: 'ResourcesProgressing', message: '' })).toBe(
      false,
    );
    expect(worthAnEvent(undefined, { status: 'False', reason: 'EnvironmentsNotReady', message: '' })).toBe(
      false,
    );
    expect(worthAnEvent(undefined, { status: 'False', reason: 'DataPlaneNotFound', message: '' })).toBe(true);
    expect(
      worthAnEvent(cond('False', 'DataPlaneNotFound'), {
        status: 'False',
        reason: 'DataPlaneNotFound',
        message: 'x',
      }),
    ).toBe(false);
    expect(
      worthAnEvent(cond('True', 'Ok'), { status: 'False', reason: 'ResourceHealthDegraded', message: '' }),
    ).toBe(true);
  });
});

describe("a new object's first status", () => {
  const created = '2026-01-01T00:00:00Z';
  const t0 = Date.parse(created);
  const obj: KubeObject = { metadata: { name: 'b', creationTimestamp: created } };
  const progressing = {
    status: 'False' as const,
    reason: 'ResourceHealthProgressing',
    message: '1/3 progressing',
  };

  it('keeps a first "on its way" back until the grace is over, no longer', () => {
    expect(firstStatusDelay(false, obj, progressing, t0 + 2_000)).toBe(FIRST_STATUS_GRACE_MS - 2_000);
    expect(firstStatusDelay(false, obj, progressing, t0 + FIRST_STATUS_GRACE_MS)).toBeUndefined();
    expect(firstStatusDelay(false, obj, progressing, t0 + 60_000)).toBeUndefined();
  });

  it('writes Ready, a failure, or any status after the first at once', () => {
    const now = t0 + 1_000;
    expect(
      firstStatusDelay(false, obj, { status: 'True', reason: 'ResourcesActive', message: '' }, now),
    ).toBe(undefined);
    expect(
      firstStatusDelay(false, obj, { status: 'False', reason: 'ResourceHealthDegraded', message: '' }, now),
    ).toBeUndefined();
    expect(
      firstStatusDelay(false, obj, { status: 'False', reason: 'ServiceClassNotFound', message: '' }, now),
    ).toBeUndefined();
    expect(firstStatusDelay(true, obj, progressing, now)).toBeUndefined();
    // No timestamp (not stored yet): nothing to wait from.
    expect(firstStatusDelay(false, { metadata: { name: 'b' } }, progressing, now)).toBeUndefined();
  });

  it('reportDueIn counts from the creation timestamp', () => {
    expect(reportDueIn(obj, 5_000, t0 + 1_500)).toBe(3_500);
    expect(reportDueIn(obj, 5_000, t0 + 9_000)).toBe(0);
    expect(reportDueIn({ metadata: {} }, 5_000, t0)).toBe(0);
  });

  it('missingReferenceDelay keeps a new, silent object from reporting a reference that may still be on its way', () => {
    expect(missingReferenceDelay(false, obj, t0 + 1_000)).toBe(REFERENCE_GRACE_MS - 1_000);
    expect(missingReferenceDelay(false, obj, t0 + REFERENCE_GRACE_MS)).toBeUndefined(); // past the grace
    expect(missingReferenceDelay(true, obj, t0 + 1_000)).toBeUndefined(); // it has reported: say it at once
    expect(missingReferenceDelay(false, { metadata: {} }, t0)).toBeUndefined(); // no creation time
  });

  it('knownApplied: what this manager applied, while the cache still shows what it was computed from', () => {
    const mgr = {};
    const ref = {
      group: 'openchoreo.dev',
      version: 'v1alpha1',
      resource: 'servicebindings',
      namespaced: true,
    };
    const at = (rv: string): KubeObject => ({
      metadata: { name: 'b', namespace: 'org', resourceVersion: rv },
    });
    const applied = at('7');
    expect(knownApplied(mgr, ref, 'org', 'b', undefined, t0)).toBeUndefined();
    // Created: the cache had nothing, and still has nothing a moment later.
    rememberApplied(mgr, ref, 'org', 'b', undefined, applied, t0);
    expect(knownApplied({}, ref, 'org', 'b', undefined, t0)).toBeUndefined(); // another manager's memo
    expect(knownApplied(mgr, ref, 'org', 'c', undefined, t0)).toBeUndefined();
    expect(knownApplied(mgr, ref, 'org', 'b', undefined, t0 + 50)).toBe(applied);
    // The cache caught up (our write, or anyone's later one): the cache is the truth, and the entry goes.
    expect(knownApplied(mgr, ref, 'org', 'b', at('7'), t0 + 60)).toBeUndefined();
    expect(knownApplied(mgr, ref, 'org', 'b', undefined, t0 + 70)).toBeUndefined();
    // Updated: trusted while the cache shows the version it was computed from, and only for so long.
    rememberApplied(mgr, ref, 'org', 'b', at('7'), at('9'), t0);
    expect(
      knownApplied(mgr, ref, 'org', 'b', at('7'), t0 + APPLIED_MEMO_MS - 1)?.metadata?.resourceVersion,
    ).toBe('9');
    expect(knownApplied(mgr, ref, 'org', 'b', at('7'), t0 + APPLIED_MEMO_MS)).toBeUndefined();
    rememberApplied(mgr, ref, 'org', 'b', at('7'), at('9'), t0);
    expect(knownApplied(mgr, ref, 'org', 'b', at('8'), t0 + 10)).toBeUndefined(); // someone else's write
  });

  it('releaseReportWait waits the grace, then only while the release engine here still holds the Release', () => {
    const asked: string[] = [];
    const engine = (holds: boolean | undefined) => ({
      hasWork: (controller: string, key: string) => {
        asked.push(`${controller} ${key}`);
        return holds;
      },
    });
    const grace = 60_000;
    // Within the grace: what is left of it, whatever the engine holds.
    expect(releaseReportWait(engine(false), 'org', 'b', obj, grace, t0 + 15_000)).toBe(45_000);
    expect(asked).toEqual([]);
    // Past it: on while the engine has the Release queued, until the cap (its report comes as an event).
    const cap = grace + RELEASE_REPORT_MAX_WAIT_MS;
    expect(releaseReportWait(engine(true), 'org', 'b', obj, grace, t0 + 90_000)).toBe(cap - 90_000);
    expect(asked).toEqual([`${RELEASE_CONTROLLER} org/b`]);
    expect(releaseReportWait(engine(true), 'org', 'b', obj, grace, t0 + cap - 5_000)).toBe(5_000);
    expect(releaseReportWait(engine(true), 'org', 'b', obj, grace, t0 + cap)).toBe(0);
    // The engine is done with it (no report: it had something to say and did not), or runs in another manager.
    expect(releaseReportWait(engine(false), 'org', 'b', obj, grace, t0 + 90_000)).toBe(0);
    expect(releaseReportWait(engine(undefined), 'org', 'b', obj, grace, t0 + 90_000)).toBe(0);
  });

  it('reportWait asks the named controller for the key (a component waiting for its instance)', () => {
    const queued = {
      hasWork: (controller: string, key: string) => controller === 'service' && key === 'org/web',
    };
    const grace = 30_000;
    expect(reportWait(queued, 'service', 'org/web', obj, grace, t0 + 10_000)).toBe(20_000);
    expect(reportWait(queued, 'service', 'org/web', obj, grace, t0 + 40_000)).toBe(
      grace + RELEASE_REPORT_MAX_WAIT_MS - 40_000,
    );
    expect(reportWait(queued, 'webapplication', 'org/web', obj, grace, t0 + 40_000)).toBe(0);
    expect(reportWait(queued, 'service', 'org/api', obj, grace, t0 + 40_000)).toBe(0);
  });
});

describe("an instance ahead of the roll-up's cache", () => {
  const at = '2026-01-01T00:00:00Z';
  const t0 = Date.parse(at);
  const instance = (reason: string, status: 'True' | 'False' = 'True'): KubeObject => ({
    metadata: { name: 'cart' },
    status: { conditions: [{ type: 'Ready', status, reason, message: '', lastTransitionTime: at }] },
  });

  it('waits for a binding reported synced moments ago that the cache has not seen', () => {
    expect(bindingNotSeenYet(instance('BindingSynced'), new Set(), t0 + 1_000)).toBe(true);
    expect(bindingNotSeenYet(instance('BindingSynced'), new Set(['cart']), t0 + 1_000)).toBe(false);
  });

  it('not past the grace, nor for an instance that made no binding', () => {
    expect(bindingNotSeenYet(instance('BindingSynced'), new Set(), t0 + 60_000)).toBe(false);
    expect(bindingNotSeenYet(instance('WorkloadNotFound', 'False'), new Set(), t0 + 1_000)).toBe(false);
    expect(bindingNotSeenYet({ metadata: { name: 'cart' } }, new Set(), t0)).toBe(false);
  });
});

describe('cell baseline', () => {
  const desired = cellBaseline('dp-acme-shop-dev-1', cellLabels('acme', 'shop', 'dev'));

  it('is the rendered default-deny policy of the cell namespace, with the cell labels', () => {
    expect(desired.kind).toBe('CiliumNetworkPolicy');
    expect(desired.metadata).toMatchObject({ name: 'cell-baseline', namespace: 'dp-acme-shop-dev-1' });
    expect(desired.metadata?.labels?.['openchoreo.dev/project']).toBe('shop');
    expect((desired.spec as { enableDefaultDeny: unknown }).enableDefaultDeny).toEqual({
      ingress: true,
      egress: true,
    });
  });

  it('is up to date when the live object contains it (defaults and extra labels allowed), not otherwise', () => {
    const live = structuredClone(desired);
    expect(baselineUpToDate(live, desired)).toBe(true);
    (live.metadata as { labels: Record<string, string> }).labels.extra = 'x';
    (live.spec as Record<string, unknown>).description = 'defaulted';
    expect(baselineUpToDate(live, desired)).toBe(true);
    const edited = structuredClone(desired);
    (edited.spec as { egress: unknown[] }).egress.push({ toEntities: ['world'] });
    expect(baselineUpToDate(edited, desired)).toBe(false);
    expect(baselineUpToDate(undefined, desired)).toBe(false);
    expect(
      baselineUpToDate({ ...live, metadata: { ...live.metadata, deletionTimestamp: 'now' } }, desired),
    ).toBe(false);
    expect(contains({ a: [1, { b: 2, c: 3 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(contains({ a: [1] }, { a: [1, 2] })).toBe(false);
  });

  it('a data plane without Cilium: Ready keeps its status and the message says what is missing', () => {
    const note = noBaselineNote(new Map([['remote', ['dev', 'prod']]]));
    const r = projectReadiness([], [{ environment: 'dev', namespace: 'dp-x', dataPlane: 'remote' }], note);
    expect(r.status).toBe('True');
    expect(r.message).toContain('no network baseline in DataPlane "remote" (environments "dev", "prod")');
    expect(r.message).toContain('CiliumNetworkPolicy (cilium.io/v2)');
    expect(noBaselineNote(new Map())).toBeUndefined();
  });
});
