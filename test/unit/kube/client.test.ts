// KubeClient against a tiny fake API server on loopback: request shapes, discovery, streams, retries.

import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Informer } from '../../../src/controllers/runtime/informer.js';
import {
  ClientClosedError,
  ConnectionError,
  type CredentialSource,
  connectionFromParts,
  defineResource,
  discoveryCacheFile,
  ExecCredentials,
  ForbiddenError,
  GoneError,
  KubeClient,
  type ResourceInfo,
  ResponseTooLargeError,
  TimeoutError,
  UnauthorizedError,
  UnknownResourceError,
} from '../../../src/kube/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  seen = [];
});

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
});

const aggregatedCore = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [
    {
      metadata: { name: '' },
      versions: [
        {
          version: 'v1',
          resources: [
            {
              resource: 'pods',
              responseKind: { group: '', version: 'v1', kind: 'Pod' },
              scope: 'Namespaced',
              singularResource: 'pod',
              verbs: ['get', 'list'],
              shortNames: ['po'],
              categories: ['all'],
              subresources: [{ subresource: 'log' }, { subresource: 'status' }],
            },
            {
              resource: 'namespaces',
              responseKind: { group: '', version: 'v1', kind: 'Namespace' },
              scope: 'Cluster',
              singularResource: 'namespace',
              verbs: ['get'],
              shortNames: ['ns'],
            },
          ],
        },
      ],
    },
  ],
};

const aggregatedApis = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [
    {
      metadata: { name: 'openchoreo.dev' },
      versions: [
        {
          version: 'v1alpha1',
          resources: [
            {
              resource: 'components',
              responseKind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'Component' },
              scope: 'Namespaced',
              singularResource: 'component',
              verbs: ['get', 'list', 'watch'],
              shortNames: ['comp'],
              subresources: [{ subresource: 'status' }],
            },
          ],
        },
      ],
    },
  ],
};

function discoveryHandler(next?: Handler): Handler {
  return (req, res) => {
    if (req.url === '/api') return json(res, 200, aggregatedCore);
    if (req.url === '/apis') return json(res, 200, aggregatedApis);
    if (next) return next(req, res);
    json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  };
}

const client = (opts: ConstructorParameters<typeof KubeClient>[1] = {}) =>
  new KubeClient(connectionFromParts({ server: base, token: 'the-token', namespace: 'team' }), opts);

describe('discovery', () => {
  it('uses aggregated discovery and resolves names, kinds and short names', async () => {
    handler = discoveryHandler();
    const c = client();
    const comp = await c.discovery.resolveName('comp');
    expect(comp).toMatchObject({
      group: 'openchoreo.dev',
      version: 'v1alpha1',
      resource: 'components',
      kind: 'Component',
      namespaced: true,
      singular: 'component',
      subresources: ['status'],
    });
    expect((await c.discovery.resolveName('Components.openchoreo.dev')).kind).toBe('Component');
    expect((await c.discovery.resolveName('component.v1alpha1.openchoreo.dev')).kind).toBe('Component');
    expect((await c.discovery.resolveName('po')).resource).toBe('pods');
    expect((await c.discovery.resolveName('ns')).namespaced).toBe(false);
    expect((await c.resolve({ apiVersion: 'v1', kind: 'Pod' })).subresources).toEqual(['log', 'status']);
    expect(c.discovery.mode).toBe('aggregated');
    // Two requests, with the aggregated Accept header, then everything from cache.
    expect(c.stats.byVerb.discovery).toBe(2);
    expect(seen[0]?.headers.accept).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    );
    expect(seen[0]?.headers.authorization).toBe('Bearer the-token');
  });

  it('refreshes once on a miss, then reports an unknown type clearly', async () => {
    handler = discoveryHandler();
    const c = client();
    await c.discovery.resources();
    await expect(c.discovery.resolveName('widgets')).rejects.toThrow(UnknownResourceError);
    expect(c.stats.byVerb.discovery).toBe(4);
    await expect(c.discovery.resolveName('widgets')).rejects.toThrow(
      `the server at ${base} doesn't have a resource type "widgets"`,
    );
  });

  it('keeps discovery on disk between clients, refetches past the TTL or on a miss', async () => {
    handler = discoveryHandler();
    const dir = mkdtempSync(join(tmpdir(), 'disc-'));
    const first = client({ discoveryCache: { dir, ttlMs: 60_000 } });
    expect((await first.discovery.resolveName('po')).resource).toBe('pods');
    expect(first.stats.byVerb.discovery).toBe(2);
    const file = discoveryCacheFile(dir, base);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A second process: no request at all.
    const second = client({ discoveryCache: { dir, ttlMs: 60_000 } });
    expect((await second.discovery.resolveName('ns')).namespaced).toBe(false);
    expect(second.discovery.mode).toBe('aggregated');
    expect(second.stats.byVerb.discovery ?? 0).toBe(0);
    // A name the cached list lacks (a CRD created since): asked again once, and the file is rewritten.
    await expect(second.discovery.resolveName('widgets')).rejects.toThrow(UnknownResourceError);
    expect(second.stats.byVerb.discovery).toBe(2);
    // Past the TTL: fetched again.
    const stale = client({ discoveryCache: { dir, ttlMs: 0 } });
    await stale.discovery.resolveName('po');
    expect(stale.stats.byVerb.discovery).toBe(2);
    // An unreadable file is no cache.
    writeFileSync(file, '{not json');
    const broken = client({ discoveryCache: { dir, ttlMs: 60_000 } });
    expect((await broken.discovery.resolveName('po')).resource).toBe('pods');
    expect(broken.stats.byVerb.discovery).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8')).mode).toBe('aggregated');
  });

  it('falls back to legacy discovery', async () => {
    handler = (req, res) => {
      if (req.url === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      if (req.url === '/apis') {
        return json(res, 200, {
          kind: 'APIGroupList',
          groups: [
            {
              name: 'apps',
              versions: [
                { groupVersion: 'apps/v1beta1', version: 'v1beta1' },
                { groupVersion: 'apps/v1', version: 'v1' },
              ],
              preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
            },
          ],
        });
      }
      if (req.url === '/api/v1') {
        return json(res, 200, {
          resources: [
            {
              name: 'pods',
              singularName: 'pod',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get'],
              shortNames: ['po'],
            },
            { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
          ],
        });
      }
      if (req.url === '/apis/apps/v1' || req.url === '/apis/apps/v1beta1') {
        const version = req.url.endsWith('v1') ? 'v1' : 'v1beta1';
        return json(res, 200, {
          groupVersion: `apps/${version}`,
          resources: [
            {
              name: 'deployments',
              singularName: '',
              namespaced: true,
              kind: 'Deployment',
              shortNames: ['deploy'],
            },
          ],
        });
      }
      json(res, 404, status(404, 'NotFound', 'nope'));
    };
    const c = client();
    const deploy = await c.discovery.resolveName('deploy');
    expect(deploy).toMatchObject({ group: 'apps', version: 'v1', singular: 'deployment' });
    expect((await c.discovery.resolveName('deployments.v1beta1.apps')).version).toBe('v1beta1');
    expect((await c.discovery.resolveName('pod')).subresources).toEqual(['status']);
    expect(c.discovery.mode).toBe('legacy');
  });

  it('registered resources skip discovery', async () => {
    handler = (req, res) => json(res, 200, { kind: 'Component', metadata: { name: req.url } });
    const info: ResourceInfo = {
      group: 'openchoreo.dev',
      version: 'v1alpha1',
      resource: 'components',
      kind: 'Component',
      namespaced: true,
      singular: 'component',
      shortNames: ['comp'],
      categories: [],
      verbs: [],
      subresources: ['status'],
    };
    const c = client({ resources: [info] });
    const got = await c.get<{ metadata: { name: string } }>(
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component' },
      'web',
    );
    expect(got.metadata.name).toBe('/apis/openchoreo.dev/v1alpha1/namespaces/team/components/web');
    expect((await c.discovery.resolveName('comp')).kind).toBe('Component');
    expect(c.stats).toEqual({ total: 1, byVerb: { get: 1 } });
  });
});

describe('requests', () => {
  const pods = { group: '', version: 'v1', resource: 'pods', namespaced: true };

  it('builds paths and queries for CRUD, apply, patch and delete', async () => {
    handler = discoveryHandler((req, res) => {
      if (req.method === 'DELETE' && req.url.includes('/gone'))
        return json(res, 404, status(404, 'NotFound', 'x'));
      json(res, 200, { kind: 'Echo', metadata: {} });
    });
    const c = client();
    await c.get(pods, 'p1', { namespace: 'ns1' });
    await c.list(pods, { labelSelector: 'app=x', fieldSelector: 'status.phase=Running', limit: 10 });
    await c.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
    await c.replace({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'other' } });
    await c.apply(
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component', metadata: { name: 'web' } },
      { fieldManager: 'choreoctl', force: true, dryRun: 'All' },
    );
    await c.patch(pods, 'p', { metadata: { labels: { a: 'b' } } });
    await c.patch(pods, 'p', [{ op: 'add', path: '/metadata/labels/x', value: 'y' }], { type: 'json' });
    await c.patchStatus({ apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component' }, 'web', {
      status: { ready: true },
    });
    expect(await c.delete(pods, 'p', { propagationPolicy: 'Foreground' })).toBe(true);
    expect(await c.delete(pods, 'gone')).toBe(false);
    await c.deleteCollection(pods, { labelSelector: 'app=x' });
    await c.get({ apiVersion: 'v1', kind: 'Namespace' }, 'kube-system', { namespace: 'ignored' });

    const calls = seen.filter((s) => s.url !== '/api' && s.url !== '/apis');
    expect(calls.map((s) => `${s.method} ${s.url} ${s.headers['content-type'] ?? ''}`.trim())).toEqual([
      'GET /api/v1/namespaces/ns1/pods/p1',
      'GET /api/v1/pods?labelSelector=app%3Dx&fieldSelector=status.phase%3DRunning&limit=10',
      'POST /api/v1/namespaces/team/pods application/json',
      'PUT /api/v1/namespaces/other/pods/p application/json',
      'PATCH /apis/openchoreo.dev/v1alpha1/namespaces/team/components/web?dryRun=All&fieldManager=choreoctl&force=true application/apply-patch+yaml',
      'PATCH /api/v1/namespaces/team/pods/p application/merge-patch+json',
      'PATCH /api/v1/namespaces/team/pods/p application/json-patch+json',
      'PATCH /apis/openchoreo.dev/v1alpha1/namespaces/team/components/web/status application/merge-patch+json',
      'DELETE /api/v1/namespaces/team/pods/p application/json',
      'DELETE /api/v1/namespaces/team/pods/gone application/json',
      'DELETE /api/v1/namespaces/team/pods?labelSelector=app%3Dx application/json',
      'GET /api/v1/namespaces/kube-system',
    ]);
    expect(JSON.parse(calls[8]?.body ?? '')).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(c.stats.byVerb).toMatchObject({
      get: 2,
      list: 1,
      create: 1,
      update: 1,
      apply: 1,
      patch: 3,
      delete: 2,
      deletecollection: 1,
    });
    await expect(
      c.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }, { fieldManager: '' }),
    ).rejects.toThrow(/fieldManager is required/);
  });

  it('pages through lists with limit/continue', async () => {
    const all = Array.from({ length: 5 }, (_, i) => ({ metadata: { name: `o${i}` } }));
    handler = (req, res) => {
      const u = new URL(req.url, 'http://x');
      const start = Number(u.searchParams.get('continue') ?? '0');
      const limit = Number(u.searchParams.get('limit'));
      const next = start + limit < all.length ? String(start + limit) : undefined;
      json(res, 200, {
        kind: 'PodList',
        metadata: { resourceVersion: `rv${start}`, ...(next ? { continue: next } : {}) },
        items: all.slice(start, start + limit),
      });
    };
    const c = client();
    const pages: number[] = [];
    for await (const page of c.listPages(pods, { namespace: 'a', limit: 2 })) pages.push(page.items.length);
    expect(pages).toEqual([2, 2, 1]);
    const { items, resourceVersion } = await c.listAll(pods, { limit: 2 });
    expect(items.map((i) => i.metadata?.name)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(resourceVersion).toBe('rv0');
  });

  it('maps error responses to typed errors', async () => {
    handler = (_req, res) =>
      json(
        res,
        403,
        status(
          403,
          'Forbidden',
          'pods is forbidden: User "restricted" cannot list resource "pods" in API group "" in the namespace "team"',
        ),
      );
    const err = await client()
      .list(pods, { namespace: 'team' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).verb).toBe('list');
    expect((err as Error).message).not.toContain('the-token');
  });
});

describe('authentication retries', () => {
  it('re-fetches credentials once after a 401', async () => {
    let issued = 0;
    const creds: CredentialSource = {
      get: async () => ({ token: `tok-${issued}` }),
      invalidate: () => {
        issued++;
        return true;
      },
    };
    handler = (req, res) => {
      if (req.headers.authorization === 'Bearer tok-1') return json(res, 200, { gitVersion: 'v1.35.4' });
      json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    };
    const conn = connectionFromParts({ server: base });
    conn.credentials = creds;
    const c = new KubeClient(conn);
    expect((await c.version()).gitVersion).toBe('v1.35.4');
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-0', 'Bearer tok-1']);

    // Still rejected after the refresh: UnauthorizedError, no loop, no token in the message.
    seen = [];
    handler = (_req, res) => json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(seen).toHaveLength(2);
    expect((err as Error).message).not.toMatch(/tok-/);
  });

  it('re-runs an exec plugin after a 401 and caches its token otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-401-'));
    try {
      // Prints token-1 on its first run, token-2 on the next ones.
      const script = join(dir, 'plugin.sh');
      writeFileSync(
        script,
        `#!/bin/sh
n=$(cat "${dir}/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${dir}/n"
[ $n -gt 1 ] && n=2
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-'$n'"}}'
`,
      );
      chmodSync(script, 0o755);
      handler = (req, res) => {
        if (req.headers.authorization === 'Bearer token-2') return json(res, 200, { gitVersion: 'v1' });
        json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      };
      const conn = connectionFromParts({ server: base });
      const exec = new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1', command: script });
      conn.credentials = exec;
      const c = new KubeClient(conn);
      await c.version();
      await c.version();
      expect(exec.runs).toBe(2);
      expect(seen.map((s) => s.headers.authorization)).toEqual([
        'Bearer token-1',
        'Bearer token-2',
        'Bearer token-2',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends basic auth and impersonation headers', async () => {
    handler = (_req, res) => json(res, 200, {});
    const conn = connectionFromParts({ server: base, username: 'u', password: 'p' });
    conn.impersonate = { user: 'jane', groups: ['g1', 'g2'] };
    await new KubeClient(conn).request('GET', '/healthz');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(seen[0]?.headers['impersonate-user']).toBe('jane');
    expect(seen[0]?.headers['impersonate-group']).toBe('g1, g2');
  });

  it('sends the impersonated uid and extra, one header per extra key', async () => {
    handler = (_req, res) => json(res, 200, {});
    const conn = connectionFromParts({ server: base, token: 't' });
    conn.impersonate = {
      user: 'system:serviceaccount:a:b',
      uid: 'u-1',
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=x'], scopes: ['a', 'b'], empty: [] },
    };
    await new KubeClient(conn).request('GET', '/healthz');
    expect(seen[0]?.headers['impersonate-uid']).toBe('u-1');
    expect(seen[0]?.headers['impersonate-extra-authentication.kubernetes.io%2fcredential-id']).toBe('JTI=x');
    expect(seen[0]?.headers['impersonate-extra-scopes']).toBe('a, b');
    expect(seen[0]?.headers['impersonate-extra-empty']).toBeUndefined();
  });

  it('retries 429 honouring Retry-After', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end(JSON.stringify(status(429, 'TooManyRequests', 'slow down')));
        return;
      }
      json(res, 200, { ok: true });
    };
    expect(await client().request('GET', '/x')).toEqual({ ok: true });
    expect(n).toBe(2);
  });
});

describe('warnings and static resources', () => {
  it('reports Warning headers through onWarning', async () => {
    handler = (_req, res) => {
      res.setHeader('warning', ['299 - "unknown field \\"spec.bogus\\""', '299 - "v1beta1 is deprecated"']);
      json(res, 200, {});
    };
    const warnings: string[] = [];
    const c = new KubeClient(connectionFromParts({ server: base }), { onWarning: (m) => warnings.push(m) });
    await c.request('GET', '/x');
    expect(warnings).toEqual(['unknown field "spec.bogus"', 'v1beta1 is deprecated']);
  });

  it('defineResource fills defaults', () => {
    expect(
      defineResource({
        group: 'openchoreo.dev',
        version: 'v1alpha1',
        kind: 'Component',
        resource: 'components',
        shortNames: ['comp'],
      }),
    ).toMatchObject({ namespaced: true, singular: 'component', shortNames: ['comp'], subresources: [] });
  });

  it('one caller aborting does not fail a shared discovery fetch', async () => {
    handler = (req, res) => setTimeout(() => discoveryHandler()(req, res), 50);
    const c = client();
    const ac = new AbortController();
    const a = c.discovery.resolveName('comp', ac.signal);
    const b = c.discovery.resolveName('comp');
    ac.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    expect((await b).kind).toBe('Component');
    expect(c.stats.byVerb.discovery).toBe(2);
  });
});

describe('transport failures', () => {
  it('a watch connection broken mid-stream is a ConnectionError', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const types: string[] = [];
    const err = await (async () => {
      try {
        for await (const e of client().watch({
          group: '',
          version: 'v1',
          resource: 'pods',
          namespaced: true,
        })) {
          types.push(e.type);
        }
      } catch (e) {
        return e;
      }
    })();
    expect(types).toEqual(['ADDED']);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(`cannot connect to the Kubernetes API server at ${base}`);
  });

  it('connection refused gives a ConnectionError naming the URL', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = new KubeClient(connectionFromParts({ server: `http://127.0.0.1:${port}` }));
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(
      `cannot connect to the Kubernetes API server at http://127.0.0.1:${port}`,
    );
    expect((err as Error).message).toContain('connection refused');
  });

  it('a slow server gives a client-side TimeoutError', async () => {
    handler = () => {
      /* never answer */
    };
    const c = new KubeClient(connectionFromParts({ server: base }), { timeoutMs: 100 });
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).clientSide).toBe(true);
    expect((err as Error).message).toBe(
      `GET ${base}/version timed out after 100 ms waiting for the API server`,
    );
  });

  it('an aborted request rejects with the abort reason', async () => {
    handler = () => {
      /* never answer */
    };
    const ac = new AbortController();
    const p = client().version(ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('streams', () => {
  const ev = (type: string, rv: string) =>
    `${JSON.stringify({ type, object: { metadata: { name: 'a', resourceVersion: rv } } })}\n`;

  it('watch parses events split across network chunks and sends watch parameters', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = ev('ADDED', '1') + ev('MODIFIED', '2') + ev('BOOKMARK', '3') + ev('DELETED', '4');
      let i = 0;
      const tick = () => {
        if (i >= text.length) return res.end();
        res.write(text.slice(i, i + 13));
        i += 13;
        setTimeout(tick, 1);
      };
      tick();
    };
    const c = client();
    const types: string[] = [];
    for await (const e of c.watch(
      { group: '', version: 'v1', resource: 'pods', namespaced: true },
      {
        namespace: 'n',
        resourceVersion: '0',
        allowWatchBookmarks: true,
        timeoutSeconds: 30,
        labelSelector: 'a=b',
      },
    )) {
      types.push(e.type);
    }
    expect(types).toEqual(['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED']);
    expect(seen[0]?.url).toBe(
      '/api/v1/namespaces/n/pods?watch=true&resourceVersion=0&labelSelector=a%3Db&allowWatchBookmarks=true&timeoutSeconds=30',
    );
    expect(c.stats.byVerb.watch).toBe(1);
  });

  it('watch throws GoneError on a 410 event', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version: 1 (9)') })}\n`,
      );
    };
    const it = client().watch({ group: '', version: 'v1', resource: 'pods', namespaced: true });
    await expect(it.next()).rejects.toBeInstanceOf(GoneError);
  });

  it('breaking out of a watch or aborting it closes the stream quietly', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(ev('ADDED', '1'));
      // stays open
    };
    const c = client();
    const ref = { group: '', version: 'v1', resource: 'pods', namespaced: true };
    for await (const e of c.watch(ref)) {
      expect(e.type).toBe('ADDED');
      break;
    }
    const ac = new AbortController();
    const got: string[] = [];
    for await (const e of c.watch(ref, { signal: ac.signal })) {
      got.push(e.type);
      ac.abort();
    }
    expect(got).toEqual(['ADDED']);
  });

  it('logs yields lines with the requested options', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('line one\nline t');
      setTimeout(() => res.end('wo\nlast'), 5);
    };
    const lines: string[] = [];
    for await (const l of client().logs('ns', 'pod-1', {
      container: 'app',
      follow: true,
      tailLines: 10,
      timestamps: true,
    })) {
      lines.push(l);
    }
    expect(lines).toEqual(['line one', 'line two', 'last']);
    expect(seen[0]?.url).toBe(
      '/api/v1/namespaces/ns/pods/pod-1/log?container=app&follow=true&tailLines=10&timestamps=true',
    );
  });
});

describe('bounded responses (issue 19, finding 4)', () => {
  const ref = { group: '', version: 'v1', resource: 'pods', namespaced: true };
  const KiB = 1024;

  /** Stream `chunk` until the client goes away; resolves with the bytes written once the response closes. */
  function endless(
    res: ServerResponse,
    chunk: Buffer,
    headers: Record<string, string> = {},
  ): Promise<number> {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    let written = 0;
    return new Promise((resolve) => {
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (res.destroyed) resolve(written);
      };
      res.on('drain', pump);
      res.on('close', () => resolve(written));
      pump();
    });
  }

  it('cuts a body over the limit as it arrives, naming the server and the size', async () => {
    let closed: Promise<number> = Promise.resolve(0);
    handler = (_req, res) => {
      closed = endless(res, Buffer.alloc(16 * KiB, 'x'));
    };
    const c = client({ maxBodyBytes: { other: 256 * KiB } });
    const err = await c.request('GET', '/big').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    const e = err as ResponseTooLargeError;
    expect(e.server).toBe(base);
    expect(e.limit).toBe(256 * KiB);
    expect(e.received).toBeGreaterThan(256 * KiB);
    expect(e.message).toMatch(
      new RegExp(
        `^GET ${base}/big: the response is larger than the 256 KiB this client accepts \\(it exceeded it after 2\\d\\d\\.?\\d? KiB\\)`,
      ),
    );
    // The client stopped reading: the server's response was closed, not drained into memory.
    expect(await closed).toBeLessThan(16 * 1024 * KiB);
    c.close();
  });

  it('refuses a body whose Content-Length is over the limit without reading it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(600 * 1024 * KiB) });
      res.write('{');
    };
    const c = client();
    const err = await c.request('GET', '/huge').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toContain(
      'larger than the 16 MiB this client accepts (it announces 600 MiB)',
    );
    c.close();
  });

  it('lists get the larger limit, and a page over it is asked again in smaller pages', async () => {
    const limits: number[] = [];
    handler = (req, res) => {
      if (req.url === '/api' || req.url === '/apis') return discoveryHandler()(req, res);
      const u = new URL(req.url, 'http://x');
      const limit = Number(u.searchParams.get('limit'));
      limits.push(limit);
      const start = Number(u.searchParams.get('continue') ?? '0');
      const n = Math.min(limit, 10 - start);
      // Each item is 100 KiB: more than 5 of them is over the 512 KiB list limit.
      const items = Array.from({ length: n }, (_, i) => ({
        metadata: { name: `p${start + i}` },
        pad: 'y'.repeat(100 * KiB),
      }));
      const next = start + n < 10 ? String(start + n) : undefined;
      json(res, 200, {
        kind: 'PodList',
        metadata: { resourceVersion: '7', ...(next ? { continue: next } : {}) },
        items,
      });
    };
    const c = client({ maxBodyBytes: { list: 512 * KiB, other: 64 * KiB } });
    const { items } = await c.listAll(ref, { namespace: 'a', limit: 20 });
    expect(items.map((i) => i.metadata?.name)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    expect(limits).toEqual([20, 10, 5, 5]);
    // A get of one such object is over the smaller limit.
    await expect(
      c.request('GET', '/api/v1/namespaces/a/pods?limit=5', { verb: 'get' }),
    ).rejects.toBeInstanceOf(ResponseTooLargeError);
    c.close();
  });

  it('a body that never ends is cut at the request deadline', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": [');
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('1,')), 20);
    };
    const c = client({ timeoutMs: 300 });
    const err = await c.request('GET', '/drip').catch((e: unknown) => e);
    // The body never ends: only the deadline can end the request (a TimeoutError, not the test's timeout).
    expect(err).toBeInstanceOf(TimeoutError);
    c.close();
  });

  it('the deadline covers 429 retries: no wait the deadline would cut', async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      res.writeHead(429, { 'retry-after': '5', 'content-type': 'application/json' });
      res.end(JSON.stringify(status(429, 'TooManyRequests', 'slow down')));
    };
    const c = client({ timeoutMs: 1000 });
    const t0 = Date.now();
    await expect(c.request('GET', '/x')).rejects.toMatchObject({ code: 429 });
    expect(Date.now() - t0).toBeLessThan(4_000); // the server asked for 5 s: that wait was not started
    expect(n).toBe(1);
    c.close();
  });

  it('a watch event or log line longer than the limit ends the stream with a named error', async () => {
    handler = (_req, res) => {
      void endless(res, Buffer.alloc(16 * KiB, 'z'));
    };
    const c = client({ maxBodyBytes: { other: 128 * KiB } });
    const werr = await (async () => {
      for await (const _ of c.watch(ref)) {
        /* none */
      }
    })().catch((e: unknown) => e);
    expect(werr).toBeInstanceOf(ResponseTooLargeError);
    expect((werr as Error).message).toContain(`GET ${base}/api/v1/pods`);
    expect((werr as Error).message).toContain('a watch event is larger than the 128 KiB this client accepts');
    const lerr = await (async () => {
      for await (const _ of c.logs('ns', 'p')) {
        /* none */
      }
    })().catch((e: unknown) => e);
    expect(lerr).toBeInstanceOf(ResponseTooLargeError);
    expect((lerr as Error).message).toContain('a log line is larger than');
    c.close();
  });

  it('destroy() aborts requests and watches in flight and refuses new ones', async () => {
    handler = (req, res) => {
      if (req.url.includes('watch')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      }
      // otherwise: never answer
    };
    const c = client({ timeoutMs: 0 });
    const get = c.request('GET', '/hang').catch((e: unknown) => e);
    const watched: string[] = [];
    const watch = (async () => {
      for await (const e of c.watch(ref)) watched.push(e.type);
    })().catch((e: unknown) => e);
    await until(() => watched.length === 1 && seen.length >= 2);
    c.destroy('shutting down');
    expect(await get).toBeInstanceOf(ClientClosedError);
    expect(await watch).toBeInstanceOf(ClientClosedError);
    expect(((await watch) as Error).message).toBe(`${base}: shutting down`);
    await expect(c.version()).rejects.toBeInstanceOf(ClientClosedError);
    expect(c.destroyed).toBe(true);
  });

  it('an informer over a destroyed client stops for good instead of retrying', async () => {
    handler = () => {
      /* never answer the list */
    };
    const c = client({ timeoutMs: 0 });
    const inf = new Informer(c, ref, { resyncMs: 0 });
    const synced = inf.start().catch((e: unknown) => e);
    await until(() => seen.length >= 1);
    c.destroy();
    expect(await synced).toBeInstanceOf(ClientClosedError);
    await inf.stop();
    expect(seen.filter((s) => s.url.startsWith('/api/v1/pods'))).toHaveLength(1);
  });
});

/** Poll a condition every 5 ms for up to 5 s (event-less fake-server state). */
async function until(fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}
