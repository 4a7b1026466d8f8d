/**
 * Isolation over the whole route table, against the harness's real kube-apiserver: the server's own list of routes
 * (`BuiltServer.routes`) must equal this file's table, so a route added without a case fails here. For each route:
 * no token → 401; the restricted identity (bound in orgA only) → 403 on orgB's objects, and through the same route
 * on orgA → neither 401 nor 403, never a 500 (so the 403 is RBAC's answer, not a broken route); the lists that span
 * organizations show it only orgA's.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { installCrds, newClient, uniqueName } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const orgA = uniqueName('iso-a');
const orgB = uniqueName('iso-b');
let admin: KubeClient;
let server: RunningServer;
let restrictedToken = '';

const tokenOf = (kubeconfig: string): string =>
  (parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] }).users[0]?.user
    .token ?? '';

/** What each organization holds: the same names in both, so every route has something to address. */
function fixtures(org: string): KubeObject[] {
  const meta = (name: string) => ({ name, namespace: org });
  return [
    { apiVersion: API, kind: 'Environment', metadata: meta('dev'), spec: { dataPlaneRef: 'default' } },
    {
      apiVersion: API,
      kind: 'DataPlane',
      metadata: meta('default'),
      spec: {
        registry: { prefix: 'registry.example' },
        gateway: { publicVirtualHost: 'pub.example', organizationVirtualHost: 'org.example' },
      },
    },
    {
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: meta('default'),
      spec: { promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [] }] },
    },
    { apiVersion: API, kind: 'Project', metadata: meta('shop'), spec: { deploymentPipelineRef: 'default' } },
    {
      apiVersion: API,
      kind: 'Project',
      metadata: meta('to-delete'),
      spec: { deploymentPipelineRef: 'default' },
    },
    {
      apiVersion: API,
      kind: 'Component',
      metadata: meta('api'),
      spec: { owner: { projectName: 'shop' }, type: 'Service' },
    },
    {
      apiVersion: API,
      kind: 'ServiceBinding',
      metadata: meta('api-dev'),
      spec: {
        owner: { projectName: 'shop', componentName: 'api' },
        environment: 'dev',
        className: 'default',
        workloadSpec: { containers: { main: { image: 'ghcr.io/acme/api:1' } } },
      },
    },
    {
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: meta('api-dev-1'),
      spec: {
        owner: { projectName: 'shop', componentName: 'api' },
        sourceEnvironment: 'dev',
        targetEnvironment: 'dev',
        requestedBy: 'admin',
      },
    },
  ];
}

const project = (org: string, name = 'shop') => ({
  apiVersion: API,
  kind: 'Project',
  metadata: { name, namespace: org },
  spec: { deploymentPipelineRef: 'default' },
});

interface Case {
  /** The request for an organization. */
  readonly path: (org: string) => string;
  readonly body?: (org: string) => unknown;
  readonly contentType?: string;
  /** No token needed (and none checked). */
  readonly open?: true;
  /**
   * `org` (default): addresses one organization: 403 on orgB, allowed on orgA. `all`: spans organizations;
   * `check` says what the restricted identity gets.
   */
  readonly scope?: 'org' | 'all';
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
  readonly check?: (status: number, body: any) => void;
}

const WAIT = 'timeoutSeconds=1';
/** A list spanning organizations, as the restricted identity sees it: orgA's items, none of orgB's. */
function onlyOrgA(status: number, items: KubeObject[]) {
  expect(status).toBe(200);
  const namespaces = new Set(items.map((o) => o.metadata?.namespace));
  expect([...namespaces]).toEqual([orgA]);
}
const B1 = '/api/v1alpha1';
const ROUTES: Record<string, Case> = {
  'GET /healthz': { path: () => '/healthz', open: true },
  'GET /readyz': { path: () => '/readyz', open: true },
  'GET /version': { path: () => '/version', open: true },
  'GET /metrics': { path: () => '/metrics', open: true },
  'GET /openapi.json': { path: () => '/openapi.json', open: true },
  'GET /docs': { path: () => '/docs', open: true },
  'GET /api/v1alpha1/orgs': {
    path: () => `${B1}/orgs`,
    scope: 'all',
    check: (s, b) => {
      expect(s).toBe(200);
      expect(b.items.map((o: KubeObject) => o.metadata?.name)).toEqual([orgA]);
    },
  },
  'GET /api/v1alpha1/orgs/:org': { path: (o) => `${B1}/orgs/${o}` },
  'GET /api/v1alpha1/orgs/:org/catalog': { path: (o) => `${B1}/orgs/${o}/catalog` },
  'GET /api/v1alpha1/orgs/:org/:plural': { path: (o) => `${B1}/orgs/${o}/components` },
  'POST /api/v1alpha1/orgs/:org/:plural': {
    path: (o) => `${B1}/orgs/${o}/projects`,
    body: (o) => project(o, 'new'),
  },
  'GET /api/v1alpha1/orgs/:org/:plural/:name': { path: (o) => `${B1}/orgs/${o}/projects/shop` },
  'PUT /api/v1alpha1/orgs/:org/:plural/:name': {
    path: (o) => `${B1}/orgs/${o}/projects/shop`,
    body: (o) => project(o),
  },
  'DELETE /api/v1alpha1/orgs/:org/:plural/:name': { path: (o) => `${B1}/orgs/${o}/environments/dev` },
  'GET /api/v1alpha1/self': {
    path: () => `${B1}/self`,
    scope: 'all',
    check: (s, b) => {
      expect(s).toBe(200);
      expect(b.username).toBe('restricted');
    },
  },
  'GET /api/v1alpha1/catalog': {
    path: () => `${B1}/catalog`,
    scope: 'all',
    check: (s, b) => onlyOrgA(s, b.items),
  },
  'GET /api/v1alpha1/:plural': {
    path: () => `${B1}/projects`,
    scope: 'all',
    check: (s, b) => onlyOrgA(s, b.items),
  },
  'GET /api/v1alpha1/orgs/:org/describe': { path: (o) => `${B1}/orgs/${o}/describe` },
  'GET /api/v1alpha1/orgs/:org/:plural/:name/describe': {
    path: (o) => `${B1}/orgs/${o}/components/api/describe`,
  },
  'GET /api/v1alpha1/orgs/:org/:plural/:name/deletion': {
    path: (o) => `${B1}/orgs/${o}/projects/shop/deletion?${WAIT}`,
  },
  'POST /api/v1alpha1/batch/apply': {
    path: () => `${B1}/batch/apply`,
    body: (o) => ({ organization: o, objects: [project(o)] }),
  },
  'POST /api/v1alpha1/batch/diff': {
    path: () => `${B1}/batch/diff`,
    body: (o) => ({ organization: o, objects: [project(o)] }),
  },
  'POST /api/v1alpha1/batch/create': {
    path: () => `${B1}/batch/create`,
    body: (o) => ({ organization: o, object: project(o, 'created') }),
  },
  'POST /api/v1alpha1/orgs/:org/promote': {
    path: (o) => `${B1}/orgs/${o}/promote`,
    body: () => ({ component: 'api' }),
  },
  'POST /api/v1alpha1/orgs/:org/promote-project': {
    path: (o) => `${B1}/orgs/${o}/promote-project`,
    body: () => ({ project: 'shop' }),
  },
  'POST /api/v1alpha1/orgs/:org/rollback': {
    path: (o) => `${B1}/orgs/${o}/rollback`,
    body: () => ({ component: 'api', environment: 'dev' }),
  },
  'POST /api/v1alpha1/orgs/:org/promotionrequests/:name/decision': {
    path: (o) => `${B1}/orgs/${o}/promotionrequests/api-dev-1/decision`,
    body: () => ({ decision: 'Reject', reason: 'isolation test' }),
  },
  'GET /api/v1alpha1/orgs/:org/promotionrequests/:name/wait': {
    path: (o) => `${B1}/orgs/${o}/promotionrequests/api-dev-1/wait?${WAIT}`,
  },
  'POST /api/v1alpha1/orgs/:org/trigger-build': {
    path: (o) => `${B1}/orgs/${o}/trigger-build`,
    body: () => ({ component: 'api' }),
  },
  'GET /api/v1alpha1/orgs/:org/builds/:name/wait': { path: (o) => `${B1}/orgs/${o}/builds/b1/wait?${WAIT}` },
  'GET /api/v1alpha1/orgs/:org/components/:name/logs': { path: (o) => `${B1}/orgs/${o}/components/api/logs` },
  'GET /api/v1alpha1/orgs/:org/builds/:name/logs': { path: (o) => `${B1}/orgs/${o}/builds/b1/logs` },
  'GET /api/v1/orgs': {
    path: () => '/api/v1/orgs',
    scope: 'all',
    check: (s, b) => {
      expect(s).toBe(200);
      expect(b.data.items.map((o: { name: string }) => o.name)).toEqual([orgA]);
    },
  },
  'GET /api/v1/orgs/:org': { path: (o) => `/api/v1/orgs/${o}` },
  'GET /api/v1/orgs/:org/projects': { path: (o) => `/api/v1/orgs/${o}/projects` },
  'GET /api/v1/orgs/:org/projects/:name': { path: (o) => `/api/v1/orgs/${o}/projects/shop` },
  'GET /api/v1/orgs/:org/environments': { path: (o) => `/api/v1/orgs/${o}/environments` },
  'GET /api/v1/orgs/:org/environments/:name': { path: (o) => `/api/v1/orgs/${o}/environments/dev` },
  'GET /api/v1/orgs/:org/dataplanes': { path: (o) => `/api/v1/orgs/${o}/dataplanes` },
  'GET /api/v1/orgs/:org/dataplanes/:name': { path: (o) => `/api/v1/orgs/${o}/dataplanes/default` },
  'GET /api/v1/orgs/:org/projects/:project/components': {
    path: (o) => `/api/v1/orgs/${o}/projects/shop/components`,
  },
  'GET /api/v1/orgs/:org/projects/:project/components/:component': {
    path: (o) => `/api/v1/orgs/${o}/projects/shop/components/api`,
  },
  'POST /api/v1/orgs/:org/projects': {
    path: (o) => `/api/v1/orgs/${o}/projects`,
    body: () => ({ name: 'upstream-new' }),
  },
  'POST /api/v1/orgs/:org/environments': {
    path: (o) => `/api/v1/orgs/${o}/environments`,
    body: () => ({ name: 'upstream-env' }),
  },
  'POST /api/v1/orgs/:org/dataplanes': {
    path: (o) => `/api/v1/orgs/${o}/dataplanes`,
    body: () => ({
      name: 'upstream-dp',
      registryPrefix: 'registry.example',
      publicVirtualHost: 'pub.example',
      organizationVirtualHost: 'org.example',
    }),
  },
  'POST /api/v1/orgs/:org/projects/:project/components': {
    path: (o) => `/api/v1/orgs/${o}/projects/shop/components`,
    body: () => ({ name: 'upstream-c', type: 'Service' }),
  },
  'POST /api/v1/apply': { path: () => '/api/v1/apply', body: (o) => project(o) },
  'DELETE /api/v1/delete': { path: () => '/api/v1/delete', body: (o) => project(o, 'to-delete') },
  'POST /api/v1alpha1/apply': {
    path: (o) => `${B1}/apply?org=${o}`,
    body: (o) => project(o),
    contentType: 'application/json',
  },
};

async function call(key: string, c: Case, org: string, token: string | undefined) {
  const method = key.split(' ')[0] as string;
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const body = c.body ? JSON.stringify(c.body(org)) : undefined;
  if (body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  const res = await fetch(`${server.url}${c.path(org)}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.split('\n')[0] ?? '');
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

beforeAll(async () => {
  admin = newClient(inject('kubeconfig'));
  restrictedToken = tokenOf(inject('restrictedKubeconfig'));
  await installCrds(admin);
  for (const org of [orgA, orgB]) {
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
    await admin.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
    for (const o of fixtures(org)) await admin.create(o);
    // what the binding controller reports: one endpoint, so each organization has a catalog entry
    await admin.applyStatus(
      {
        apiVersion: API,
        kind: 'ServiceBinding',
        metadata: { name: 'api-dev', namespace: org },
        status: {
          endpoints: [
            {
              name: 'rest',
              type: 'REST',
              project: { host: 'api', port: 8080, scheme: 'http', uri: 'http://api:8080' },
            },
          ],
        },
      },
      { fieldManager: 'isolation-test', force: true },
    );
  }
  // `restricted` is a member of orgA only: every openchoreo.dev kind there, and the pods its logs come from
  await admin.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'member', namespace: orgA },
    rules: [
      {
        apiGroups: ['openchoreo.dev'],
        resources: ['*'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ],
  } as KubeObject);
  await admin.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'member', namespace: orgA },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'member' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
  } as KubeObject);
  server = await startServer({ kube: admin, log: () => {}, requestTimeoutMs: 20_000 });
});

afterAll(async () => {
  await server?.close();
  for (const org of [orgA, orgB]) {
    await admin
      ?.delete(
        { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'organizations', namespaced: false },
        org,
      )
      .catch(() => {});
    await admin
      ?.delete({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, org)
      .catch(() => {});
  }
  admin?.close();
});

describe('isolation, route by route', () => {
  it('the table names every route the server serves, and only those', () => {
    const served = server.routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(served).toEqual(Object.keys(ROUTES).sort());
  });

  it('every /api/v1alpha1 route is an operation of /openapi.json (and so of /docs)', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const r of server.routes.filter((x) => x.url.startsWith(`${B1}/`))) {
      // `:plural` stands for each kind's own path; other parameters keep their names
      const pattern = new RegExp(
        `^${r.method} ${r.url.replace(':plural', '(?:[a-z]+|\\{plural\\})').replace(/:([a-zA-Z]+)/g, '\\{$1\\}')}$`,
      );
      expect(
        documented.some((d) => pattern.test(d)),
        `${r.method} ${r.url}`,
      ).toBe(true);
    }
  });

  for (const [key, c] of Object.entries(ROUTES)) {
    it(key, async () => {
      if (c.open) {
        expect((await call(key, c, orgA, undefined)).status).toBe(200);
        return;
      }
      const anonymous = await call(key, c, orgB, undefined);
      expect(anonymous.status, anonymous.text).toBe(401);
      const upstream = key.includes(' /api/v1/');
      expect(anonymous.body).toMatchObject(
        upstream ? { success: false, code: 'UNAUTHORIZED' } : { status: 401, code: 'Unauthorized' },
      );
      if (c.scope === 'all') {
        const r = await call(key, c, orgA, restrictedToken);
        c.check?.(r.status, r.body);
        return;
      }
      const other = await call(key, c, orgB, restrictedToken);
      const own = await call(key, c, orgA, restrictedToken);
      expect(other.status, other.text).toBe(403);
      expect(other.body).toMatchObject(
        upstream ? { success: false, code: 'FORBIDDEN' } : { status: 403, code: 'Forbidden' },
      );
      expect([401, 403], `${key} on orgA: ${own.text}`).not.toContain(own.status);
      expect(own.status, own.text).toBeLessThan(500);
    });
  }
});
