/**
 * The REST server in-process on 127.0.0.1 against the harness's real kube-apiserver: auth by TokenReview
 * and impersonation (admin, restricted, a user bound in one organization), every route, the error
 * shape, all-or-nothing apply, and no token or credential in responses or logs.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { Authenticator } from '../../../src/server/auth.js';
import { type LogLine, type RunningServer, startServer } from '../../../src/server/index.js';
import { installCrds, newClient, uniqueName, until } from '../helpers.js';

let admin: KubeClient;
let server: RunningServer;
const logs: LogLine[] = [];
const bodies: string[] = [];
let adminToken = '';
let restrictedToken = '';
const orgA = uniqueName('srv-a');
const orgB = uniqueName('srv-b');
const PLANE_SECRET = 'plane-client-key-do-not-leak-9f8e7d';
const OBSERVER_PASSWORD = 'observer-pass-do-not-leak-1a2b3c';

function tokenOf(kubeconfig: string): string {
  const k = parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
  return k.users[0]?.user.token ?? '';
}

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; contentType?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field by the assertions
): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  bodies.push(text);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text (metrics)
  }
  return { status: res.status, body: parsed, text };
}

const project = (name: string, org: string) => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Project',
  metadata: { name, namespace: org, annotations: { 'openchoreo.dev/display-name': `Project ${name}` } },
  spec: { deploymentPipelineRef: 'default' },
});

beforeAll(async () => {
  admin = newClient(inject('kubeconfig'));
  adminToken = tokenOf(inject('kubeconfig'));
  restrictedToken = tokenOf(inject('restrictedKubeconfig'));
  await installCrds(admin);
  for (const org of [orgA, orgB]) {
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
    await admin.create({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Organization',
      metadata: { name: org },
      spec: {},
    });
  }
  // `restricted` may read and write openchoreo.dev objects in orgA only.
  await admin.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'choreo-member', namespace: orgA },
    rules: [
      {
        apiGroups: ['openchoreo.dev'],
        resources: ['*'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
      },
      // what `logs` reads: the pods of the organization's cells (here: its own namespace)
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ],
  });
  await admin.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'choreo-member', namespace: orgA },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'choreo-member' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  });
  server = await startServer({
    kube: admin,
    log: (l) => logs.push(l),
    requestTimeoutMs: 20_000,
    bodyLimit: 256 * 1024,
  });
});

afterAll(async () => {
  await server?.close();
  for (const org of [orgA, orgB]) {
    await admin
      .delete(
        { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'organizations', namespaced: false },
        org,
      )
      .catch(() => {});
    await admin
      .delete({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, org)
      .catch(() => {});
  }
  admin?.close();
});

describe('unauthenticated endpoints', () => {
  it('/healthz, /readyz (asks the apiserver), /version, /metrics', async () => {
    expect((await call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call('GET', '/readyz')).status).toBe(200);
    const v = await call('GET', '/version');
    expect(v.body.gitVersion).toMatch(/^v\d+\.\d+\.\d+/);
    await call('GET', '/api/v1alpha1/orgs', { token: adminToken });
    const m = await call('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toContain(
      'choreoctl_http_requests_total{method="GET",route="/api/v1alpha1/orgs",status="200"}',
    );
  });

  it('/openapi.json: OpenAPI 3.1 from the zod schemas, every namespaced kind with its operations', async () => {
    const r = await call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.paths['/api/v1alpha1/orgs/{org}/components'].get.operationId).toBe('listComponent');
    expect(r.body.paths['/api/v1alpha1/batch/apply'].post.operationId).toBe('applyObjects');
    expect(Object.keys(r.body.paths['/api/v1alpha1/orgs/{org}/projects/{name}']).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(r.body.components.schemas.Component.properties.spec.properties.type.enum).toContain('Service');
  });

  it('/docs: an HTML page listing every operation, no script', async () => {
    const r = await call('GET', '/docs');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^<!doctype html>/);
    expect(r.text).toContain('id="listComponent"');
    expect(r.text).toContain('<code>/api/v1alpha1/orgs/{org}/projects/{name}</code>');
    expect(r.text).not.toContain('<script');
  });

  it('an unknown route is a JSON 404 in the one error shape', async () => {
    const r = await call('GET', '/nope');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ status: 404, code: 'NotFound', details: [] });
  });
});

describe('authentication', () => {
  it('401 without a token, with a bad one, and with a malformed header; upstream routes in their envelope', async () => {
    for (const token of [undefined, 'not-a-real-token', '']) {
      const r = await call(
        'GET',
        `/api/v1alpha1/orgs/${orgA}/projects`,
        token === undefined ? {} : { token },
      );
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('Unauthorized');
    }
    const up = await call('GET', '/api/v1/orgs', { token: 'bad' });
    expect(up.status).toBe(401);
    expect(up.body).toEqual({ success: false, error: expect.any(String), code: 'UNAUTHORIZED' });
  });

  it('TokenReview answers (yes and no) are cached per token hash for the TTL, then asked again', async () => {
    let now = 1_000_000;
    const auth = new Authenticator(admin, { ttlMs: 10_000, now: () => now });
    for (let i = 0; i < 3; i++)
      expect((await auth.authenticate(restrictedToken)).username).toBe('restricted');
    expect(auth.reviews).toBe(1);
    await expect(auth.authenticate('bad-token')).rejects.toMatchObject({ status: 401 });
    await expect(auth.authenticate('bad-token')).rejects.toMatchObject({ status: 401 });
    expect(auth.reviews).toBe(2);
    now += 10_001;
    const u = await auth.authenticate(restrictedToken);
    expect(auth.reviews).toBe(3);
    expect(u.groups).toContain('system:authenticated');
    auth.close();
  });
});

describe('resources as the caller', () => {
  it('create, get, list (selector, limit/continue), update (apply), delete', async () => {
    const base = `/api/v1alpha1/orgs/${orgA}/projects`;
    for (const n of ['p1', 'p2', 'p3']) {
      const c = await call('POST', base, {
        token: adminToken,
        body: {
          ...project(n, orgA),
          metadata: { ...project(n, orgA).metadata, labels: { tier: n === 'p3' ? 'gold' : 'std' } },
        },
      });
      expect(c.status, c.text).toBe(201);
      expect(c.body.metadata.name).toBe(n);
    }
    // a POST of an object that exists is refused and writes nothing (it once applied, then answered 409)
    const dup = await call('POST', base, {
      token: adminToken,
      body: { ...project('p1', orgA), metadata: { ...project('p1', orgA).metadata, labels: { tier: 'x' } } },
    });
    expect(dup.status, dup.text).toBe(409);
    const g = await call('GET', `${base}/p1`, { token: adminToken });
    expect(g.body.metadata.labels).toEqual({ tier: 'std' });
    expect(g.body).toMatchObject({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Project',
      metadata: { name: 'p1', namespace: orgA },
    });
    const sel = await call('GET', `${base}?labelSelector=tier%3Dgold`, { token: adminToken });
    expect(sel.body.items.map((o: KubeObject) => o.metadata?.name)).toEqual(['p3']);
    const page1 = await call('GET', `${base}?limit=2`, { token: adminToken });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.metadata.continue).toBeTruthy();
    const page2 = await call(
      'GET',
      `${base}?limit=2&continue=${encodeURIComponent(page1.body.metadata.continue)}`,
      { token: adminToken },
    );
    expect(page2.body.items.map((o: KubeObject) => o.metadata?.name)).toEqual(['p3']);
    const upd = await call('PUT', `${base}/p1`, {
      token: adminToken,
      body: {
        ...project('p1', orgA),
        metadata: { name: 'p1', annotations: { 'openchoreo.dev/description': 'updated' } },
      },
    });
    expect(upd.status, upd.text).toBe(200);
    expect(upd.body.metadata.annotations['openchoreo.dev/description']).toBe('updated');
    const del = await call('DELETE', `${base}/p2`, { token: adminToken });
    expect(del.status).toBe(200);
    expect((await call('GET', `${base}/p2`, { token: adminToken })).status).toBe(404);
    expect((await call('DELETE', `${base}/p2`, { token: adminToken })).status).toBe(404);
  });

  it('watch: newline-delimited events as the caller, from now; 403 before the stream when not allowed', async () => {
    const base = `/api/v1alpha1/orgs/${orgA}/projects`;
    const ctl = new AbortController();
    const res = await fetch(`${server.url}${base}?watch=true`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const created = call('POST', base, { token: adminToken, body: project('watched', orgA) });
    let buf = '';
    let event: { type: string; object: KubeObject } | undefined;
    while (!event) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      for (const line of buf.split('\n').slice(0, -1)) {
        const ev = JSON.parse(line) as { type: string; object: KubeObject };
        if (ev.type === 'ADDED' && ev.object.metadata?.name === 'watched') event = ev;
      }
    }
    expect((await created).status).toBe(201);
    expect(event?.object.kind).toBe('Project');
    ctl.abort();
    const denied = await call('GET', `/api/v1alpha1/orgs/${orgB}/projects?watch=true`, {
      token: restrictedToken,
    });
    expect(denied.status).toBe(403);
  });

  it('closing the server ends open watch streams instead of waiting for them', async () => {
    const second = await startServer({ kube: admin, log: () => {} });
    const res = await fetch(`${second.url}/api/v1alpha1/orgs/${orgA}/projects?watch=true`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    const text = res.text();
    const t0 = Date.now();
    await second.close();
    expect(Date.now() - t0).toBeLessThan(30_000); // not the 72 s keep-alive timeout (slack for a loaded machine)
    const lines = (await text).trim().split('\n');
    expect(JSON.parse(lines[0] as string).type).toBe('BOOKMARK');
  });

  it('bad names and bodies are refused before Kubernetes is asked, with field paths', async () => {
    const bad = await call('GET', `/api/v1alpha1/orgs/Bad_Org/projects`, { token: adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('organization');
    expect((await call('GET', `/api/v1alpha1/orgs/${orgA}/widgets`, { token: adminToken })).status).toBe(404);
    expect(
      (await call('GET', `/api/v1alpha1/orgs/${orgA}/projects?limit=-1`, { token: adminToken })).status,
    ).toBe(400);
    const wrongNs = await call('POST', `/api/v1alpha1/orgs/${orgA}/projects`, {
      token: adminToken,
      body: project('x', orgB),
    });
    expect(wrongNs.status).toBe(400);
    expect(wrongNs.body.details[0].field).toBe('metadata.namespace');
    const schema = await call('POST', `/api/v1alpha1/orgs/${orgA}/components`, {
      token: adminToken,
      body: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Component',
        metadata: { name: 'c1' },
        spec: { type: 'NoSuchType' },
      },
    });
    expect(schema.status).toBe(422);
    expect(schema.body.code).toBe('Invalid');
    expect(schema.body.details.some((d: { field?: string }) => d.field?.startsWith('spec'))).toBe(true);
    const notJson = await call('POST', `/api/v1alpha1/orgs/${orgA}/projects`, {
      token: adminToken,
      body: '{nope',
      contentType: 'application/json',
    });
    expect(notJson.status).toBe(400);
    const tooBig = await call('POST', '/api/v1alpha1/apply', {
      token: adminToken,
      body: 'x'.repeat(300 * 1024),
      contentType: 'application/yaml',
    });
    expect(tooBig.status).toBe(413);
  });

  it('the restricted identity: 403 naming verb and resource outside its organization, never a 500', async () => {
    const r = await call('GET', `/api/v1alpha1/orgs/${orgB}/projects`, { token: restrictedToken });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'Forbidden', verb: 'list', resource: 'projects.openchoreo.dev' });
    expect(r.body.message).toContain('restricted');
    const w = await call('POST', `/api/v1alpha1/orgs/${orgB}/projects`, {
      token: restrictedToken,
      body: project('nope', orgB),
    });
    expect(w.status).toBe(403);
    const g = await call('GET', `/api/v1alpha1/orgs/${orgB}`, { token: restrictedToken });
    expect(g.status).toBe(403);
    expect(g.body.verb).toBe('get');
  });

  it('a user bound in one organization sees only it in lists, and works there', async () => {
    const orgs = await call('GET', '/api/v1alpha1/orgs', { token: restrictedToken });
    expect(orgs.status, orgs.text).toBe(200);
    expect(orgs.body.items.map((o: KubeObject) => o.metadata?.name)).toEqual([orgA]);
    const up = await call('GET', '/api/v1/orgs', { token: restrictedToken });
    expect(up.body.data.items.map((o: { name: string }) => o.name)).toEqual([orgA]);
    const adminOrgs = await call('GET', '/api/v1alpha1/orgs', { token: adminToken });
    const names = adminOrgs.body.items.map((o: KubeObject) => o.metadata?.name);
    expect(names).toEqual(expect.arrayContaining([orgA, orgB]));
    const c = await call('POST', `/api/v1alpha1/orgs/${orgA}/projects`, {
      token: restrictedToken,
      body: project('mine', orgA),
    });
    expect(c.status, c.text).toBe(201);
    // made as the caller: the managed fields name our field manager, the audit user is `restricted`
    const l = await call('GET', `/api/v1alpha1/orgs/${orgA}/projects`, { token: restrictedToken });
    expect(l.body.items.map((o: KubeObject) => o.metadata?.name)).toContain('mine');
  });
});

describe('apply', () => {
  const yaml = (org: string, second: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: Project
metadata:
  name: applied-1
  namespace: ${org}
spec:
  deploymentPipelineRef: default
---
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: applied-c
  namespace: ${org}
spec:
${second}
`;

  it('a bad document anywhere: 422 with file:line and field, and nothing is written', async () => {
    const r = await call('POST', `/api/v1alpha1/apply`, {
      token: adminToken,
      body: yaml(orgA, '  owner: {projectName: applied-1}\n  type: Bogus'),
      contentType: 'application/yaml',
    });
    expect(r.status, r.text).toBe(422);
    expect(r.body.details[0]).toMatchObject({ object: 'Component/applied-c' });
    expect(r.body.details[0].location).toMatch(/^request:\d+:\d+$/);
    expect(
      (await call('GET', `/api/v1alpha1/orgs/${orgA}/projects/applied-1`, { token: adminToken })).status,
    ).toBe(404);
    // a kind only the server can judge (a denied namespace) fails the dry-run: nothing is written either
    const denied = await call('POST', `/api/v1alpha1/apply`, {
      token: restrictedToken,
      body: `${yaml(orgA, '  owner: {projectName: applied-1}\n  type: Service').replace(`namespace: ${orgA}\nspec:\n${'  owner'}`, `namespace: ${orgB}\nspec:\n  owner`)}`,
      contentType: 'application/yaml',
    });
    expect(denied.status, denied.text).toBe(403);
    expect(denied.body.details[0].object).toBe('Component/applied-c');
    expect(
      (await call('GET', `/api/v1alpha1/orgs/${orgA}/projects/applied-1`, { token: adminToken })).status,
    ).toBe(404);
  });

  it('a good multi-document apply writes all, in order; JSON works too', async () => {
    const r = await call('POST', `/api/v1alpha1/apply`, {
      token: adminToken,
      body: yaml(orgA, '  owner: {projectName: applied-1}\n  type: Service'),
      contentType: 'application/yaml',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.results.map((x: { kind: string; action: string }) => `${x.kind}:${x.action}`)).toEqual([
      'Project:created',
      'Component:created',
    ]);
    const j = await call('POST', `/api/v1alpha1/apply`, {
      token: adminToken,
      body: project('applied-2', orgA),
    });
    expect(j.status, j.text).toBe(200);
    const other = await call('POST', `/api/v1alpha1/apply`, {
      token: adminToken,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: orgA } },
    });
    expect(other.status).toBe(422);
    expect(other.body.details[0].field).toBe('kind');
  });
});

describe('upstream /api/v1 routes', () => {
  it('projects, components, environments, data planes in upstream envelope; no credential', async () => {
    await admin
      .create({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'DataPlane',
        metadata: { name: 'dp1', namespace: orgA },
        spec: {
          kubernetesCluster: {
            server: 'https://dp.example:6443',
            auth: { mtls: { clientCert: { value: 'CERT' }, clientKey: { value: PLANE_SECRET } } },
          },
          registry: { prefix: 'registry.example/acme' },
          gateway: { publicVirtualHost: 'pub.example', organizationVirtualHost: 'org.example' },
          observer: {
            url: 'https://observer.example',
            authentication: { basicAuth: { username: 'obs', password: OBSERVER_PASSWORD } },
          },
        },
      } as KubeObject)
      .catch((e: unknown) => {
        throw new Error(`creating the DataPlane fixture: ${(e as Error).message}`);
      });
    const p = await call('GET', `/api/v1/orgs/${orgA}/projects`, { token: adminToken });
    expect(p.body.success).toBe(true);
    expect(p.body.data.totalCount).toBe(p.body.data.items.length);
    const names = p.body.data.items.map((x: { name: string }) => x.name);
    expect(names).toEqual([...names].sort());
    expect(p.body.data.items.find((x: { name: string }) => x.name === 'p3')).toMatchObject({
      orgName: orgA,
      displayName: 'Project p3',
      deploymentPipeline: 'default',
    });
    const one = await call('GET', `/api/v1/orgs/${orgA}/projects/p1`, { token: adminToken });
    expect(one.body).toMatchObject({ success: true, data: { name: 'p1' } });
    const comps = await call('GET', `/api/v1/orgs/${orgA}/projects/applied-1/components`, {
      token: adminToken,
    });
    expect(comps.body.data.items).toMatchObject([
      { name: 'applied-c', type: 'Service', projectName: 'applied-1', orgName: orgA },
    ]);
    const comp = await call('GET', `/api/v1/orgs/${orgA}/projects/applied-1/components/applied-c`, {
      token: adminToken,
    });
    expect(comp.body.data.buildConfig).toBeDefined();
    const missing = await call('GET', `/api/v1/orgs/${orgA}/projects/nope/components`, { token: adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, code: 'PROJECT_NOT_FOUND' });
    const envs = await call('GET', `/api/v1/orgs/${orgA}/environments`, { token: adminToken });
    expect(envs.body).toMatchObject({ success: true, data: { items: [], totalCount: 0 } });
    const dps = await call('GET', `/api/v1/orgs/${orgA}/dataplanes`, { token: adminToken });
    expect(dps.body.data.items[0]).toMatchObject({
      name: 'dp1',
      apiServerURL: 'https://dp.example:6443',
      observerUsername: 'obs',
    });
    const raw = await call('GET', `/api/v1alpha1/orgs/${orgA}/dataplanes/dp1`, { token: adminToken });
    expect(raw.status).toBe(200);
    expect(raw.text).toContain('<redacted>');
    const forbidden = await call('GET', `/api/v1/orgs/${orgB}/projects`, { token: restrictedToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ success: false, code: 'FORBIDDEN' });
  });

  it('writes: create projects, environments, data planes, components; apply and delete one object', async () => {
    const V1 = `/api/v1/orgs/${orgA}`;
    const p = await call('POST', `${V1}/projects`, {
      token: adminToken,
      body: { name: 'up-p', displayName: 'Up P', deploymentPipeline: 'default' },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.body).toMatchObject({
      success: true,
      data: { name: 'up-p', orgName: orgA, displayName: 'Up P', deploymentPipeline: 'default' },
    });
    const live = await call('GET', `/api/v1alpha1/orgs/${orgA}/projects/up-p`, { token: adminToken });
    expect(live.body.metadata.labels).toEqual({
      'openchoreo.dev/organization': orgA,
      'openchoreo.dev/name': 'up-p',
    });
    const again = await call('POST', `${V1}/projects`, { token: adminToken, body: { name: 'up-p' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, code: 'PROJECT_EXISTS' });
    const noName = await call('POST', `${V1}/projects`, { token: adminToken, body: {} });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ success: false, code: 'INVALID_INPUT' });

    const env = await call('POST', `${V1}/environments`, {
      token: adminToken,
      body: { name: 'up-env', isProduction: true, dnsPrefix: 'prod' },
    });
    expect(env.status, env.text).toBe(201);
    expect(env.body.data).toMatchObject({
      name: 'up-env',
      displayName: 'up-env',
      description: 'Environment for up-env',
      dataPlaneRef: 'default',
      isProduction: true,
      dnsPrefix: 'prod',
    });

    const dp = await call('POST', `${V1}/dataplanes`, {
      token: adminToken,
      body: {
        name: 'up-dp',
        registryPrefix: 'registry.example/acme',
        apiServerURL: 'https://dp2.example:6443',
        caCert: 'CA',
        clientCert: 'CERT',
        clientKey: PLANE_SECRET,
        publicVirtualHost: 'pub.example',
        organizationVirtualHost: 'org.example',
        observerURL: 'https://observer.example',
        observerUsername: 'obs',
        observerPassword: OBSERVER_PASSWORD,
      },
    });
    expect(dp.status, dp.text).toBe(201);
    expect(dp.body.data).toMatchObject({
      name: 'up-dp',
      apiServerURL: 'https://dp2.example:6443',
      observerUsername: 'obs',
    });
    const badDp = await call('POST', `${V1}/dataplanes`, { token: adminToken, body: { name: 'up-dp2' } });
    expect(badDp.status).toBe(400);
    expect(badDp.body.error).toContain('spec.registry.prefix');

    const c = await call('POST', `${V1}/projects/up-p/components`, {
      token: adminToken,
      body: {
        name: 'up-c',
        type: 'Service',
        buildConfig: {
          repoUrl: 'https://github.com/acme/up',
          repoBranch: 'main',
          componentPath: '/svc',
          buildTemplateRef: 'docker',
        },
      },
    });
    expect(c.status, c.text).toBe(201);
    expect(c.body.data).toMatchObject({
      name: 'up-c',
      projectName: 'up-p',
      buildConfig: {
        repoUrl: 'https://github.com/acme/up',
        repoBranch: 'main',
        componentPath: '/svc',
        buildTemplateRef: 'docker',
      },
    });
    const orphan = await call('POST', `${V1}/projects/nope/components`, {
      token: adminToken,
      body: { name: 'x', type: 'Service' },
    });
    expect(orphan.body).toMatchObject({ success: false, code: 'COMPONENT_NOT_FOUND' });
    expect(orphan.status).toBe(404);

    const doc = { ...project('up-applied', orgA) };
    const a1 = await call('POST', '/api/v1/apply', { token: adminToken, body: doc });
    expect(a1.body).toEqual({
      success: true,
      data: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Project',
        name: 'up-applied',
        namespace: orgA,
        operation: 'created',
      },
    });
    expect((await call('POST', '/api/v1/apply', { token: adminToken, body: doc })).body.data.operation).toBe(
      'unchanged',
    );
    const changed = { ...doc, metadata: { ...doc.metadata, labels: { tier: 'x' } } };
    expect(
      (await call('POST', '/api/v1/apply', { token: adminToken, body: changed })).body.data.operation,
    ).toBe('updated');
    const cm = await call('POST', '/api/v1/apply', {
      token: adminToken,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: orgA } },
    });
    expect(cm.status).toBe(400);
    expect(cm.body.error).toContain("only resources with 'openchoreo.dev' group are supported");
    expect(
      (await call('DELETE', '/api/v1/delete', { token: adminToken, body: doc })).body.data.operation,
    ).toBe('deleted');
    expect(
      (await call('DELETE', '/api/v1/delete', { token: adminToken, body: doc })).body.data.operation,
    ).toBe('not_found');
  });

  it('the service catalog of an organization', async () => {
    const r = await call('GET', `/api/v1alpha1/orgs/${orgA}/catalog`, { token: adminToken });
    expect(r.status, r.text).toBe(200);
    expect(r.body.items).toEqual([]);
  });
});

describe('log streams', () => {
  const API = 'openchoreo.dev/v1alpha1';
  const logsOf = (org: string, name: string, q = '') =>
    `/api/v1alpha1/orgs/${org}/components/${name}/logs${q ? `?${q}` : ''}`;
  /** The newline-delimited events of a finished stream. */
  const events = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

  beforeAll(async () => {
    const meta = (name: string) => ({ name, namespace: orgA });
    const objects: KubeObject[] = [
      { apiVersion: API, kind: 'Environment', metadata: meta('logs-dev'), spec: { dataPlaneRef: 'default' } },
      {
        apiVersion: API,
        kind: 'DeploymentPipeline',
        metadata: meta('logs-pipe'),
        spec: { promotionPaths: [{ sourceEnvironmentRef: 'logs-dev', targetEnvironmentRefs: [] }] },
      },
      {
        apiVersion: API,
        kind: 'Project',
        metadata: meta('logs-p'),
        spec: { deploymentPipelineRef: 'logs-pipe' },
      },
      ...['with-pod', 'no-pod'].flatMap((c): KubeObject[] => [
        {
          apiVersion: API,
          kind: 'Component',
          metadata: meta(c),
          spec: { owner: { projectName: 'logs-p' }, type: 'Service' },
        },
        {
          apiVersion: API,
          kind: 'ServiceBinding',
          metadata: meta(`${c}-logs-dev`),
          spec: {
            owner: { projectName: 'logs-p', componentName: c },
            environment: 'logs-dev',
            className: 'default',
            workloadSpec: { containers: { main: { image: 'ghcr.io/acme/x:1' } } },
          },
        },
      ]),
      // a pod of `with-pod` that no node runs: its container never starts
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...meta('with-pod-1'),
          labels: {
            'organization-name': orgA,
            'project-name': 'logs-p',
            'component-name': 'with-pod',
            'environment-name': 'logs-dev',
          },
        },
        spec: { containers: [{ name: 'main', image: 'ghcr.io/acme/x:1' }] },
      },
    ];
    for (const o of objects) await admin.create(o);
    // what the project controller reports: the cell of the environment is the organization's namespace here
    await admin.applyStatus(
      {
        apiVersion: API,
        kind: 'Project',
        metadata: meta('logs-p'),
        status: { cells: [{ environment: 'logs-dev', namespace: orgA, dataPlane: 'default' }] },
      },
      { fieldManager: 'server-test', force: true },
    );
  });

  it('a component: NDJSON events as the caller; the pod that has not started is a warning', async () => {
    const r = await call('GET', logsOf(orgA, 'with-pod'), { token: restrictedToken });
    expect(r.status, r.text).toBe(200);
    expect(events(r.text)).toEqual([
      { type: 'warning', pod: 'with-pod-1', container: 'main', message: 'not started yet (pod Pending)' },
    ]);
  });

  it("what cannot be read is the answer's status, before any line; a failure while reading is an error line", async () => {
    const unknown = await call('GET', logsOf(orgA, 'nosuch'), { token: adminToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'ComponentNotFound' });
    expect(unknown.body.message).toMatch(/; components there: .*\bno-pod, .*\bwith-pod\b/);
    const env = await call('GET', logsOf(orgA, 'with-pod', 'environment=prod'), { token: adminToken });
    expect(env.status).toBe(404);
    expect(env.body.message).toContain('"prod" is not one of project "logs-p"\'s environments: logs-dev');
    const noPods = await call('GET', logsOf(orgA, 'no-pod'), { token: adminToken });
    expect(noPods.status).toBe(200);
    expect(events(noPods.text)).toEqual([
      { type: 'error', error: expect.objectContaining({ status: 404, code: 'NoPods' }) },
    ]);
    const container = await call('GET', logsOf(orgA, 'with-pod', 'container=nope'), { token: adminToken });
    expect(events(container.text)).toEqual([
      {
        type: 'error',
        error: expect.objectContaining({
          code: 'ContainerNotFound',
          message: 'container "nope" not found in pod with-pod-1; its containers: main',
        }),
      },
    ]);
    for (const q of [
      'tailLines=-1',
      'follow=yes',
      'sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z',
      'container=Bad_Name',
      'maxRequests=0',
    ]) {
      const bad = await call('GET', logsOf(orgA, 'with-pod', q), { token: adminToken });
      expect(bad.status, q).toBe(400);
      expect(bad.body.message, q).toMatch(/^invalid query parameter \w+: /);
    }
    const build = await call('GET', `/api/v1alpha1/orgs/${orgA}/builds/nosuch/logs`, { token: adminToken });
    expect(build.status).toBe(404);
    expect(build.body.message).toBe(
      `build "nosuch" not found in organization "${orgA}" (see: choreoctl get builds)`,
    );
  });

  it('another organization: 403 as the caller; no token: 401', async () => {
    for (const path of [logsOf(orgB, 'with-pod'), `/api/v1alpha1/orgs/${orgB}/builds/b/logs`]) {
      const denied = await call('GET', path, { token: restrictedToken });
      expect(denied.status, path).toBe(403);
      expect((await call('GET', path)).status).toBe(401);
    }
  });

  it('-f: the stream stays open (waiting for pods) and ends on the server when the client goes away', async () => {
    const before = server.app.watches.size;
    const ctl = new AbortController();
    const res = await fetch(`${server.url}${logsOf(orgA, 'no-pod', 'follow=true')}`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let buf = '';
    while (!buf.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
    }
    expect(JSON.parse(buf.split('\n')[0] as string)).toMatchObject({ type: 'waiting' });
    expect(server.app.watches.size).toBe(before + 1);
    ctl.abort();
    await until(() => server.app.watches.size === before, 'the server to end the stream');
  });
});

describe('secrets', () => {
  it('no token or credential in any response body or log line', () => {
    expect(logs.length).toBeGreaterThan(10);
    const logText = logs.map((l) => JSON.stringify(l)).join('\n');
    expect(logs.some((l) => l.user === 'restricted' && l.status === 403)).toBe(true);
    for (const secret of [adminToken, restrictedToken, PLANE_SECRET, OBSERVER_PASSWORD]) {
      expect(logText).not.toContain(secret);
      for (const b of bodies) expect(b).not.toContain(secret);
    }
    for (const l of logs)
      expect(Object.keys(l).sort()).toEqual(expect.arrayContaining(['method', 'route', 'status', 'ms']));
  });
});
