/**
 * Upstream's `/api/v1/...` routes with upstream's envelope and field names (reference api.md §1), so tools
 * written for upstream keep working: organizations, projects, components, environments and data planes (list,
 * get, create), and `POST /api/v1/apply` / `DELETE /api/v1/delete` of one openchoreo.dev object.
 * Differences, on purpose: lists are sorted by name (upstream's order was random), `status` comes from the
 * `Ready` condition (upstream took the last condition), every call is made as the caller (upstream had no
 * auth), no credential is ever part of a response, a create is checked against the kind's schema before
 * anything is sent (upstream let an empty name through to a 500), and apply says `unchanged` when nothing
 * changed (upstream said `updated`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Annotations, Labels } from '../api/labels.js';
import type { KubeObject } from '../kube/client.js';
import { maskObject } from '../services/mask.js';
import { callerOf, clientOf } from './context.js';
import { ApiError, toApiError, upstreamCode } from './errors.js';
import { byKind, byPlural } from './kinds.js';
import { applyText, checkName, checkOrg, organizationOf, visibleOrganizations } from './resources.js';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function common(o: KubeObject) {
  const a = o.metadata?.annotations ?? {};
  const conditions = (rec(o.status).conditions ?? []) as { type?: string; status?: string }[];
  const ready = Array.isArray(conditions) ? conditions.find((c) => c.type === 'Ready') : undefined;
  return {
    name: o.metadata?.name ?? '',
    ...(a[Annotations.displayName] ? { displayName: a[Annotations.displayName] } : {}),
    ...(a[Annotations.description] ? { description: a[Annotations.description] } : {}),
    createdAt: o.metadata?.creationTimestamp ?? '',
    status: ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady',
  };
}

export function organizationResponse(o: KubeObject) {
  const ns = str(rec(o.status).namespace);
  return { ...common(o), ...(ns ? { namespace: ns } : {}) };
}

export function projectResponse(o: KubeObject, org: string) {
  const pipeline = str(rec(o.spec).deploymentPipelineRef);
  return { ...common(o), orgName: org, ...(pipeline ? { deploymentPipeline: pipeline } : {}) };
}

export function environmentResponse(o: KubeObject) {
  const spec = rec(o.spec);
  const dns = str(rec(spec.gateway).dnsPrefix);
  const dp = str(spec.dataPlaneRef);
  return {
    ...common(o),
    namespace: o.metadata?.namespace ?? '',
    ...(dp ? { dataPlaneRef: dp } : {}),
    isProduction: spec.isProduction === true,
    ...(dns ? { dnsPrefix: dns } : {}),
  };
}

/** Never a password, token or key: only what upstream's response named, minus the observer password. */
export function dataPlaneResponse(o: KubeObject) {
  const spec = rec(maskObject(o).spec);
  const registry = rec(spec.registry);
  const gateway = rec(spec.gateway);
  const observer = rec(spec.observer);
  const basic = rec(rec(observer.authentication).basicAuth);
  return {
    ...common(o),
    namespace: o.metadata?.namespace ?? '',
    registryPrefix: str(registry.prefix) ?? '',
    ...(str(registry.secretRef) ? { registrySecretRef: str(registry.secretRef) } : {}),
    kubernetesClusterName: o.metadata?.name ?? '',
    apiServerURL: str(rec(spec.kubernetesCluster).server) ?? '',
    publicVirtualHost: str(gateway.publicVirtualHost) ?? '',
    organizationVirtualHost: str(gateway.organizationVirtualHost) ?? '',
    ...(str(observer.url) ? { observerURL: str(observer.url) } : {}),
    ...(str(basic.username) ? { observerUsername: str(basic.username) } : {}),
  };
}

export function componentResponse(o: KubeObject, org: string) {
  const spec = rec(o.spec);
  const build = rec(spec.build);
  const template = rec(build.templateRef);
  const params = Array.isArray(template.parameters) ? (template.parameters as Obj[]) : [];
  return {
    ...common(o),
    type: str(spec.type) ?? '',
    projectName: str(rec(spec.owner).projectName) ?? '',
    orgName: org,
    status: 'Creating' as const,
    buildConfig: {
      repoUrl: str(rec(build.repository).url) ?? '',
      repoBranch: str(rec(rec(build.repository).revision).branch) ?? '',
      componentPath: str(rec(build.repository).appPath) ?? '',
      buildTemplateRef: str(template.name) ?? '',
      ...(params.length
        ? { buildTemplateParams: params.map((p) => ({ name: p.name, value: p.value })) }
        : {}),
    },
  };
}

const byName = (a: KubeObject, b: KubeObject) =>
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

const listEnvelope = <T>(items: T[]) => ({
  success: true,
  data: { items, totalCount: items.length, page: 1, pageSize: items.length },
});

const signalOf = (req: FastifyRequest) => (req.deadline ? { signal: req.deadline } : {});

async function list(req: FastifyRequest, plural: string, org: string): Promise<KubeObject[]> {
  const info = byPlural(plural);
  if (!info) throw new Error(`unknown kind ${plural}`);
  const l = await callerOf(req).kube.listAll<KubeObject>(info, { namespace: org, ...signalOf(req) });
  return l.items.sort(byName);
}

async function getOne(req: FastifyRequest, plural: string, org: string, name: string): Promise<KubeObject> {
  const info = byPlural(plural);
  if (!info) throw new Error(`unknown kind ${plural}`);
  return callerOf(req).kube.get<KubeObject>(info, name, { namespace: org, ...signalOf(req) });
}

/** Runs a handler; failures in upstream's error envelope with upstream's codes for `what`. */
function wrap<P>(what: string, fn: (req: FastifyRequest<{ Params: P }>) => Promise<unknown>) {
  return async (req: FastifyRequest<{ Params: P }>, reply: import('fastify').FastifyReply) => {
    try {
      return { success: true, data: await fn(req) };
    } catch (err) {
      const e = toApiError(err);
      if (e.status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(e.status).send({ success: false, error: e.message, code: upstreamCode(e, what) });
    }
  };
}

export function registerUpstreamRoutes(app: FastifyInstance): void {
  const V1 = '/api/v1';
  type Org = { org: string };
  app.get(`${V1}/orgs`, async (req, reply) => {
    try {
      const orgs = await visibleOrganizations(req.server.kubeOwn, req);
      return listEnvelope(orgs.sort(byName).map(organizationResponse));
    } catch (err) {
      const e = toApiError(err);
      return reply
        .code(e.status)
        .send({ success: false, error: e.message, code: upstreamCode(e, 'ORGANIZATION') });
    }
  });
  app.get<{ Params: Org }>(
    `${V1}/orgs/:org`,
    wrap<Org>('ORGANIZATION', async (req) => {
      const org = checkOrg(req.params.org);
      return organizationResponse(await organizationOf(req, org));
    }),
  );
  const lists: [string, string, (o: KubeObject, org: string) => unknown][] = [
    ['projects', 'PROJECT', projectResponse],
    ['environments', 'ENVIRONMENT', environmentResponse],
    ['dataplanes', 'DATAPLANE', dataPlaneResponse],
  ];
  for (const [plural, what, shape] of lists) {
    app.get<{ Params: Org }>(`${V1}/orgs/:org/${plural}`, async (req, reply) => {
      const r = await wrap<Org>(what, async (rq) => {
        const org = checkOrg(rq.params.org);
        return (await list(rq, plural, org)).map((o) => shape(o, org));
      })(req, reply);
      // lists use upstream's list envelope
      return r && typeof r === 'object' && 'data' in r ? listEnvelope(r.data as unknown[]) : r;
    });
    app.get<{ Params: Org & { name: string } }>(
      `${V1}/orgs/:org/${plural}/:name`,
      wrap<Org & { name: string }>(what, async (req) => {
        const org = checkOrg(req.params.org);
        const name = checkName('name', req.params.name);
        return shape(await getOne(req, plural, org, name), org);
      }),
    );
  }
  type Proj = Org & { project: string };
  const projectOf = async (req: FastifyRequest<{ Params: Proj }>) => {
    const org = checkOrg(req.params.org);
    const project = checkName('project name', req.params.project);
    try {
      await getOne(req, 'projects', org, project);
    } catch (e) {
      const a = toApiError(e);
      if (a.status === 404) throw new ApiError(404, 'NotFound', `project "${project}" not found`);
      throw e;
    }
    return { org, project };
  };
  app.get<{ Params: Proj }>(`${V1}/orgs/:org/projects/:project/components`, async (req, reply) => {
    const r = await wrap<Proj>('PROJECT', async (rq) => {
      const { org, project } = await projectOf(rq);
      const comps = await list(rq, 'components', org);
      return comps
        .filter((c) => rec(rec(c.spec).owner).projectName === project)
        .map((c) => componentResponse(c, org));
    })(req, reply);
    return r && typeof r === 'object' && 'data' in r ? listEnvelope(r.data as unknown[]) : r;
  });
  app.get<{ Params: Proj & { component: string } }>(
    `${V1}/orgs/:org/projects/:project/components/:component`,
    wrap<Proj & { component: string }>('COMPONENT', async (req) => {
      const { org, project } = await projectOf(req);
      const name = checkName('component name', req.params.component);
      const c = await getOne(req, 'components', org, name);
      if (rec(rec(c.spec).owner).projectName !== project) {
        throw new ApiError(404, 'NotFound', `component "${name}" not found in project "${project}"`);
      }
      return componentResponse(c, org);
    }),
  );

  registerUpstreamWrites(app);
}

// ---- writes ---------------------------------------------------------------------------------------------

const API_VERSION = 'openchoreo.dev/v1alpha1';

/** A JSON object body, or 400 INVALID_INPUT. */
function body(req: FastifyRequest): Obj {
  const b = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw new ApiError(400, 'BadRequest', 'the body must be a JSON object');
  }
  return b as Obj;
}

/** The display name and description annotations upstream's create bodies carry. */
function annotations(b: Obj, defaults: { displayName?: string; description?: string } = {}) {
  const displayName = str(b.displayName) ?? defaults.displayName;
  const description = str(b.description) ?? defaults.description;
  const out: Record<string, string> = {};
  if (displayName) out[Annotations.displayName] = displayName;
  if (description) out[Annotations.description] = description;
  return out;
}

/**
 * Creates one object as the caller: checked against its kind's schema first (400 naming the field), then
 * created (409 `<WHAT>_EXISTS` when it exists, as upstream).
 */
async function createChecked(req: FastifyRequest, org: string, obj: KubeObject): Promise<KubeObject> {
  const { validate, formatError } = await import('../api/validate.js');
  const res = validate(obj);
  if (!res.ok) {
    throw new ApiError(
      400,
      'Invalid',
      `${obj.kind} "${obj.metadata?.name ?? ''}" is invalid: ${res.errors.map(formatError).join('; ')}`,
      res.errors.map((e) => ({ field: e.path, message: e.message })),
    );
  }
  return clientOf(req, org).create(obj, { namespace: org, ...signalOf(req) });
}

/** Answers 201 with upstream's envelope when the handler succeeded (wrap answers errors itself). */
function created<P>(what: string, fn: (req: FastifyRequest<{ Params: P }>) => Promise<unknown>) {
  const handler = wrap<P>(what, fn);
  return async (req: FastifyRequest<{ Params: P }>, reply: import('fastify').FastifyReply) => {
    const r = await handler(req, reply);
    if (r && typeof r === 'object' && 'success' in r) reply.code(201);
    return r;
  };
}

const meta = (name: string, org: string, extra: Obj = {}) => ({ name, namespace: org, ...extra });

function registerUpstreamWrites(app: FastifyInstance): void {
  const V1 = '/api/v1';
  type Org = { org: string };
  type Proj = Org & { project: string };

  app.post<{ Params: Org }>(
    `${V1}/orgs/:org/projects`,
    created<Org>('PROJECT', async (req) => {
      const org = checkOrg(req.params.org);
      const b = body(req);
      const name = checkName('name', str(b.name) ?? '');
      const obj = await createChecked(req, org, {
        apiVersion: API_VERSION,
        kind: 'Project',
        metadata: meta(name, org, {
          labels: { [Labels.organization]: org, [Labels.name]: name },
          annotations: annotations(b),
        }),
        spec: { deploymentPipelineRef: str(b.deploymentPipeline) ?? 'default' },
      });
      return projectResponse(obj, org);
    }),
  );

  app.post<{ Params: Org }>(
    `${V1}/orgs/:org/environments`,
    created<Org>('ENVIRONMENT', async (req) => {
      const org = checkOrg(req.params.org);
      const b = body(req);
      const name = checkName('name', str(b.name) ?? '');
      const dns = str(b.dnsPrefix);
      const obj = await createChecked(req, org, {
        apiVersion: API_VERSION,
        kind: 'Environment',
        metadata: meta(name, org, {
          annotations: annotations(b, { displayName: name, description: `Environment for ${name}` }),
        }),
        spec: {
          dataPlaneRef: str(b.dataPlaneRef) ?? 'default',
          isProduction: b.isProduction === true,
          ...(dns ? { gateway: { dnsPrefix: dns } } : {}),
        },
      });
      return environmentResponse(obj);
    }),
  );

  app.post<{ Params: Org }>(
    `${V1}/orgs/:org/dataplanes`,
    created<Org>('DATAPLANE', async (req) => {
      const org = checkOrg(req.params.org);
      const b = body(req);
      const name = checkName('name', str(b.name) ?? '');
      const server = str(b.apiServerURL);
      const [ca, cert, key] = [str(b.caCert), str(b.clientCert), str(b.clientKey)];
      const observer = str(b.observerURL);
      const obj = await createChecked(req, org, {
        apiVersion: API_VERSION,
        kind: 'DataPlane',
        metadata: meta(name, org, { annotations: annotations(b) }),
        spec: {
          registry: {
            prefix: str(b.registryPrefix) ?? '',
            ...(str(b.registrySecretRef) ? { secretRef: str(b.registrySecretRef) } : {}),
          },
          ...(server
            ? {
                kubernetesCluster: {
                  server,
                  ...(ca ? { tls: { ca: { value: ca } } } : {}),
                  ...(cert && key
                    ? { auth: { mtls: { clientCert: { value: cert }, clientKey: { value: key } } } }
                    : {}),
                },
              }
            : {}),
          gateway: {
            publicVirtualHost: str(b.publicVirtualHost) ?? '',
            organizationVirtualHost: str(b.organizationVirtualHost) ?? '',
          },
          ...(observer
            ? {
                observer: {
                  url: observer,
                  authentication: {
                    basicAuth: {
                      username: str(b.observerUsername) ?? '',
                      password: str(b.observerPassword) ?? '',
                    },
                  },
                },
              }
            : {}),
        },
      });
      return dataPlaneResponse(obj);
    }),
  );

  app.post<{ Params: Proj }>(
    `${V1}/orgs/:org/projects/:project/components`,
    created<Proj>('COMPONENT', async (req) => {
      const org = checkOrg(req.params.org);
      const project = checkName('project name', req.params.project);
      try {
        await getOne(req, 'projects', org, project);
      } catch (e) {
        if (toApiError(e).status === 404)
          throw new ApiError(404, 'NotFound', `project "${project}" not found`);
        throw e;
      }
      const b = body(req);
      const name = checkName('name', str(b.name) ?? '');
      const build = rec(b.buildConfig);
      const repo = str(build.repoUrl);
      const params = Array.isArray(build.buildTemplateParams) ? (build.buildTemplateParams as Obj[]) : [];
      const obj = await createChecked(req, org, {
        apiVersion: API_VERSION,
        kind: 'Component',
        metadata: meta(name, org, { annotations: annotations(b) }),
        spec: {
          owner: { projectName: project },
          type: str(b.type) ?? '',
          ...(repo
            ? {
                build: {
                  repository: {
                    url: repo,
                    revision: { branch: str(build.repoBranch) ?? 'main' },
                    appPath: str(build.componentPath) ?? '.',
                  },
                  templateRef: {
                    name: str(build.buildTemplateRef) ?? '',
                    ...(params.length
                      ? { parameters: params.map((p) => ({ name: p.name, value: p.value })) }
                      : {}),
                  },
                },
              }
            : {}),
        },
      });
      return componentResponse(obj, org);
    }),
  );

  /** Upstream's one-object apply and delete: openchoreo.dev only; a namespaced object without one goes to `default`. */
  const target = (b: Obj) => {
    const kind = str(b.kind);
    const info = kind ? byKind(kind) : undefined;
    if (b.apiVersion !== API_VERSION || !info) {
      throw new ApiError(
        400,
        'BadRequest',
        "only resources with 'openchoreo.dev' group are supported (apiVersion openchoreo.dev/v1alpha1 and one of its kinds)",
      );
    }
    const m = rec(b.metadata);
    const name = str(m.name);
    if (!name) throw new ApiError(400, 'BadRequest', 'metadata.name is required');
    const namespace = info.namespaced ? checkOrg(str(m.namespace) ?? 'default') : undefined;
    return { info, name, namespace };
  };
  const result = (t: ReturnType<typeof target>, operation: string) => ({
    apiVersion: API_VERSION,
    kind: t.info.kind,
    name: t.name,
    ...(t.namespace ? { namespace: t.namespace } : {}),
    operation,
  });

  app.post(
    `${V1}/apply`,
    wrap('RESOURCE', async (req) => {
      const b = body(req);
      const t = target(b);
      const obj = t.namespace ? { ...b, metadata: { ...rec(b.metadata), namespace: t.namespace } } : b;
      const res = await applyText({
        client: clientOf(req, t.namespace ?? 'default'),
        text: JSON.stringify(obj, null, 2),
        source: 'request',
        organization: t.namespace,
        dryRun: 'none',
        force: true,
      });
      const action = res.results[0] && 'action' in res.results[0] ? res.results[0].action : undefined;
      return result(t, action === 'created' ? 'created' : action === 'unchanged' ? 'unchanged' : 'updated');
    }),
  );

  app.delete(
    `${V1}/delete`,
    wrap('RESOURCE', async (req) => {
      const t = target(body(req));
      const out = await clientOf(req, t.namespace ?? 'default').delete({ info: t.info }, t.name, {
        namespace: t.namespace,
      });
      return result(t, out.deleted ? 'deleted' : 'not_found');
    }),
  );
}
