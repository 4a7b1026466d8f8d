/**
 * The operations of the services' `ChoreoClient` that are more than one resource call, as routes: what the
 * CLI's api mode (src/services/rest-client.ts) calls so that every command behaves as in direct mode.
 * Each runs the same service function as the caller (impersonation); answers are the services' own
 * result shapes (masked), failures the one error shape.
 *
 * - `GET  /self`: who the token is (the TokenReview's user; `choreoctl login` checks a token with it).
 * - `GET  /{plural}` (and `?watch=true`): a kind in every organization (`get -A`).
 * - `GET  /catalog`: the service catalog of every organization.
 * - `GET  /orgs/{org}/describe`, `GET /orgs/{org}/{plural}/{name}/describe`: the object, its children, events.
 * - `GET  /orgs/{org}/{plural}/{name}/deletion?uid=&timeoutSeconds=`: waits until it is gone.
 * - `POST /batch/apply`, `POST /batch/diff`, `POST /batch/create`: objects prepared by a client (JSON).
 * - `POST /orgs/{org}/promote`, `/promote-project`, `/rollback`; `POST|GET
 *   /orgs/{org}/promotionrequests/{name}/decision|wait`.
 * - `POST /orgs/{org}/trigger-build` (a Build of a component); `GET /orgs/{org}/builds/{name}/wait?since=`:
 *   returns when the build finished, when its phase/step/reason is no longer `since`, or at timeoutSeconds.
 * - `GET  /orgs/{org}/components/{name}/logs`, `GET /orgs/{org}/builds/{name}/logs`: newline-delimited log
 *   events (`?follow=true` until the client goes away), read as the caller.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { isForbidden } from '../kube/errors.js';
import type { ApplyOutcome, DryRun, ResolvedKind } from '../services/apply.js';
import { type LogEvent, type LogSubject, parseLogQueryParams } from '../services/log-query.js';
import type { ManifestError } from '../services/manifests.js';
import { progressKey, type WireLogLine, type WireOutcome } from '../services/rest-client.js';
import { callerOf, clientOf } from './context.js';
import { ApiError, type ErrorDetail, toApiError } from './errors.js';
import { byKind, byPlural, ORGANIZATIONS } from './kinds.js';
import {
  BASE,
  checkName,
  checkOrg,
  namespacedKind,
  openStream,
  organizationOf,
  query,
  refusedByRbac,
  sendLines,
  signalOf,
  streamWatch,
  visibleOrganizations,
} from './resources.js';

/** Longest wait a client may ask for (`deletion`, `wait`), seconds. */
export const MAX_WAIT_SECONDS = 3600;

/** A JSON object body (routes name the fields they read). */
function bodyOf(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw new ApiError(400, 'BadRequest', 'the body must be a JSON object');
  }
  return b as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 253) {
    throw new ApiError(400, 'BadRequest', `${field} must be a string of at most 253 characters`, [
      { field, message: 'must be a string' },
    ]);
  }
  return v;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (v === undefined) {
    throw new ApiError(400, 'BadRequest', `${field} is required`, [{ field, message: 'required' }]);
  }
  return v;
}

/**
 * What spans every organization: `all()` as the caller; when that is refused (no list at cluster scope), `one(org)`
 * for each organization the caller is a member of (`visibleOrganizations`), in name order, skipping those that
 * refuse it the kind. A caller who is a member of none gets the first refusal.
 */
async function acrossOrganizations<T>(
  req: FastifyRequest,
  all: () => Promise<T>,
  one: (org: string) => Promise<T>,
): Promise<T[]> {
  try {
    return [await all()];
  } catch (e) {
    if (!isForbidden(e)) throw e;
    const orgs = (await visibleOrganizations(req.server.kubeOwn, req).catch(() => []))
      .map((o) => o.metadata?.name ?? '')
      .filter((n) => n !== '')
      .sort();
    const out: T[] = [];
    for (const org of orgs) {
      try {
        out.push(await one(org));
      } catch (inner) {
        if (!isForbidden(inner)) throw inner;
      }
    }
    if (out.length === 0) throw e;
    return out;
  }
}

/** A signal for a long wait: `timeoutSeconds`, the client going away, or the server closing. */
function waitSignal(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const raw = query(req).timeoutSeconds ?? '';
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_WAIT_SECONDS) {
    throw new ApiError(
      400,
      'BadRequest',
      `timeoutSeconds must be a whole number from 1 to ${MAX_WAIT_SECONDS}`,
      [{ field: 'timeoutSeconds', message: 'required' }],
    );
  }
  const ctl = new AbortController();
  const watches = req.server.watches;
  watches.add(ctl);
  reply.raw.on('close', () => {
    ctl.abort();
    watches.delete(ctl);
  });
  return AbortSignal.any([ctl.signal, AbortSignal.timeout(Number(raw) * 1000)]);
}

/** `{objects: [...]}`: each a JSON object naming its apiVersion and kind (at most 1000). */
function objectsOf(body: Record<string, unknown>): KubeObject[] {
  const objects = body.objects;
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) {
    throw new ApiError(400, 'NoObjects', 'objects must be a list of 1 to 1000 objects');
  }
  objects.forEach((o, i) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      throw new ApiError(400, 'BadRequest', `objects[${i}] must be an object`, [
        { field: `objects[${i}]`, message: 'must be an object' },
      ]);
    }
  });
  return objects as KubeObject[];
}

function dryRunOf(v: unknown): DryRun {
  if (v === undefined || v === null || v === 'none') return 'none';
  if (v === 'client' || v === 'server') return v;
  throw new ApiError(400, 'BadRequest', 'dryRun must be "none", "client" or "server"');
}

/** Where a problem is: `objects[i]` (the client knows the file and line of each object). */
const objectLocation = (i: number): string => `objects[${i}]`;

/** Problems of client-sent objects, located as `objects[i]`: a 403 when RBAC refused one, else a 422. */
function invalidObjects(errors: readonly ManifestError[], sourceIndex: Map<string, number>): ApiError {
  const details: ErrorDetail[] = errors.map((e) => ({
    location: objectLocation(sourceIndex.get(e.source) ?? 0),
    ...(e.object ? { object: e.object } : {}),
    ...(e.path ? { field: e.path } : {}),
    message: e.message,
  }));
  if (refusedByRbac(errors)) {
    return new ApiError(
      403,
      'Forbidden',
      `${errors.length} object(s) refused by Kubernetes: nothing was applied`,
      details,
    );
  }
  return new ApiError(
    422,
    'Invalid',
    `${errors.length} problem(s) in the request: nothing was applied`,
    details,
  );
}

/** Parses, checks and resolves client-sent objects as the caller: the same checks as the CLI's `-f`. */
async function prepareObjects(req: FastifyRequest) {
  const body = bodyOf(req);
  const objects = objectsOf(body);
  const organization = optionalString(body, 'organization');
  if (organization !== undefined) checkOrg(organization);
  const [{ parseSources }, { checkManifests }, { validate }] = await Promise.all([
    import('../services/manifests.js'),
    import('../services/apply.js'),
    import('../api/validate.js'),
  ]);
  const sources = objects.map((o, i) => ({ name: objectLocation(i), text: JSON.stringify(o, null, 2) }));
  const sourceIndex = new Map(sources.map((s, i) => [s.name, i]));
  const { manifests, errors } = parseSources(sources);
  errors.push(...checkManifests(manifests, { validate, organization }));
  if (errors.length > 0) throw invalidObjects(errors, sourceIndex);
  const client = clientOf(req, organization ?? 'default');
  const prep = await client.prepare(manifests);
  if (prep.errors.length > 0) throw invalidObjects(prep.errors, sourceIndex);
  return { body, client, prepared: prep.prepared, sourceIndex };
}

function wireOutcome(o: ApplyOutcome<ResolvedKind>, index: number): WireOutcome {
  return {
    index,
    ...(o.action ? { action: o.action } : {}),
    ...(o.result ? { result: o.result } : {}),
    ...(o.message !== undefined ? { message: o.message } : {}),
    ...(o.error !== undefined ? { error: toApiError(o.error).body() } : {}),
  };
}

/** An openchoreo.dev kind by plural, namespaced or (organizations) not. */
function kindOf(plural: string): ResourceInfo {
  const info = byPlural(plural);
  if (!info) {
    throw new ApiError(404, 'NotFound', `the server doesn't have a resource type "${plural.slice(0, 100)}"`);
  }
  return info;
}

/**
 * A log stream as the caller: what to read is resolved before the answer starts (so an unknown component, an
 * environment it does not run in, or a refusal is the answer's status), then one JSON LogEvent per line. A
 * failure while reading is one `{type: "error", error}` line, and the stream ends. The reads end when the client
 * goes away or the server closes.
 */
async function streamLogs(req: FastifyRequest, reply: FastifyReply, org: string, subject: LogSubject) {
  const logQuery = parseLogQueryParams(query(req));
  const ctl = openStream(req, reply);
  const streams = req.server.watches;
  let events: AsyncIterable<LogEvent>;
  try {
    events = await clientOf(req, org).openLogs(subject, logQuery, ctl.signal);
  } catch (e) {
    streams.delete(ctl);
    throw e;
  }
  const wire = (l: WireLogLine) => `${JSON.stringify(l)}\n`;
  const server = req.server;
  const route = req.routeOptions.url ?? 'unmatched';
  async function* lines(): AsyncGenerator<string> {
    // an empty first chunk sends the headers at once: the client knows the stream is open
    yield '';
    try {
      for await (const ev of events) yield wire(ev);
    } catch (e) {
      if (!ctl.signal.aborted) {
        const err = toApiError(e);
        if (err.status >= 500 && !(e instanceof ApiError)) server.logFailure(req.method, route, e);
        yield wire({ type: 'error', error: err.body() });
      }
    } finally {
      streams.delete(ctl);
    }
  }
  return sendLines(reply, lines());
}

export function registerOperationRoutes(app: FastifyInstance): void {
  app.get(`${BASE}/self`, async (req) => {
    const u = callerOf(req).user;
    return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups };
  });

  app.get(`${BASE}/catalog`, async (req) => {
    const q = query(req);
    const opts = { ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}), ...signalOf(req) };
    const res = await acrossOrganizations(
      req,
      () => clientOf(req, 'default').catalog(opts),
      (org) => clientOf(req, org).catalog({ ...opts, namespace: org }),
    );
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: {},
      items: res.flatMap((r) => r.entries),
      missing: [...new Set(res.flatMap((r) => r.missing))].sort(),
    };
  });

  // A kind in every organization: with list at cluster scope (kubectl -A), one list; a member of some
  // organizations only gets theirs. (A watch needs list at cluster scope.)
  app.get<{ Params: { plural: string } }>(`${BASE}/:plural`, async (req, reply) => {
    const info = namespacedKind(req.params.plural);
    const q = query(req);
    if (q.watch === 'true') return streamWatch(req, reply, info, undefined);
    const opts = { selector: q.labelSelector, ...signalOf(req) };
    const res = await acrossOrganizations(
      req,
      () => clientOf(req, 'default').list({ info }, { ...opts, all: true }),
      (org) => clientOf(req, org).list({ info }, { ...opts, namespace: org }),
    );
    return {
      apiVersion: 'v1',
      kind: 'List',
      // one list has one resourceVersion; lists of several organizations have none in common
      metadata: { resourceVersion: res.length === 1 ? (res[0]?.resourceVersion ?? '') : '' },
      items: res.flatMap((r) => r.items),
    };
  });

  app.get<{ Params: { org: string } }>(`${BASE}/orgs/:org/describe`, async (req) => {
    const org = checkOrg(req.params.org);
    // the organization itself as `GET /orgs/{org}` reads it (its members may); its children and events as the caller
    const object = await organizationOf(req, org);
    const { describeObject } = await import('../services/resources.js');
    return describeObject(callerOf(req).kube, ORGANIZATIONS, org, { object });
  });

  app.get<{ Params: { org: string; plural: string; name: string } }>(
    `${BASE}/orgs/:org/:plural/:name/describe`,
    async (req) => {
      const org = checkOrg(req.params.org);
      const info = namespacedKind(req.params.plural);
      const name = checkName(`${info.kind} name`, req.params.name, 'subdomain');
      return clientOf(req, org).describe({ info }, name, { namespace: org });
    },
  );

  app.get<{ Params: { org: string; plural: string; name: string } }>(
    `${BASE}/orgs/:org/:plural/:name/deletion`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const info = kindOf(req.params.plural);
      const name = checkName(`${info.kind} name`, req.params.name, 'subdomain');
      const uid = query(req).uid;
      const signal = waitSignal(req, reply);
      const deleted = await clientOf(req, org).waitDeleted({ info }, name, {
        namespace: org,
        ...(uid ? { uid } : {}),
        signal,
      });
      return { deleted };
    },
  );

  app.post(`${BASE}/batch/apply`, async (req) => {
    const { body, client, prepared } = await prepareObjects(req);
    const res = await client.apply(prepared, {
      dryRun: dryRunOf(body.dryRun),
      force: body.force === true,
    });
    if (res.invalid.length > 0) {
      const index = new Map(prepared.map((p, i) => [p.manifest.source, i]));
      throw invalidObjects(res.invalid, index);
    }
    return {
      outcomes: res.outcomes.map((o) => wireOutcome(o, prepared.indexOf(o.prepared))),
      warnings: res.warnings,
    };
  });

  app.post(`${BASE}/batch/diff`, async (req) => {
    const { body, client, prepared } = await prepareObjects(req);
    const pairs = await client.diff(prepared, { force: body.force === true });
    return {
      pairs: pairs.map((p) => ({
        index: prepared.indexOf(p.prepared),
        ...(p.live ? { live: p.live } : {}),
        merged: p.merged,
      })),
    };
  });

  app.post(`${BASE}/batch/create`, async (req, reply) => {
    const body = bodyOf(req);
    const object = body.object as KubeObject | undefined;
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw new ApiError(400, 'BadRequest', 'object must be one object');
    }
    const info = typeof object.kind === 'string' ? byKind(object.kind) : undefined;
    if (!info) {
      throw new ApiError(
        404,
        'NotFound',
        `the server doesn't serve the kind "${String(object.kind).slice(0, 100)}"`,
      );
    }
    const org = optionalString(body, 'organization');
    const ns = info.namespaced ? (org ?? object.metadata?.namespace) : undefined;
    if (ns !== undefined) checkOrg(ns);
    const created = await clientOf(req, ns ?? 'default').create(object, {
      ...(ns !== undefined ? { namespace: ns } : {}),
      ...(body.dryRun === 'server' ? { dryRun: 'server' as const } : {}),
    });
    return reply.code(201).send(created);
  });

  app.post<{ Params: { org: string } }>(`${BASE}/orgs/:org/promote`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const b = bodyOf(req);
    const res = await clientOf(req, org).promote({
      component: requiredString(b, 'component'),
      project: optionalString(b, 'project'),
      from: optionalString(b, 'from'),
      to: optionalString(b, 'to'),
    });
    return reply.code(201).send(res);
  });

  app.post<{ Params: { org: string } }>(`${BASE}/orgs/:org/promote-project`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const b = bodyOf(req);
    const res = await clientOf(req, org).promoteProject({
      project: requiredString(b, 'project'),
      from: optionalString(b, 'from'),
      to: optionalString(b, 'to'),
    });
    return reply.code(201).send({ items: res });
  });

  app.post<{ Params: { org: string } }>(`${BASE}/orgs/:org/rollback`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const b = bodyOf(req);
    const to = b.toRevision;
    if (to !== undefined && to !== null && (!Number.isInteger(to) || (to as number) < 1)) {
      throw new ApiError(400, 'BadRequest', 'toRevision must be a revision number (1, 2, …)', [
        { field: 'toRevision', message: 'must be a positive integer' },
      ]);
    }
    const res = await clientOf(req, org).rollback({
      component: requiredString(b, 'component'),
      environment: requiredString(b, 'environment'),
      toRevision: typeof to === 'number' ? to : undefined,
    });
    return reply.code(201).send(res);
  });

  app.post<{ Params: { org: string; name: string } }>(
    `${BASE}/orgs/:org/promotionrequests/:name/decision`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const name = checkName('PromotionRequest name', req.params.name, 'subdomain');
      const b = bodyOf(req);
      const decision = b.decision;
      if (decision !== 'Approve' && decision !== 'Reject') {
        throw new ApiError(400, 'BadRequest', 'decision must be "Approve" or "Reject"', [
          { field: 'decision', message: 'must be Approve or Reject' },
        ]);
      }
      const res = await clientOf(req, org).decidePromotion(name, decision, optionalString(b, 'reason'));
      return reply.code(201).send(res);
    },
  );

  app.get<{ Params: { org: string; name: string } }>(
    `${BASE}/orgs/:org/promotionrequests/:name/wait`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const name = checkName('PromotionRequest name', req.params.name, 'subdomain');
      return clientOf(req, org).waitPromotion(name, waitSignal(req, reply));
    },
  );

  app.post<{ Params: { org: string } }>(`${BASE}/orgs/:org/trigger-build`, async (req, reply) => {
    const org = checkOrg(req.params.org);
    const b = bodyOf(req);
    const build = await clientOf(req, org).build({
      component: requiredString(b, 'component'),
      project: optionalString(b, 'project'),
      branch: optionalString(b, 'branch'),
      commit: optionalString(b, 'commit'),
      template: optionalString(b, 'template'),
    });
    return reply.code(201).send(build);
  });

  app.get<{ Params: { org: string; name: string } }>(
    `${BASE}/orgs/:org/builds/:name/wait`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const name = checkName('Build name', req.params.name, 'subdomain');
      const since = query(req).since ?? '';
      const outer = waitSignal(req, reply);
      // a change of phase, step or reason ends this slice, so the client shows progress as it happens
      const slice = new AbortController();
      outer.addEventListener('abort', () => slice.abort(), { once: true });
      return clientOf(req, org).waitBuild(name, slice.signal, (p) => {
        if (progressKey(p) !== since) slice.abort();
      });
    },
  );

  app.get<{ Params: { org: string; name: string } }>(
    `${BASE}/orgs/:org/components/:name/logs`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const component = checkName('Component name', req.params.name, 'label');
      const q = query(req);
      const project = q.project ? checkName('project', q.project, 'label') : undefined;
      const environment = q.environment ? checkName('environment', q.environment, 'label') : undefined;
      if (q.labelSelector !== undefined && q.labelSelector.length > 1024) {
        throw new ApiError(400, 'BadRequest', 'labelSelector is longer than 1024 characters', [
          { field: 'labelSelector', message: 'too long' },
        ]);
      }
      return streamLogs(req, reply, org, {
        kind: 'component',
        component,
        project,
        environment,
        selector: q.labelSelector || undefined,
      });
    },
  );

  app.get<{ Params: { org: string; name: string } }>(
    `${BASE}/orgs/:org/builds/:name/logs`,
    async (req, reply) => {
      const org = checkOrg(req.params.org);
      const build = checkName('Build name', req.params.name, 'subdomain');
      return streamLogs(req, reply, org, { kind: 'build', build });
    },
  );
}
