// KubeClient against the real kube-apiserver started by test/setup/control-plane.ts.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConflictError,
  ConnectionError,
  connectionFromKubeconfigYaml,
  connectionFromParts,
  ForbiddenError,
  GoneError,
  InvalidError,
  isAlreadyExists,
  KubeApiError,
  KubeClient,
  type KubeObject,
  NotFoundError,
  UnauthorizedError,
  type WatchEvent,
} from '../../../src/kube/index.js';

interface Widget extends KubeObject {
  spec?: { size?: number; color?: string };
  status?: { phase?: string; observed?: number };
}

const GROUP = 'test.choreoctl.dev';
const W = { apiVersion: `${GROUP}/v1`, kind: 'Widget' } as const;
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: {
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      singular: 'widget',
      shortNames: ['wdg'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
              status: {
                type: 'object',
                properties: { phase: { type: 'string' }, observed: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

const CRD_REF = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const ns = `kube-it-${Date.now().toString(36)}`;
let admin: KubeClient;

const widget = (name: string, spec: Widget['spec'] = {}, labels: Record<string, string> = {}): Widget => ({
  ...W,
  metadata: { name, namespace: ns, labels },
  spec,
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  admin = KubeClient.fromKubeconfig({ kubeconfig: inject('kubeconfig') });
  await admin.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { fieldManager: 'kube-it' },
  );
  await admin.apply(CRD, { fieldManager: 'kube-it', force: true });
  await until('the Widget CRD to be Established', async () => {
    const crd = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      CRD_REF,
      CRD.metadata.name,
    );
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
      ? true
      : undefined;
  });
});

afterAll(async () => {
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace' }, ns).catch(() => undefined);
  admin?.close();
});

describe('KubeClient against kube-apiserver', () => {
  it('/version reports the expected gitVersion', async () => {
    const v = await admin.version();
    expect(v.gitVersion).toBe(inject('k8sVersion'));
  });

  it('discovers the CRD (plural, singular, short name, kind) via aggregated discovery', async () => {
    const info = await admin.discovery.resolveName('wdg');
    expect(info).toMatchObject({
      group: GROUP,
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: true,
      singular: 'widget',
      shortNames: ['wdg'],
    });
    expect(info.subresources).toContain('status');
    expect(admin.discovery.mode).toBe('aggregated');
    expect((await admin.discovery.resolveName('widgets.test.choreoctl.dev')).kind).toBe('Widget');
    expect((await admin.discovery.resolveName('deploy')).group).toBe('apps');
    expect((await admin.resolve({ apiVersion: 'v1', kind: 'Namespace' })).namespaced).toBe(false);
  });

  it('creates, gets and reports NotFound / AlreadyExists / Invalid', async () => {
    const created = await admin.create(widget('crud', { size: 1 }));
    expect(created.metadata?.uid).toBeTruthy();
    const got = await admin.get<Widget>(W, 'crud', { namespace: ns });
    expect(got.spec?.size).toBe(1);

    const nf = await admin.get(W, 'nope', { namespace: ns }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect((nf as Error).message).toBe('widgets.test.choreoctl.dev "nope" not found');
    expect(await admin.getOrUndefined(W, 'nope', { namespace: ns })).toBeUndefined();

    const dup = await admin.create(widget('crud', { size: 1 })).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ConflictError);
    expect(isAlreadyExists(dup)).toBe(true);

    const bad = await admin
      .create({ ...widget('bad'), spec: { size: 'big' } } as unknown as Widget)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidError);
    expect((bad as InvalidError).causes.map((c) => c.field)).toContain('spec.size');

    // replace with a stale resourceVersion is a conflict
    const updated = await admin.replace({ ...got, spec: { size: 2 } });
    expect(updated.spec?.size).toBe(2);
    const stale = await admin.replace({ ...got, spec: { size: 3 } }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).alreadyExists).toBe(false);
  });

  it('server-side apply: updates, field-manager conflicts, force', async () => {
    const a1 = await admin.apply(widget('ssa', { size: 1 }), { fieldManager: 'manager-a' });
    expect(a1.spec?.size).toBe(1);
    const a2 = await admin.apply(widget('ssa', { size: 2, color: 'red' }), { fieldManager: 'manager-a' });
    expect(a2.spec).toEqual({ size: 2, color: 'red' });

    const dry = await admin.apply(widget('ssa', { size: 9, color: 'red' }), {
      fieldManager: 'manager-a',
      dryRun: 'All',
    });
    expect(dry.spec?.size).toBe(9);
    expect((await admin.get<Widget>(W, 'ssa', { namespace: ns })).spec?.size).toBe(2);

    const conflict = await admin
      .apply(widget('ssa', { size: 3 }), { fieldManager: 'manager-b' })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).causes.map((c) => c.field)).toContain('.spec.size');
    expect((conflict as Error).message).toContain('manager-a');

    const forced = await admin.apply(widget('ssa', { size: 3 }), { fieldManager: 'manager-b', force: true });
    expect(forced.spec).toEqual({ size: 3, color: 'red' });
  });

  it('patches (merge, JSON) and the status subresource', async () => {
    await admin.create(widget('patchy', { size: 1 }));
    const merged = await admin.patch<Widget>(
      W,
      'patchy',
      { metadata: { labels: { tier: 'gold' } } },
      { namespace: ns },
    );
    expect(merged.metadata?.labels).toEqual({ tier: 'gold' });
    const jp = await admin.patch<Widget>(W, 'patchy', [{ op: 'replace', path: '/spec/size', value: 5 }], {
      namespace: ns,
      type: 'json',
    });
    expect(jp.spec?.size).toBe(5);

    const st = await admin.patchStatus<Widget>(
      W,
      'patchy',
      { status: { phase: 'Ready' } },
      { namespace: ns },
    );
    expect(st.status?.phase).toBe('Ready');
    // Status written through the main resource is ignored when the subresource is enabled.
    const ignored = await admin.patch<Widget>(
      W,
      'patchy',
      { status: { phase: 'Hacked' } },
      { namespace: ns },
    );
    expect(ignored.status?.phase).toBe('Ready');

    const applied = await admin.applyStatus<Widget>(
      { ...W, metadata: { name: 'patchy', namespace: ns }, status: { observed: 7 } },
      { fieldManager: 'status-writer', force: true },
    );
    expect(applied.status).toMatchObject({ phase: 'Ready', observed: 7 });
  });

  it('lists with a label selector and limit/continue pagination', async () => {
    for (let i = 0; i < 5; i++) await admin.create(widget(`page-${i}`, { size: i }, { batch: 'paging' }));
    await admin.create(widget('other', {}, { batch: 'other' }));
    const sizes: number[] = [];
    for await (const page of admin.listPages<Widget>(W, {
      namespace: ns,
      labelSelector: 'batch=paging',
      limit: 2,
    })) {
      sizes.push(page.items.length);
    }
    expect(sizes).toEqual([2, 2, 1]);
    const all = await admin.listAll<Widget>(W, { namespace: ns, labelSelector: 'batch=paging', limit: 2 });
    expect(all.items.map((w) => w.metadata?.name).sort()).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);
    const across = await admin.list<Widget>(W, { labelSelector: 'batch=other' });
    expect(across.items.map((w) => w.metadata?.namespace)).toEqual([ns]);

    await admin.deleteCollection(W, { namespace: ns, labelSelector: 'batch=paging' });
    expect((await admin.list(W, { namespace: ns, labelSelector: 'batch=paging' })).items).toEqual([]);
  });

  it('surfaces server warnings (unknown fields with fieldValidation=Warn) and rejects them with Strict', async () => {
    const warnings: string[] = [];
    const c = KubeClient.fromKubeconfig({
      kubeconfig: inject('kubeconfig'),
      onWarning: (m) => warnings.push(m),
    });
    c.registerResources([await admin.resolve(W)]);
    const obj = { ...widget('warned'), spec: { size: 1, bogus: true } } as Widget;
    await c.create(obj, { fieldValidation: 'Warn' });
    expect(warnings.join('\n')).toContain('unknown field "spec.bogus"');
    const strict = await c
      .create({ ...obj, metadata: { name: 'strict', namespace: ns } }, { fieldValidation: 'Strict' })
      .catch((e: unknown) => e);
    c.close();
    expect(strict).toBeInstanceOf(KubeApiError);
    expect((strict as Error).message).toContain('unknown field "spec.bogus"');
  });

  it('deletes and reports whether the object existed', async () => {
    await admin.create(widget('doomed'));
    expect(await admin.delete(W, 'doomed', { namespace: ns, dryRun: 'All' })).toBe(true);
    expect(await admin.getOrUndefined(W, 'doomed', { namespace: ns })).toBeDefined();
    expect(await admin.delete(W, 'doomed', { namespace: ns, propagationPolicy: 'Background' })).toBe(true);
    expect(await admin.delete(W, 'doomed', { namespace: ns })).toBe(false);
  });

  it('watches ADDED / MODIFIED / DELETED from a list resourceVersion', async () => {
    const { resourceVersion } = await admin.listAll(W, { namespace: ns });
    const ac = new AbortController();
    const events: WatchEvent<Widget>[] = [];
    const done = (async () => {
      for await (const e of admin.watch<Widget>(W, {
        namespace: ns,
        resourceVersion,
        labelSelector: 'watch=me',
        signal: ac.signal,
      })) {
        events.push(e);
        if (e.type === 'DELETED') break;
      }
    })();
    await admin.create(widget('watched', { size: 1 }, { watch: 'me' }));
    await admin.patch(W, 'watched', { spec: { size: 2 } }, { namespace: ns });
    await admin.delete(W, 'watched', { namespace: ns });
    await Promise.race([
      done,
      new Promise((_, rej) => setTimeout(() => rej(new Error('watch timed out')), 20_000)),
    ]);
    ac.abort();
    expect(events.map((e) => `${e.type}:${e.object.metadata?.name}`)).toEqual([
      'ADDED:watched',
      'MODIFIED:watched',
      'DELETED:watched',
    ]);
  });

  it('delivers bookmarks (streaming list ends with the initial-events-end bookmark)', async () => {
    await admin.create(widget('bm', {}, { bookmark: 'yes' }));
    const seen: WatchEvent<Widget>[] = [];
    for await (const e of admin.watch<Widget>(W, {
      namespace: ns,
      labelSelector: 'bookmark=yes',
      allowWatchBookmarks: true,
      sendInitialEvents: true,
      timeoutSeconds: 20,
    })) {
      seen.push(e);
      if (e.type === 'BOOKMARK') break;
    }
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    const bookmark = seen[1]?.object;
    expect(bookmark?.metadata?.annotations?.['k8s.io/initial-events-end']).toBe('true');
    expect(Number(bookmark?.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('a watch from a too-old resourceVersion throws GoneError', async () => {
    const err = await (async () => {
      try {
        for await (const _ of admin.watch(W, { namespace: ns, resourceVersion: '1', timeoutSeconds: 10 })) {
          // Any event before the error is fine; we expect the 410.
        }
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(GoneError);
    expect((err as GoneError).code).toBe(410);
  });

  it('builds a working connection from a kubeconfig YAML string (DataPlane credentials)', async () => {
    const path = inject('kubeconfig');
    const c = new KubeClient(
      connectionFromKubeconfigYaml(readFileSync(path, 'utf8'), { baseDir: dirname(path) }),
    );
    expect((await c.version()).gitVersion).toBe(inject('k8sVersion'));
    c.close();
  });

  it('the restricted identity gets ForbiddenError naming verb, resource and user', async () => {
    const r = KubeClient.fromKubeconfig({ kubeconfig: inject('restrictedKubeconfig') });
    r.registerResources([await admin.resolve(W)]);
    const err = await r.list(W, { namespace: ns }).catch((e: unknown) => e);
    r.close();
    expect(err).toBeInstanceOf(ForbiddenError);
    const f = err as ForbiddenError;
    expect(f.verb).toBe('list');
    expect(f.resource).toBe('widgets');
    expect(f.group).toBe(GROUP);
    expect(f.user).toBe('restricted');
    expect(f.namespace).toBe(ns);
    expect(f.message).toContain(
      `widgets.test.choreoctl.dev is forbidden: User "restricted" cannot list resource "widgets" in API group "${GROUP}" in the namespace "${ns}"`,
    );
  });

  it('a wrong token gets UnauthorizedError without leaking it', async () => {
    const conn = admin.connection;
    const c = new KubeClient(
      connectionFromParts({
        server: conn.server,
        ca: conn.ca,
        token: 'not-a-valid-token-123',
        source: 'test',
      }),
    );
    const err = await c.request('GET', '/api/v1/namespaces').catch((e: unknown) => e);
    c.close();
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toContain(`the server ${conn.server} rejected the credentials for test`);
    expect((err as Error).message).not.toContain('not-a-valid-token-123');
  });

  it('connecting to a closed port gives ConnectionError naming the URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `https://127.0.0.1:${port}`;
    const c = new KubeClient(connectionFromParts({ server: url, ca: admin.connection.ca }));
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(`cannot connect to the Kubernetes API server at ${url}`);
    expect((err as Error).message).toContain('Check that the cluster is running');
  });

  it('TLS: an untrusted server is a ConnectionError explaining the CA; tls-server-name and insecure-skip-tls-verify work', async () => {
    const { server, ca } = admin.connection;
    const token = (await admin.connection.credentials?.get())?.token;
    const noCa = new KubeClient(connectionFromParts({ server, token }));
    const err = await noCa.version().catch((e: unknown) => e);
    noCa.close();
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(`TLS handshake with the Kubernetes API server at ${server}`);
    expect((err as Error).message).toContain('certificate-authority');

    const badCa = new KubeClient(
      connectionFromParts({
        server,
        token,
        ca: '-----BEGIN CERTIFICATE-----\nnot-base64!\n-----END CERTIFICATE-----\n',
      }),
    );
    const err3 = await badCa.version().catch((e: unknown) => e);
    badCa.close();
    expect(err3).toBeInstanceOf(ConnectionError);
    expect((err3 as Error).message).toContain(`TLS handshake with the Kubernetes API server at ${server}`);

    const insecure = new KubeClient(connectionFromParts({ server, token, insecureSkipTlsVerify: true }));
    expect((await insecure.version()).gitVersion).toBe(inject('k8sVersion'));
    insecure.close();

    const sni = new KubeClient(
      connectionFromParts({ server, ca, token, tlsServerName: 'kubernetes.default' }),
    );
    expect((await sni.version()).gitVersion).toBe(inject('k8sVersion'));
    sni.close();
    const wrongName = new KubeClient(
      connectionFromParts({ server, ca, token, tlsServerName: 'not-the-apiserver.example' }),
    );
    const err2 = await wrongName.version().catch((e: unknown) => e);
    wrongName.close();
    expect(err2).toBeInstanceOf(ConnectionError);
    expect((err2 as ConnectionError).errno).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('counts requests by verb', async () => {
    const c = KubeClient.fromKubeconfig({ kubeconfig: inject('kubeconfig') });
    await c.list(W, { namespace: ns });
    await c.list(W, { namespace: ns });
    await c.get({ apiVersion: 'v1', kind: 'Namespace' }, ns);
    expect(c.stats.byVerb).toEqual({ discovery: 2, list: 2, get: 1 });
    expect(c.stats.total).toBe(5);
    c.close();
  });
});
