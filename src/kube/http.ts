// HTTP transport: one keep-alive Agent per connection (carrying CA / client certificate), auth headers,
// 401 → refresh credentials → retry once, 429 → honour Retry-After, error mapping, request statistics.
//
// Bounded: every response body is read against a size limit per kind of request (lists larger, everything else
// smaller; watch events and log lines one by one, see watch.ts) and every non-streaming request has one total
// deadline covering retries and the body, so a server that answers forever or with gigabytes yields a
// ResponseTooLargeError or TimeoutError naming it, never an exhausted process. `destroy()` aborts every request
// in flight (watches included) and refuses new ones: what a shutting-down manager does to its data planes.

import type { Agent as HttpAgent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { SecureContext } from 'node:tls';
import { type Credentials, describeIdentity, type KubeConnection } from './connection.js';
import {
  ClientClosedError,
  ConnectionError,
  errorFromResponse,
  KubeError,
  type KubeStatus,
  type RequestContext,
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';

export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Client-side deadline for the whole request, retries and body included (for streams: until the response
   * headers).
   */
  timeoutMs?: number;
  /** Largest response body accepted, bytes (default from TransportOptions.maxBodyBytes by verb; 0 = none). */
  maxBytes?: number;
  /** Label for `stats` (a Kubernetes verb such as `list`); defaults from the HTTP method. */
  verb?: string;
}

export interface HttpResponse<T = unknown> {
  statusCode: number;
  headers: IncomingMessage['headers'];
  body: T;
}

export interface RequestStats {
  /** Requests sent over the wire (retries included). */
  total: number;
  /** Per Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `apply`, `delete`, `discovery`...). */
  byVerb: Record<string, number>;
}

export interface TransportOptions {
  /** Default client-side timeout for non-streaming requests, ms (0 = none). Default 60 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Maximum retries on 429 Too Many Requests. Default 3. */
  maxRetries429?: number;
  /**
   * Largest response body accepted, bytes: `list` for list requests, `other` for everything else and for one
   * watch event or log line. Defaults: DEFAULT_MAX_BODY_BYTES.
   */
  maxBodyBytes?: Partial<MaxBodyBytes>;
  /**
   * Called with each `Warning` header the server sends (deprecated APIs, unknown fields with
   * fieldValidation=Warn...). kubectl prints these to stderr.
   */
  onWarning?: (message: string, request: RequestContext) => void;
  /**
   * Most connections the requests that are not streams keep open at once (a request beyond waits for one to be
   * free). Default: no limit. A short-lived command sending a burst of requests (describe, a table with its
   * related lists) pays a TLS handshake for each connection it opens; a few connections reused cost less.
   * Streams (watches, logs) have connections of their own, so a limit never holds one back.
   */
  maxSockets?: number;
}

export interface MaxBodyBytes {
  list: number;
  other: number;
}

/**
 * Lists may be large (the client pages them, and a page too large for the limit is asked again in smaller pages);
 * one object is at most ~1.5 MiB in etcd, so 16 MiB leaves room for any get, apply, status or discovery answer.
 */
export const DEFAULT_MAX_BODY_BYTES: Readonly<MaxBodyBytes> = {
  list: 32 * 1024 * 1024,
  other: 16 * 1024 * 1024,
};

/** `64 MiB`, `1.5 KiB`, `12 bytes`. */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB'];
  if (n < 1024) return `${n} bytes`;
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** Extract the text of `Warning: 299 - "text"` header values. */
export function parseWarningHeaders(values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(v);
    out.push(m?.[1] ? m[1].replace(/\\(.)/g, '$1') : v);
  }
  return out;
}

// node:http / node:https are loaded on the first request, so importing this layer (e.g. by a CLI that only
// prints help or reads kubeconfig) costs nothing for them. Loaded as built-ins, not by `import()`: an ES
// import of node:http reads every export, and its lazy WebSocket/MessageEvent exports load Node's whole
// fetch implementation (undici): ~10 ms of every CLI command, for nothing.
type HttpModules = {
  http: typeof import('node:http');
  https: typeof import('node:https');
  tls: typeof import('node:tls');
};
let modules: HttpModules | undefined;
async function loadModules(): Promise<HttpModules> {
  modules ??= {
    http: process.getBuiltinModule('node:http'),
    https: process.getBuiltinModule('node:https'),
    tls: process.getBuiltinModule('node:tls'),
  };
  return modules;
}

const METHOD_VERB: Record<string, string> = {
  GET: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class HttpTransport {
  readonly connection: KubeConnection;
  readonly stats: RequestStats = { total: 0, byVerb: {} };
  readonly #url: URL;
  readonly #secure: boolean;
  /** Agents of requests (limited to maxSockets) and of streams, for the kubeconfig's credentials. */
  readonly #agents: { request?: HttpAgent; stream?: HttpAgent } = {};
  /** The same for client certificates obtained from exec plugins, keyed by certificate. */
  readonly #certAgents = new Map<string, { request?: HttpsAgent; stream?: HttpsAgent }>();
  readonly #maxSockets: number | undefined;
  /** The TLS context of the last agent made, for the client certificate it has (undefined: the kubeconfig's). */
  #secureContext: { cert: string | Buffer | undefined; context: SecureContext } | undefined;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #maxRetries429: number;
  readonly #identity: string | undefined;
  readonly #onWarning: TransportOptions['onWarning'];
  readonly #maxBody: MaxBodyBytes;
  /** Requests and streaming responses in flight, destroyed by `destroy()`. */
  readonly #inflight = new Set<{ destroy(error?: Error): unknown }>();
  #destroyed: ClientClosedError | undefined;

  constructor(connection: KubeConnection, options: TransportOptions = {}) {
    this.connection = connection;
    this.#url = new URL(connection.server);
    this.#secure = this.#url.protocol === 'https:';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#userAgent = options.userAgent ?? 'choreoctl';
    this.#maxRetries429 = options.maxRetries429 ?? 3;
    this.#identity = describeIdentity(connection);
    this.#onWarning = options.onWarning;
    this.#maxBody = { ...DEFAULT_MAX_BODY_BYTES, ...options.maxBodyBytes };
    this.#maxSockets = options.maxSockets;
  }

  /** The body limit of a request of this verb (and the per-event / per-line limit of streams). */
  maxBodyBytes(verb: string | undefined): number {
    return verb === 'list' ? this.#maxBody.list : this.#maxBody.other;
  }

  #limit(method: string, opts: RequestOptions): number {
    return opts.maxBytes ?? this.maxBodyBytes(opts.verb ?? METHOD_VERB[method]);
  }

  #newHttpsAgent(
    m: HttpModules,
    cert: string | Buffer | undefined,
    key: string | Buffer | undefined,
    maxSockets: number | undefined,
  ): HttpsAgent {
    const c = this.connection;
    // One TLS context for all the sockets of both agents: given ca/cert/key, an agent builds one per socket (the
    // CA, certificate and key parsed again, 5-10 ms of CPU each on a cold start), and a command listing several
    // kinds at once opens a socket for each.
    const certKey = cert && key ? cert : undefined;
    const cached = this.#secureContext;
    let secureContext = cached && cached.cert === certKey ? cached.context : undefined;
    if (!secureContext) {
      secureContext = m.tls.createSecureContext({
        ...(c.ca ? { ca: c.ca } : {}),
        ...(cert && key ? { cert, key } : {}),
      });
      this.#secureContext = { cert: certKey, context: secureContext };
    }
    return new m.https.Agent({
      keepAlive: true,
      ...(maxSockets !== undefined ? { maxSockets } : {}),
      secureContext,
      rejectUnauthorized: !c.insecureSkipTlsVerify,
      ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
    });
  }

  #agentFor(m: HttpModules, creds: Credentials, streaming: boolean): HttpAgent {
    const lane = streaming ? 'stream' : 'request';
    const maxSockets = streaming ? undefined : this.#maxSockets;
    if (!this.#secure || !creds.clientCert || !creds.clientKey) {
      this.#agents[lane] ??= this.#secure
        ? this.#newHttpsAgent(m, this.connection.clientCert, this.connection.clientKey, maxSockets)
        : new m.http.Agent({ keepAlive: true, ...(maxSockets !== undefined ? { maxSockets } : {}) });
      return this.#agents[lane];
    }
    let agents = this.#certAgents.get(creds.clientCert);
    if (!agents) {
      // A rotated certificate replaces the previous one.
      this.#destroyCertAgents();
      agents = {};
      this.#certAgents.set(creds.clientCert, agents);
    }
    agents[lane] ??= this.#newHttpsAgent(m, creds.clientCert, creds.clientKey, maxSockets);
    return agents[lane];
  }

  #destroyCertAgents(): void {
    for (const a of this.#certAgents.values()) {
      a.request?.destroy();
      a.stream?.destroy();
    }
    this.#certAgents.clear();
  }

  #count(verb: string): void {
    this.stats.total++;
    this.stats.byVerb[verb] = (this.stats.byVerb[verb] ?? 0) + 1;
  }

  resetStats(): void {
    this.stats.total = 0;
    this.stats.byVerb = {};
  }

  context(method: string, path: string): RequestContext {
    const ctx: RequestContext = { method, path, server: this.connection.server };
    if (this.#identity) ctx.identity = this.#identity;
    return ctx;
  }

  /** Send a request and read the whole response; JSON responses are parsed. Throws typed errors on >= 400. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<HttpResponse<T>> {
    const res = await this.#send(method, path, opts, false);
    let text: string;
    try {
      const ctx = this.context(method, path + buildQuery(opts.query));
      text = await readBody(res, this.#limit(method, opts), ctx, opts.signal);
    } catch (e) {
      if (e instanceof KubeError || opts.signal?.aborted) throw e;
      throw new ConnectionError(this.connection.server, e, this.#identity);
    }
    const body = parseBody(res, text);
    return { statusCode: res.statusCode ?? 0, headers: res.headers, body: body as T };
  }

  /** Send a request and return the streaming response (status < 400 guaranteed). The caller consumes it. */
  async stream(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    return this.#send(method, path, opts, true);
  }

  async #send(
    method: string,
    path: string,
    opts: RequestOptions,
    streaming: boolean,
  ): Promise<IncomingMessage> {
    const fullPath = path + buildQuery(opts.query);
    const ctx = this.context(method, fullPath);
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    // One deadline for the request, whatever retries it takes.
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
    let retried401 = false;
    let retries429 = 0;
    let retriedReset = false;
    for (;;) {
      if (this.#destroyed) throw this.#destroyed;
      const left = deadline - Date.now();
      if (left <= 0) throw this.#timeoutError(method, fullPath, timeoutMs);
      const creds = (await this.connection.credentials?.get()) ?? {};
      let res: IncomingMessage;
      try {
        res = await this.#once(await loadModules(), method, fullPath, opts, creds, streaming, {
          ms: Number.isFinite(left) ? left : 0,
          total: timeoutMs,
        });
      } catch (e) {
        // A keep-alive socket closed by the server while we were reusing it: safe to retry once.
        if (!retriedReset && (e as { reusedSocket?: boolean }).reusedSocket && errCode(e) === 'ECONNRESET') {
          retriedReset = true;
          continue;
        }
        throw e;
      }
      const code = res.statusCode ?? 0;
      if (this.#onWarning && res.headersDistinct.warning) {
        for (const w of parseWarningHeaders(res.headersDistinct.warning)) this.#onWarning(w, ctx);
      }
      if (code < 400) return res;
      // A stream's deadline ended with its headers: the error body gets what is left of it.
      const text = await readBody(
        res,
        this.maxBodyBytes(undefined),
        ctx,
        opts.signal,
        streaming && Number.isFinite(deadline)
          ? {
              ms: Math.max(1, deadline - Date.now()),
              error: () => this.#timeoutError(method, fullPath, timeoutMs),
            }
          : undefined,
      );
      if (code === 401 && !retried401 && this.connection.credentials?.invalidate()) {
        retried401 = true;
        continue;
      }
      if (code === 429 && retries429 < this.#maxRetries429) {
        retries429++;
        const after = Number(res.headers['retry-after']);
        const wait = Math.min(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000, 10_000);
        // No retry that the deadline would cut anyway: the 429 is the answer.
        if (Date.now() + wait < deadline) {
          await sleep(wait, opts.signal);
          continue;
        }
      }
      throw errorFromResponse(code, parseBody(res, text), ctx);
    }
  }

  #once(
    m: HttpModules,
    method: string,
    fullPath: string,
    opts: RequestOptions,
    creds: Credentials,
    streaming: boolean,
    time: { ms: number; total: number },
  ): Promise<IncomingMessage> {
    this.#count(opts.verb ?? METHOD_VERB[method] ?? method.toLowerCase());
    const headers: OutgoingHttpHeaders = {
      'user-agent': this.#userAgent,
      accept: opts.accept ?? 'application/json',
      ...opts.headers,
    };
    if (creds.token) headers.authorization = `Bearer ${creds.token}`;
    else if (creds.username !== undefined || creds.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
    }
    const imp = this.connection.impersonate;
    if (imp?.user) headers['impersonate-user'] = imp.user;
    if (imp?.uid) headers['impersonate-uid'] = imp.uid;
    if (imp?.groups?.length) headers['impersonate-group'] = imp.groups;
    // Extra keys are case-insensitive header suffixes: percent-encode what a header name cannot carry.
    for (const [k, v] of Object.entries(imp?.extra ?? {})) {
      if (v.length) headers[`impersonate-extra-${encodeURIComponent(k).toLowerCase()}`] = v;
    }

    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string') payload = Buffer.from(opts.body);
      else if (Buffer.isBuffer(opts.body)) payload = opts.body;
      // JSON is YAML (server-side apply's body), but YAML forbids DEL and C1 characters that JSON leaves
      // raw in strings: escape them so any string value can be applied.
      else payload = Buffer.from(JSON.stringify(opts.body).replace(/[\u007f-\u009f]/g, jsonEscape));
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }

    const signal = opts.signal;
    const timeoutMs = time.ms;
    const doRequest = this.#secure ? m.https.request : m.http.request;
    const ctx = this.context(method, fullPath);

    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      let response: IncomingMessage | undefined;
      let req: ReturnType<typeof doRequest>;
      try {
        req = doRequest({
          protocol: this.#url.protocol,
          hostname: this.#url.hostname.replace(/^\[|\]$/g, ''),
          port: this.#url.port || (this.#secure ? 443 : 80),
          path: this.#url.pathname.replace(/\/$/, '') + fullPath,
          method,
          headers,
          agent: this.#agentFor(m, creds, streaming),
          ...(this.connection.tlsServerName ? { servername: this.connection.tlsServerName } : {}),
        });
      } catch (e) {
        // e.g. an unparsable CA or client certificate: Node throws while building the TLS context.
        reject(new ConnectionError(this.connection.server, e, this.#identity));
        return;
      }
      this.#inflight.add(req);
      req.on('close', () => this.#inflight.delete(req));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        const reason = signal?.reason instanceof Error ? signal.reason : new Error('aborted');
        if (response) response.destroy(reason);
        else req.destroy(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const err = this.#timeoutError(method, fullPath, time.total, ctx);
          if (response) response.destroy(err);
          else req.destroy(err);
        }, timeoutMs);
      }
      req.on('response', (res) => {
        settled = true;
        response = res;
        this.#inflight.add(res);
        res.on('close', () => this.#inflight.delete(res));
        if (!streaming) {
          // Keep the deadline and abort handling for the body; cleared once the body ends.
          res.on('end', cleanup);
          res.on('close', cleanup);
        } else {
          cleanup();
          if (signal) {
            const abortStream = () => res.destroy(signal.reason instanceof Error ? signal.reason : undefined);
            signal.addEventListener('abort', abortStream, { once: true });
            res.on('close', () => signal.removeEventListener('abort', abortStream));
          }
        }
        resolve(res);
      });
      req.on('error', (err) => {
        cleanup();
        if (settled) return;
        settled = true;
        if (err instanceof TimeoutError || err instanceof ClientClosedError) reject(err);
        else if (signal?.aborted) reject(signal.reason);
        else {
          const wrapped = new ConnectionError(this.connection.server, err, this.#identity);
          (wrapped as { reusedSocket?: boolean }).reusedSocket = req.reusedSocket;
          reject(wrapped);
        }
      });
      req.end(payload);
      // The listeners above outlive the request while its socket lives (see readBody): not the body with them.
      payload = undefined;
    });
  }

  #timeoutError(
    method: string,
    fullPath: string,
    ms: number,
    ctx = this.context(method, fullPath),
  ): TimeoutError {
    return new TimeoutError(
      { kind: 'Status', status: 'Failure', reason: 'Timeout', code: 0 },
      ctx,
      true,
      `${method} ${this.connection.server}${fullPath} timed out after ${ms} ms waiting for the API server`,
    );
  }

  /**
   * Abort every request in flight (watches and log streams included) with a ClientClosedError and refuse new
   * ones with the same error. For shutdown: nothing this client does can then outlive the caller's grace period.
   */
  destroy(reason = 'the client was shut down'): void {
    this.#destroyed ??= new ClientClosedError(`${this.connection.server}: ${reason}`);
    for (const r of [...this.#inflight]) r.destroy(this.#destroyed);
    this.#inflight.clear();
    this.close();
  }

  get destroyed(): boolean {
    return this.#destroyed !== undefined;
  }

  /** Close idle keep-alive sockets (open streams are not affected until they end). */
  close(): void {
    this.#agents.request?.destroy();
    this.#agents.stream?.destroy();
    delete this.#agents.request;
    delete this.#agents.stream;
    this.#destroyCertAgents();
  }
}

function errCode(e: unknown): string | undefined {
  if (e instanceof ConnectionError) return e.errno;
  return (e as { code?: string }).code;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error for a body (or watch event, or log line) over `limit`. */
export function tooLarge(
  ctx: RequestContext,
  what: string,
  limit: number,
  received: number,
  announced = false,
): ResponseTooLargeError {
  const server = ctx.server ?? 'the API server';
  const size = announced
    ? `announces ${formatBytes(received)}`
    : `exceeded it after ${formatBytes(received)}`;
  return new ResponseTooLargeError(
    `${ctx.method ?? 'GET'} ${server}${ctx.path ?? ''}: ${what} is larger than the ${formatBytes(limit)} this ` +
      `client accepts (it ${size}); the server may be misbehaving, or raise the limit (maxBodyBytes)`,
    server,
    limit,
    received,
  );
}

/**
 * Read a whole body of at most `limit` bytes (0: no limit). Over the limit — announced by Content-Length or as it
 * arrives — the response is destroyed at once (nothing more is read) and a ResponseTooLargeError names the server
 * and the size. `deadline` bounds the read on its own (for bodies read after the request's deadline has ended).
 */
export function readBody(
  res: IncomingMessage,
  limit: number,
  ctx: RequestContext,
  signal?: AbortSignal,
  deadline?: { ms: number; error: () => Error },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: Error | undefined;
    const fail = (e: Error) => {
      failed ??= e;
      chunks.length = 0;
      res.destroy(e);
      reject(e);
    };
    const timer = deadline ? setTimeout(() => fail(deadline.error()), deadline.ms) : undefined;
    const declared = Number(res.headers['content-length']);
    if (limit > 0 && Number.isFinite(declared) && declared > limit) {
      fail(tooLarge(ctx, 'the response', limit, declared, true));
      return;
    }
    const onData = (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (limit > 0 && size > limit) fail(tooLarge(ctx, 'the response', limit, size));
      else chunks.push(c);
    };
    const onError = (e: Error) => reject(failed ?? (signal?.aborted ? signal.reason : e));
    const onClose = () => {
      if (timer) clearTimeout(timer);
      if (!res.complete)
        reject(
          failed ?? (signal?.aborted ? signal.reason : (res.errored ?? new Error('response closed early'))),
        );
    };
    const onEnd = () => {
      if (timer) clearTimeout(timer);
      if (failed) return;
      const text = Buffer.concat(chunks, size).toString('utf8');
      // Node's https agent keeps the first request of each keep-alive socket (and so its response) reachable
      // for as long as the socket lives: these listeners, and through them the chunks and the promise with the
      // body text, would stay with it. Let go of both once the body is read.
      chunks.length = 0;
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', onError);
      res.off('close', onClose);
      res.on('error', ignore);
      resolve(text);
    };
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', onError);
    res.on('close', onClose);
  });
}

/** Errors of a response whose body was read already (a late socket error must not go unhandled). */
function ignore(): void {}

function parseBody(res: IncomingMessage, text: string): unknown {
  const type = res.headers['content-type'] ?? '';
  if (text && (type.includes('json') || /^\s*[{[]/.test(text))) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export type { KubeStatus };

function jsonEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
