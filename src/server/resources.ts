/**
 * `/api/v1alpha1`: every openchoreo.dev kind, scoped by organization; multi-document apply with the
 * CLI's all-or-nothing validation; the service catalog.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_VERSION, GROUP, KIND_META } from '../api/kinds-meta.js';
import { NAME_RULES } from '../api/resource.js';
import type { KubeObject } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { isForbidden } from '../kube/errors.js';
import { type ManifestError, manifestErrorText } from '../services/manifests.js';
import { maskObjects } from '../services/mask.js';
import { apiVersionOf, withTypeMeta } from '../services/resources.js';
import { callerOf, clientOf } from './context.js';
import { ApiError, type ErrorDetail, toApiError } from './errors.js';
import { byPlural, ORGANIZATIONS, ServerClient } from './kinds.js';

export const BASE = '/api/v1alpha1';
const NAME_FORMAT = new Map(KIND_META.map((k) => [k.kind, k.nameFormat]));
const ORG_RULE = NAME_RULES.label;

/** Refuses a name that is not what Kubernetes would accept, before any call. */
export function checkName(what: string, value: string, format: 'label' | 'subdomain' = 'label'): string {
  const r = NAME_RULES[format];
  if (value.length === 0 || value.length > r.maxLength || !new RegExp(r.pattern).test(value)) {
    throw new ApiError(
      400,
      'Invalid',
      `invalid ${what} "${value.slice(0, 300)}": must be ${r.what} of at most ${r.maxLength} characters`,
      [{ field: what, message: `should match '${r.pattern}'` }],
    );
  }
  return value;
}

export const checkOrg = (org: string): string =>
  checkName('organization', org, ORG_RULE === NAME_RULES.label ? 'label' : 'subdomain');

/** A namespaced kind of ours by its plural. */
export function namespacedKind(plural: string): ResourceInfo {
  const info = byPlural(plural);
  if (!info) {
    throw new ApiError(404, 'NotFound', `the server doesn't have a resource type "${plural.slice(0, 100)}"`);
  }
  if (!info.namespaced) {
    throw new ApiError(404, 'NotFound', `${info.resource} are cluster-scoped: use ${BASE}/orgs`);
  }
  return info;
}

const checkObjectName = (info: ResourceInfo, name: string) =>
  checkName(`${info.kind} name`, name, NAME_FORMAT.get(info.kind) ?? 'subdomain');

export function query(req: FastifyRequest): Record<string, string | undefined> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) {
    if (Array.isArray(v))
      throw new ApiError(400, 'BadRequest', `query parameter "${k}" given more than once`);
    out[k] = typeof v === 'string' ? v : undefined;
  }
  return out;
}

function limitOf(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,6}$/.test(v) || Number(v) < 1) {
    throw new ApiError(
      400,
      'BadRequest',
      `invalid limit "${v.slice(0, 20)}": a whole number from 1 to 999999`,
      [{ field: 'limit', message: 'must be a positive integer' }],
    );
  }
  return Number(v);
}

export function signalOf(req: FastifyRequest): { signal?: AbortSignal } {
  return req.deadline ? { signal: req.deadline } : {};
}

/** Items of one page, with type meta, credentials masked, as a `v1 List`. */
async function listPage(
  kube: ServerClient['kube'],
  info: ResourceInfo,
  namespace: string | undefined,
  req: FastifyRequest,
) {
  const q = query(req);
  const limit = limitOf(q.limit);
  const page = await kube.list<KubeObject>(info, {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
    ...(q.fieldSelector ? { fieldSelector: q.fieldSelector } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(q.continue ? { continue: q.continue } : {}),
    ...signalOf(req),
  });
  return {
    apiVersion: 'v1',
    kind: 'List',
    metadata: {
      resourceVersion: page.metadata.resourceVersion ?? '',
      ...(page.metadata.continue ? { continue: page.metadata.continue } : {}),
    },
    items: maskObjects(withTypeMeta(page.items, apiVersionOf(info), info.kind)),
  };
}

/**
 * Whether the caller is a member of an organization: may list its projects (asked of Kubernetes with a
 * SubjectAccessReview made by the server's own identity).
 */
async function isMember(server: ServerClient['kube'], req: FastifyRequest, org: string): Promise<boolean> {
  const u = callerOf(req).user;
  const review = await server.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      verb: 'create',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: u.username,
          ...(u.uid ? { uid: u.uid } : {}),
          groups: u.groups,
          extra: u.extra,
          resourceAttributes: { namespace: org, verb: 'list', group: GROUP, resource: 'projects' },
        },
      },
      ...signalOf(req),
    },
  );
  return review.status?.allowed === true;
}

/**
 * The organizations the caller may see. With `list` on organizations: all of them. Without (a user bound
 * in some organizations' namespaces only): those it is a member of, listed with the server's own identity.
 */
export async function visibleOrganizations(
  server: ServerClient['kube'],
  req: FastifyRequest,
): Promise<KubeObject[]> {
  const caller = callerOf(req);
  try {
    const l = await caller.kube.listAll<KubeObject>(ORGANIZATIONS, signalOf(req));
    return withTypeMeta(l.items, API_VERSION, 'Organization');
  } catch (e) {
    if (!isForbidden(e)) throw e;
    let all: KubeObject[];
    try {
      all = (await server.listAll<KubeObject>(ORGANIZATIONS, signalOf(req))).items;
    } catch {
      throw e; // the server may not list them either: the caller's own refusal is the answer
    }
    const allowed = await Promise.all(all.map((o) => isMember(server, req, o.metadata?.name ?? '')));
    return withTypeMeta(
      all.filter((_, i) => allowed[i]),
      API_VERSION,
      'Organization',
    );
  }
}

/**
 * One organization as the caller. Organizations are cluster-scoped, so a user bound in its namespace only may
 * not get it: a member (as in `visibleOrganizations`) gets it read with the server's identity; anyone else gets
 * the caller's own refusal.
 */
export async function organizationOf(req: FastifyRequest, org: string): Promise<KubeObject> {
  const caller = callerOf(req);
  try {
    return await caller.kube.get<KubeObject>(ORGANIZATIONS, org, signalOf(req));
  } catch (e) {
    if (!isForbidden(e) || !(await isMember(req.server.kubeOwn, req, org).catch(() => false))) throw e;
    return req.server.kubeOwn.get<KubeObject>(ORGANIZATIONS, org, signalOf(req)).catch(() => {
      throw e;
    });
  }
}

function invalid(message: string, errors: readonly ManifestError[]): ApiError {
  const details: ErrorDetail[] = errors.map((e) => ({
    location: `${e.source}:${e.line}:${e.col}`,
    ...(e.object ? { object: e.object } : {}),
    ...(e.path ? { field: e.path } : {}),
    message: manifestErrorText(e),
  }));
  return new ApiError(422, 'Invalid', message, details);
}

/** RBAC refused an object's dry-run: a 403 for the whole request, not bad input. */
export const refusedByRbac = (errors: readonly ManifestError[]): boolean =>
  errors.some((e) => e.message.includes('Error from server (Forbidden)'));

export interface ApplyRequest {
  readonly client: ServerClient;
  readonly text: string;
  readonly source: string;
  /** The organization the caller named (objects naming another are refused); default: `default`. */
  readonly organization: string | undefined;
  readonly dryRun: 'none' | 'server';
  readonly force: boolean;
}

/** Parse, check every document, resolve, dry-run all on the server, then write: nothing on any problem. */
export async function applyText(r: ApplyRequest) {
  const [{ parseSources }, { checkManifests }, { validate }] = await Promise.all([
    import('../services/manifests.js'),
    import('../services/apply.js'),
    import('../api/validate.js'),
  ]);
  const { manifests, errors } = parseSources([{ name: r.source, text: r.text }]);
  if (manifests.length > 0) {
    errors.push(...checkManifests(manifests, { validate, organization: r.organization }));
  }
  if (errors.length > 0)
    throw invalid(`${errors.length} problem(s) in the request: nothing was applied`, errors);
  if (manifests.length === 0) throw new ApiError(400, 'NoObjects', 'no objects passed to apply');
  const prep = await r.client.prepare(manifests);
  if (prep.errors.length > 0) {
    throw invalid(`${prep.errors.length} problem(s) in the request: nothing was applied`, prep.errors);
  }
  const result = await r.client.apply(prep.prepared, { dryRun: r.dryRun, force: r.force });
  if (result.invalid.length > 0) {
    if (refusedByRbac(result.invalid)) {
      const e = invalid(
        `${result.invalid.length} object(s) refused by Kubernetes: nothing was applied`,
        result.invalid,
      );
      throw new ApiError(403, 'Forbidden', e.message, e.details);
    }
    throw invalid(
      `${result.invalid.length} object(s) refused by the server's dry-run: nothing was applied`,
      result.invalid,
    );
  }
  const results = result.outcomes.map((o) => {
    const obj = o.prepared.object;
    const base = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata?.name,
      ...(o.prepared.namespace ? { namespace: o.prepared.namespace } : {}),
    };
    return 'error' in o && o.error !== undefined
      ? { ...base, error: o.message }
      : { ...base, action: o.action, object: o.result };
  });
  const failed = results.filter((x) => 'error' in x);
  if (failed.length > 0) {
    throw new ApiError(
      409,
      'ApplyFailed',
      `${failed.length} of ${results.length} object(s) failed after validation passed`,
      failed.map((f) => ({ object: `${f.kind}/${f.name}`, message: String(f.error) })),
    );
  }
  return { results, warnings: result.warnings, ...(r.dryRun === 'server' ? { dryRun: true } : {}) };
}

function dryRunOf(v: string | undefined): 'none' | 'server' {
  if (v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'server' || v === 'All') return 'server';
  throw new ApiError(400, 'BadRequest', `invalid dryRun "${v.slice(0, 20)}": use "server" or leave it out`);
}

/** The routes. */
export function registerResourceRoutes(app: FastifyInstance): void {
  app.get(`${BASE}/orgs`, async (req) => {
    const items = await visibleOrganizations(req.server.kubeOwn, req);
    return { apiVersion: 'v1', kind: 'List', metadata: {}, items: maskObjects(items) };
  });

  app.get<{ Params: { org: string } }>(`${BASE}/orgs/:org`, async (req) => {
    const org = checkOrg(req.params.org);
    const [o] = maskObjects(withTypeMeta([await organizationOf(req, org)], API_VERSION, 'Organization'));
    return o;
  });

  app.get<{ Params: { org: string } }>(`${BASE}/orgs/:org/catalog`, async (req) => {
    const org = checkOrg(req.params.org);
    const q = query(req);
    const res = await clientOf(req, org).catalog({
      namespace: org,
      ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
      ...signalOf(req),
    });
    return { apiVersion: 'v1', kind: 'List', metadata: {}, items: res.entries, missing: res.missing };
  });

  app.get<{ Params: { org: string; plural: string } }>(`${BASE}/orgs/:org/:plural`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const info = namespacedKind(req.params.plural);
    if (query(req).watch === 'true') return streamWatch(req, reply, info, org);
    return listPage(callerOf(req).kube, info, org, req);
  });

  app.post<{ Params: { org: string; plural: string } }>(`${BASE}/orgs/:org/:plural`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const info = namespacedKind(req.params.plural);
    const body = objectBody(req.body, info, org);
    const dryRun = dryRunOf(query(req).dryRun);
    const client = clientOf(req, org);
    // An object that exists is refused, never written; a new one is validated as `apply` validates
    // (file:line:field errors) in a dry run, then created (a create that lost a race gets the apiserver's
    // own AlreadyExists).
    const exists =
      body.metadata.name !== undefined &&
      (await callerOf(req).kube.getOrUndefined(info, body.metadata.name, {
        namespace: org,
        ...signalOf(req),
      })) !== undefined;
    if (exists) {
      throw new ApiError(
        409,
        'AlreadyExists',
        `${info.resource}.${GROUP} "${body.metadata.name}" already exists: use PUT to update it`,
      );
    }
    const res = await applyText({
      client,
      text: JSON.stringify(body, null, 2),
      source: 'request',
      organization: org,
      dryRun: 'server',
      force: false,
    });
    const first = res.results[0];
    if (first && 'action' in first && first.action !== 'created') {
      throw new ApiError(
        409,
        'AlreadyExists',
        `${info.resource}.${GROUP} "${body.metadata.name}" already exists: use PUT to update it`,
      );
    }
    if (dryRun === 'server')
      return reply.code(201).send(first && 'object' in first ? first.object : undefined);
    const created = await client.create(body, { namespace: org, ...signalOf(req) });
    return reply.code(201).send(created);
  });

  app.get<{ Params: { org: string; plural: string; name: string } }>(
    `${BASE}/orgs/:org/:plural/:name`,
    async (req) => {
      const org = checkOrg(req.params.org);
      const info = namespacedKind(req.params.plural);
      const name = checkObjectName(info, req.params.name);
      return clientOf(req, org).get({ info }, name, { namespace: org, ...signalOf(req) });
    },
  );

  app.put<{ Params: { org: string; plural: string; name: string } }>(
    `${BASE}/orgs/:org/:plural/:name`,
    async (req) => {
      const org = checkOrg(req.params.org);
      const info = namespacedKind(req.params.plural);
      const name = checkObjectName(info, req.params.name);
      const body = objectBody(req.body, info, org);
      if (body.metadata.name !== name) {
        throw new ApiError(
          400,
          'BadRequest',
          `the name in the body "${String(body.metadata.name).slice(0, 300)}" does not match the URL "${name}"`,
          [{ field: 'metadata.name', message: 'must match the name in the URL' }],
        );
      }
      const q = query(req);
      const res = await applyText({
        client: clientOf(req, org),
        text: JSON.stringify(body, null, 2),
        source: 'request',
        organization: org,
        dryRun: dryRunOf(q.dryRun),
        force: q.force === 'true',
      });
      const first = res.results[0];
      return first && 'object' in first ? first.object : undefined;
    },
  );

  app.delete<{ Params: { org: string; plural: string; name: string } }>(
    `${BASE}/orgs/:org/:plural/:name`,
    async (req) => {
      const org = checkOrg(req.params.org);
      const info = namespacedKind(req.params.plural);
      const name = checkObjectName(info, req.params.name);
      const out = await clientOf(req, org).delete({ info }, name, { namespace: org });
      if (!out.deleted) throw new ApiError(404, 'NotFound', `${info.resource}.${GROUP} "${name}" not found`);
      return {
        kind: 'Status',
        status: 'Success',
        details: { name, group: GROUP, kind: info.resource, ...(out.uid ? { uid: out.uid } : {}) },
      };
    },
  );

  // Multi-document YAML or JSON: the body is read as text, so errors can name lines.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/json', 'text/plain'],
      // bytes, not a string: bytes that are not UTF-8 are refused as `apply -f` refuses them, not replaced by U+FFFD
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    );
    scope.post(`${BASE}/apply`, async (req) => {
      const q = query(req);
      const org = q.org === undefined ? undefined : checkOrg(q.org);
      const { decodeUtf8 } = await import('../services/manifests.js');
      let text = '';
      if (Buffer.isBuffer(req.body)) {
        try {
          text = decodeUtf8('request', req.body);
        } catch (e) {
          const message = (e as Error).message;
          throw new ApiError(422, 'Invalid', `${message}: nothing was applied`, [{ message }]);
        }
      }
      if (text.trim() === '') {
        throw new ApiError(400, 'NoObjects', 'no objects passed to apply: send YAML or JSON documents');
      }
      return applyText({
        client: clientOf(req, org ?? 'default'),
        text,
        source: 'request',
        organization: org,
        dryRun: dryRunOf(q.dryRun),
        force: q.force === 'true',
      });
    });
  });
}

/**
 * `?watch=true`: newline-delimited JSON watch events (masked objects) from `resourceVersion`, or from now.
 * A one-item list first, as the caller, answers a refusal with a proper 403 before the stream starts; a
 * failure mid-stream is an ERROR event, then the stream ends.
 */
export async function streamWatch(
  req: FastifyRequest,
  reply: FastifyReply,
  info: ResourceInfo,
  /** undefined: every organization. */
  org: string | undefined,
) {
  const q = query(req);
  const kube = callerOf(req).kube;
  const name = q.name === undefined || q.name === '' ? undefined : checkObjectName(info, q.name);
  const first = await kube.list<KubeObject>(info, {
    ...(org !== undefined ? { namespace: org } : {}),
    limit: 1,
    ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
    ...signalOf(req),
  });
  const ctl = openStream(req, reply);
  const watches = req.server.watches;
  const client = new ServerClient(kube, org ?? 'default');
  const resourceVersion = q.resourceVersion || first.metadata.resourceVersion;
  async function* lines(): AsyncGenerator<string> {
    // a first line at once: headers go out, and the client learns where the watch starts
    yield `${JSON.stringify({ type: 'BOOKMARK', object: { apiVersion: apiVersionOf(info), kind: info.kind, metadata: { resourceVersion } } })}\n`;
    try {
      for await (const ev of client.watch(
        { info },
        {
          namespace: org,
          all: org === undefined,
          selector: q.labelSelector,
          name,
          resourceVersion,
          signal: ctl.signal,
        },
      )) {
        yield `${JSON.stringify(ev)}\n`;
      }
    } catch (e) {
      if (!ctl.signal.aborted) {
        const err = toApiError(e);
        yield `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', code: err.status, reason: err.code, message: err.message } })}\n`;
      }
    } finally {
      watches.delete(ctl);
    }
  }
  return sendLines(reply, lines());
}

/**
 * A stream the server keeps open for a client (watch, logs): aborted when the client goes away or the server
 * closes; the caller removes it from `req.server.watches` when its stream ends.
 */
export function openStream(req: FastifyRequest, reply: FastifyReply): AbortController {
  const ctl = new AbortController();
  req.server.watches.add(ctl);
  reply.raw.on('close', () => ctl.abort());
  return ctl;
}

/** Sends newline-delimited JSON lines as they come. */
export function sendLines(reply: FastifyReply, lines: AsyncIterable<string>) {
  reply.header('content-type', 'application/x-ndjson');
  reply.header('cache-control', 'no-cache');
  // the connection ends with the stream: a shutdown then waits for nothing
  reply.header('connection', 'close');
  return reply.send(Readable.from(lines));
}

interface ObjectBody extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']>;
}

/** The body of a create/update: one object of the URL's kind, in the URL's organization. */
function objectBody(body: unknown, info: ResourceInfo, org: string): ObjectBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'BadRequest', `the body must be one ${info.kind} object (JSON)`);
  }
  const o = { apiVersion: API_VERSION, kind: info.kind, ...(body as KubeObject) };
  if (o.kind !== info.kind) {
    throw new ApiError(
      400,
      'BadRequest',
      `the body is a ${String(o.kind).slice(0, 100)}, the URL addresses ${info.resource}`,
      [{ field: 'kind', message: `must be ${info.kind}` }],
    );
  }
  const metadata = { ...((o.metadata ?? {}) as ObjectBody['metadata']) };
  if (metadata.namespace !== undefined && metadata.namespace !== org) {
    throw new ApiError(
      400,
      'BadRequest',
      `the namespace in the body "${String(metadata.namespace).slice(0, 100)}" does not match the organization "${org}"`,
      [{ field: 'metadata.namespace', message: 'must match the organization in the URL' }],
    );
  }
  metadata.namespace = org;
  return { ...o, metadata };
}
