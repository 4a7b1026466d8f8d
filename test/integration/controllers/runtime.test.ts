/**
 * The reconcile runtime against the shared real apiserver, on core ConfigMaps (no CRDs needed):
 * informer sync and events, a controller that converges and reacts to its children, leader election.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Request } from '../../../src/controllers/runtime/controller.js';
import { Informer, LAST_APPLIED_ANNOTATION } from '../../../src/controllers/runtime/informer.js';
import { Manager } from '../../../src/controllers/runtime/manager.js';
import { KubeClient, type KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { isForbidden } from '../../../src/kube/errors.js';
import { loadConnection } from '../../../src/kube/kubeconfig.js';
import { until } from '../helpers.js';

const CM: GVR = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const NS: GVR = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

let client: KubeClient;
const ns = `rt-${randomBytes(3).toString('hex')}`;

function cm(
  name: string,
  data: Record<string, string>,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...extra }, data };
}

beforeAll(async () => {
  client = new KubeClient(loadConnection({ kubeconfig: inject('kubeconfig') }));
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

afterAll(async () => {
  await client.delete(NS, ns);
  client.close();
});

describe('informer', () => {
  it('lists, then reports adds, updates and deletes, and keeps an index', async () => {
    await client.create(cm('pre', { a: '1' }, { labels: { team: 'x' } }));
    const inf = new Informer(client, CM, { namespace: ns });
    inf.addIndex('team', (o) => (o.metadata?.labels?.team ? [o.metadata.labels.team] : []));
    const seen: string[] = [];
    inf.addHandlers({
      add: (o) => seen.push(`add ${o.metadata?.name}`),
      update: (_, n) => seen.push(`update ${n.metadata?.name}`),
      delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    });
    await inf.start();
    try {
      expect(inf.getByName('pre', ns)?.data).toEqual({ a: '1' });
      expect(inf.byIndex('team', 'x').map((o) => o.metadata?.name)).toEqual(['pre']);
      await client.create(cm('new', { b: '2' }, { labels: { team: 'x' } }));
      await client.patch(CM, 'pre', { data: { a: '2' } }, { namespace: ns });
      await client.delete(CM, 'new', { namespace: ns });
      await until(() => seen.includes('delete new'), 'the delete event');
      // kube-controller-manager publishes kube-root-ca.crt into every namespace: not ours.
      expect(seen.filter((s) => !s.includes('kube-root-ca.crt'))).toEqual([
        'add pre',
        'add new',
        'update pre',
        'delete new',
      ]);
      expect(inf.getByName('pre', ns)?.data).toEqual({ a: '2' });
      expect(inf.byIndex('team', 'x').map((o) => o.metadata?.name)).toEqual(['pre']);
    } finally {
      await inf.stop();
    }
  });
  it('keeps what controllers read and drops the apiserver bookkeeping (managedFields, last-applied)', async () => {
    const owner = await client.create(cm('trim-owner', {}));
    const lastApplied = JSON.stringify(cm('trim', { big: 'x'.repeat(2000) }));
    const meta = {
      labels: { team: 'y' },
      annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied, 'example.com/keep': 'yes' },
      finalizers: ['example.com/hold'],
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'trim-owner', uid: owner.metadata?.uid ?? '' },
      ],
    };
    await client.apply(cm('trim', { big: 'x'.repeat(2000) }, meta), { fieldManager: 'writer-a' });
    await client.apply(cm('trim', { other: '1' }), { fieldManager: 'writer-b' });
    const inf = new Informer(client, CM, { namespace: ns, resyncMs: 0 });
    const full = new Informer(client, CM, { namespace: ns, resyncMs: 0, transform: (o) => o });
    await Promise.all([inf.start(), full.start()]);
    try {
      const listed = inf.getByName('trim', ns);
      const whole = full.getByName('trim', ns);
      expect(whole?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION]).toBe(lastApplied);
      {
        const o = listed;
        expect(o?.metadata?.labels).toEqual({ team: 'y' });
        expect(o?.metadata?.annotations).toEqual({ 'example.com/keep': 'yes' });
        expect(o?.metadata?.finalizers).toEqual(['example.com/hold']);
        expect(o?.metadata?.ownerReferences?.[0]?.uid).toBe(owner.metadata?.uid);
        expect(o?.metadata?.resourceVersion).toBe(whole?.metadata?.resourceVersion);
        expect(o?.metadata?.uid).toBe(whole?.metadata?.uid);
        expect(o?.data).toEqual(whole?.data);
        expect(JSON.stringify(o).length).toBeLessThan(JSON.stringify(whole).length - 2000);
        // Who wrote which top-level field survives (the revision controller asks that of bindings).
        expect(o?.metadata?.managedFields?.map((e) => (e as { manager?: string }).manager)).toEqual([
          'writer-a',
          'writer-b',
        ]);
        expect(
          (o?.metadata?.managedFields?.[0] as { fieldsV1?: object } | undefined)?.fieldsV1,
        ).toHaveProperty(['f:data', 'f:big']);
      }
      // An object arriving by watch is trimmed the same way.
      await client.apply(cm('trim-late', { v: '1' }, { annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } }), {
        fieldManager: 'writer-a',
      });
      await until(() => inf.getByName('trim-late', ns), 'the watched object');
      expect(inf.getByName('trim-late', ns)?.metadata?.annotations).toEqual({});
      expect(inf.list(ns).map((o) => o.metadata?.name)).toEqual(full.list(ns).map((o) => o.metadata?.name));
      expect(inf.list('no-such-namespace')).toEqual([]);
    } finally {
      await Promise.all([inf.stop(), full.stop()]);
      await client.patch(CM, 'trim', { metadata: { finalizers: null } }, { namespace: ns });
    }
  });
  it('stops at once when stop() follows start() immediately (no watch left running)', async () => {
    const inf = new Informer(client, CM, { namespace: ns, resyncMs: 0 });
    await inf.start();
    // Before the fix the watch began after this stop and lived until its server-side timeout (5-10 min):
    // the test then fails on vitest's own timeout.
    await inf.stop();
    expect(inf.hasSynced).toBe(true);
  });

  it('fails a fail-fast start with the refused list at once, keeps retrying, and syncs once allowed', async () => {
    // The restricted user has no RBAC rights: its list is Forbidden until a RoleBinding grants it.
    await client.create(cm('fail-fast', { c: '3' }));
    const restricted = new KubeClient(loadConnection({ kubeconfig: inject('restrictedKubeconfig') }));
    const inf = new Informer(restricted, CM, { namespace: ns, resyncMs: 0 });
    const patient = inf.start(); // waits for the sync however long the list is refused
    let patientDone = false;
    void patient.then(
      () => {
        patientDone = true;
      },
      () => {},
    );
    try {
      // Before the fix a reconcile pass awaited this for as long as the plane refused it (the list retried
      // with a backoff up to 30 s, forever), holding one of the controller's two workers.
      const first = await inf.start({ failFast: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isForbidden(first), String(first)).toBe(true);
      // The next fail-fast caller hears the last attempt's error at once, without waiting for a retry.
      await expect(inf.start({ failFast: true })).rejects.toBe(first);
      expect(patientDone).toBe(false);
      await client.create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'read-cms', namespace: ns },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }],
      });
      await client.create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'read-cms', namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-cms' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
      });
      await patient; // the informer's own retry lists once allowed
      await inf.start({ failFast: true });
      expect(inf.getByName('fail-fast', ns)?.data).toEqual({ c: '3' });
    } finally {
      await inf.stop();
      restricted.close();
    }
  });

  it('caches metadata only (PartialObjectMetadata) when asked: labels, owners and versions, no data', async () => {
    const inf = new Informer(client, CM, { namespace: ns, resyncMs: 0, metadataOnly: true });
    await inf.start();
    try {
      const o = inf.getByName('pre', ns);
      expect(o?.kind).toBe('PartialObjectMetadata');
      expect(o?.metadata?.labels).toEqual({ team: 'x' });
      expect(o?.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(o).not.toHaveProperty('data');
      await client.create(cm('meta-late', { secret: 'x' }, { labels: { team: 'z' } }));
      await until(() => inf.getByName('meta-late', ns), 'the watched object');
      expect(inf.getByName('meta-late', ns)?.metadata?.labels).toEqual({ team: 'z' });
      expect(inf.getByName('meta-late', ns)).not.toHaveProperty('data');
    } finally {
      await inf.stop();
    }
  });
});

describe('controller', () => {
  it('converges level-based: a child per primary, recreated when deleted', async () => {
    const mgr = new Manager({ client, metricsAddr: '127.0.0.1:0' });
    const calls: string[] = [];
    mgr.add({
      name: 'mirror',
      for: CM,
      owns: [CM],
      reconciler: {
        async reconcile(req: Request) {
          calls.push(req.key);
          if (req.name.endsWith('-copy') || req.namespace !== ns) return undefined;
          const src = mgr.informer(CM).getByName(req.name, req.namespace);
          if (!src) return undefined;
          await client.apply(
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: {
                name: `${req.name}-copy`,
                namespace: ns,
                ownerReferences: [
                  {
                    apiVersion: 'v1',
                    kind: 'ConfigMap',
                    name: req.name,
                    uid: src.metadata?.uid ?? '',
                    controller: true,
                  },
                ],
              },
              data: src.data as Record<string, string>,
            },
            { fieldManager: 'mirror', force: true },
          );
          return undefined;
        },
      },
    });
    await mgr.start();
    try {
      await client.create(cm('src', { v: '1' }));
      await until(() => mgr.informer(CM).getByName('src-copy', ns), 'the copy');
      await client.patch(CM, 'src', { data: { v: '2' } }, { namespace: ns });
      await until(
        () =>
          (mgr.informer(CM).getByName('src-copy', ns)?.data as Record<string, string> | undefined)?.v === '2',
        'the updated copy',
      );
      // Deleting the child maps back to its owner, which recreates it.
      await client.delete(CM, 'src-copy', { namespace: ns });
      await until(
        async () => (await client.getOrUndefined(CM, 'src-copy', { namespace: ns })) !== undefined,
        'recreation',
      );
      const res = await fetch(`http://${mgr.address}/metrics`);
      const text = await res.text();
      expect(text).toMatch(/choreoctl_reconcile_total\{controller="mirror",result="success"\} \d+/);
      expect(text).toContain('choreoctl_reconcile_duration_seconds_bucket');
      expect(text).toContain('choreoctl_workqueue_depth');
      expect(text).toMatch(/choreoctl_kube_requests_total\{verb="apply"\} [1-9]/);
      expect((await fetch(`http://${mgr.address}/healthz`)).status).toBe(200);
      expect((await fetch(`http://${mgr.address}/readyz`)).status).toBe(200);
    } finally {
      await mgr.stop();
    }
  });

  it('retries failures with backoff until they succeed', async () => {
    const mgr = new Manager({ client });
    let attempts = 0;
    mgr.add({
      name: 'flaky',
      for: CM,
      reconciler: {
        async reconcile(req) {
          if (req.name !== 'flaky' || req.namespace !== ns) return undefined;
          attempts++;
          if (attempts < 4) throw new Error('not yet');
          return undefined;
        },
      },
    });
    await mgr.start();
    try {
      await client.create(cm('flaky', {}));
      await until(() => attempts >= 4, 'four attempts');
      const text = await mgr.metrics.text();
      expect(text).toMatch(/choreoctl_reconcile_errors_total\{controller="flaky"\} 3/);
    } finally {
      await mgr.stop();
    }
  });
});

describe('metadata-only caches', () => {
  it('holds PartialObjectMetadata only when no controller reads the resource whole', async () => {
    const idle = { reconciler: { reconcile: async () => undefined } };
    const metaOnly = new Manager({ client });
    metaOnly.add({ name: 'ns-owner', for: CM, owns: [{ ref: NS, metadataOnly: true }], ...idle });
    const mixed = new Manager({ client });
    mixed.add({ name: 'ns-owner', for: CM, owns: [{ ref: NS, metadataOnly: true }], ...idle });
    mixed.add({ name: 'ns-reader', for: CM, reads: [NS], ...idle });
    await Promise.all([metaOnly.start(), mixed.start()]);
    try {
      expect(metaOnly.informer(NS).getByName(ns)?.kind).toBe('PartialObjectMetadata');
      expect(metaOnly.informer(NS).getByName(ns)).not.toHaveProperty('spec');
      // (Items of a whole-object list carry no kind of their own.)
      expect(mixed.informer(NS).getByName(ns)?.kind).not.toBe('PartialObjectMetadata');
      expect(mixed.informer(NS).getByName(ns)).toHaveProperty('spec');
    } finally {
      await Promise.all([metaOnly.stop(), mixed.stop()]);
    }
  });
});

describe('leader election', () => {
  it('lets only one manager reconcile, and hands over when the leader stops', async () => {
    const reconciledBy = new Set<string>();
    const make = (id: string) => {
      const m = new Manager({
        client,
        leaderElection: {
          namespace: ns,
          identity: id,
          leaseDurationMs: 3000,
          renewDeadlineMs: 2000,
          retryPeriodMs: 300,
        },
        name: 'le-test',
      });
      m.add({
        name: `le-${id}`,
        for: CM,
        reconciler: {
          async reconcile(req) {
            if (req.namespace === ns) reconciledBy.add(id);
            return undefined;
          },
        },
      });
      return m;
    };
    const a = make('a');
    const b = make('b');
    await a.start();
    const bStarted = b.start();
    await client.create(cm('le-1', {}));
    await until(() => reconciledBy.has('a'), 'a reconciling');
    // A fixed wait: what is tested is that nothing happens (b stays a standby), and no event marks that.
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.isLeader).toBe(false);
    expect(reconciledBy.has('b')).toBe(false);
    await a.stop(); // releases the lease
    await bStarted;
    await until(() => b.isLeader, 'b taking over', 10_000);
    await client.create(cm('le-2', {}));
    await until(() => reconciledBy.has('b'), 'b reconciling');
    await b.stop();
  });
});
