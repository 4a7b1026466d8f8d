/**
 * The REST server (`choreoctl server`): fastify, in front of the services, acting as each caller.
 *
 * - `/healthz`, `/readyz` (asks the apiserver), `/version`, `/metrics`: no authentication.
 * - `/api/...`: a bearer token is required (TokenReview), and every Kubernetes call is made as the caller.
 * - One error shape (errors.ts); upstream's `/api/v1` routes use upstream's envelope (upstream.ts).
 * - Hardening: a body size limit, a per-request deadline passed to every Kubernetes call, names checked
 *   against the DNS rules before anything is sent, one structured log line per request (never a token),
 *   CORS off unless origins are configured, graceful close (in-flight requests finish).
 */
import type * as http from 'node:http';
import * as https from 'node:https';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import pkg from '../../package.json' with { type: 'json' };
import type { KubeClient } from '../kube/client.js';
import { Authenticator, bearerToken } from './auth.js';
import './context.js';
import { ApiError, toApiError, upstreamCode } from './errors.js';
import { RESOURCES } from './kinds.js';
import { registerOperationRoutes } from './operations.js';
import { registerResourceRoutes } from './resources.js';
import { registerUpstreamRoutes } from './upstream.js';

export interface LogLine {
  readonly time: string;
  readonly level: 'info' | 'error';
  readonly msg: string;
  readonly [k: string]: unknown;
}

export interface ServerOptions {
  /** The server's own identity: TokenReviews, readiness, and the base of every impersonating client. */
  readonly kube: KubeClient;
  /** Structured log sink (one object per line). Default: JSON lines on stderr. */
  readonly log?: (line: LogLine) => void;
  /** Largest request body, bytes. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Deadline of one request, including its Kubernetes calls, ms. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Origins allowed by CORS; none (the default): no CORS headers at all. */
  readonly corsOrigins?: readonly string[];
  /** How long TokenReview answers are cached, ms. Default 10 s. */
  readonly authTtlMs?: number;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
}

export interface BuiltServer {
  readonly app: FastifyInstance;
  /** Every route served (method and URL pattern), in registration order: what the isolation test walks. */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  readonly auth: Authenticator;
  readonly metrics: Registry;
}

/** Writes an error: the one shape, or upstream's envelope under `/api/v1/`. */
function sendError(req: FastifyRequest, reply: FastifyReply, e: ApiError) {
  if (e.status === 401) reply.header('www-authenticate', 'Bearer');
  if (req.url.startsWith('/api/v1/')) {
    const route = e.status === 404 && e.message.startsWith('no route');
    return reply
      .code(e.status)
      .send({ success: false, error: e.message, code: route ? 'NOT_FOUND' : upstreamCode(e, 'RESOURCE') });
  }
  return reply.code(e.status).send(e.body());
}

const defaultLog = (line: LogLine) => process.stderr.write(`${JSON.stringify(line)}\n`);

export async function buildServer(options: ServerOptions): Promise<BuiltServer> {
  const log = options.log ?? defaultLog;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const tls = options.tls;
  const auth = new Authenticator(options.kube, {
    resources: RESOURCES,
    ...(options.authTtlMs !== undefined ? { ttlMs: options.authTtlMs } : {}),
  });
  const registry = new Registry();
  const requests = new Counter({
    name: 'choreoctl_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'choreoctl_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // receiving a request has a deadline (slow clients); an idle socket does not: watches may be quiet
    requestTimeout: timeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 300 },
    // a URL the router cannot decode (`%ff`): the one error shape too
    frameworkErrors: (err, req, reply) => sendError(req, reply, new ApiError(400, 'BadRequest', err.message)),
    ...(tls
      ? {
          // An https.Server serves the same request/response objects as an http.Server.
          serverFactory: (handler: http.RequestListener) =>
            https.createServer({ cert: tls.cert, key: tls.key }, handler) as unknown as http.Server,
        }
      : {}),
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  app.decorate('kubeOwn', options.kube);
  app.decorate('watches', new Set<AbortController>());
  app.decorate('logFailure', (method: string, route: string, err: unknown) =>
    log({
      time: new Date().toISOString(),
      level: 'error',
      msg: 'request failed',
      method,
      route,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    }),
  );
  app.decorateRequest('caller', undefined);
  app.decorateRequest('deadline', undefined);
  app.decorateRequest('startedAt', 0n);

  const origins = new Set(options.corsOrigins ?? []);
  app.addHook('onRequest', async (req, reply) => {
    req.startedAt = process.hrtime.bigint();
    req.deadline = AbortSignal.timeout(timeoutMs);
    const origin = req.headers.origin;
    if (origins.size > 0 && origin && (origins.has(origin) || origins.has('*'))) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, PUT, DELETE');
        reply.header('access-control-allow-headers', 'authorization, content-type');
        reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    }
    if (!req.url.startsWith('/api/')) return;
    const user = await auth.authenticate(bearerToken(req.headers.authorization), req.deadline);
    req.caller = { user, kube: auth.clientFor(user) };
  });

  // Once closing, answers end their connection so a keep-alive client cannot hold the shutdown open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // open watches end now: graceful shutdown waits for requests, not for streams
    for (const w of app.watches) w.abort();
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (req, reply) => {
    const ms = Number(process.hrtime.bigint() - req.startedAt) / 1e6;
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, ms / 1000);
    log({
      time: new Date().toISOString(),
      level: 'info',
      msg: 'request',
      method: req.method,
      route,
      status: reply.statusCode,
      ms: Math.round(ms * 10) / 10,
      ...(req.caller ? { user: req.caller.user.username } : {}),
    });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let e: ApiError;
    if (err instanceof ApiError || typeof err.code !== 'string' || !err.code.startsWith('FST_')) {
      e = toApiError(err);
      if (e.status >= 500 && !(err instanceof ApiError)) {
        app.logFailure(req.method, req.routeOptions.url ?? 'unmatched', err);
      }
    } else {
      // fastify's own refusals: body too large, bad JSON, unsupported media type...
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      const code =
        status === 413 ? 'RequestEntityTooLarge' : status === 415 ? 'UnsupportedMediaType' : 'BadRequest';
      e = new ApiError(status, code, err.message);
    }
    return sendError(req, reply, e);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]?.slice(0, 300);
    return sendError(req, reply, new ApiError(404, 'NotFound', `no route for ${req.method} ${path}`));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await options.kube.rawRequest('GET', '/readyz', {
        accept: 'text/plain',
        ...(req.deadline ? { signal: req.deadline } : {}),
        timeoutMs: 5_000,
      });
      return { status: 'ok' };
    } catch {
      return reply
        .code(503)
        .send(new ApiError(503, 'ServiceUnavailable', 'the Kubernetes API server is not ready').body());
    }
  });
  app.get('/version', async () => ({
    gitVersion: `v${pkg.version}`,
    version: pkg.version,
    apiVersions: ['openchoreo.dev/v1alpha1'],
  }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  let openapi: Promise<object> | undefined;
  app.get('/openapi.json', async () => {
    openapi ??= import('./openapi.js').then((m) => m.openApiDocument());
    return openapi;
  });

  let docs: Promise<string> | undefined;
  app.get('/docs', async (_req, reply) => {
    docs ??= import('./openapi.js').then((m) => m.docsPage());
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return docs;
  });

  registerResourceRoutes(app);
  registerOperationRoutes(app);
  registerUpstreamRoutes(app);

  app.addHook('onClose', async () => auth.close());
  return { app, auth, metrics: registry, routes };
}
