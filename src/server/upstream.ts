/**
 * A few of upstream's `/api/v1/orgs/...` routes with upstream's envelope and field names (reference
 * api.md §1), so tools written for upstream keep working: organizations, projects, components,
 * environments and data planes, read-only. Differences, on purpose: lists are sorted by name (upstream's
 * order was random), `status` comes from the `Ready` condition (upstream took the last condition), every
 * call is made as the caller (upstream had no auth), and no credential is ever part of a response.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Annotations } from '../api/labels.js';
import type { KubeObject } from '../kube/client.js';
import { maskObject } from '../services/mask.js';
import { callerOf } from './context.js';
import { ApiError, toApiError, upstreamCode } from './errors.js';
import { byPlural } from './kinds.js';
import { checkName, checkOrg, organizationOf, visibleOrganizations } from './resources.js';

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
}
