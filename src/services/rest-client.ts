/**
 * The ChoreoClient over the OpenChoreo REST API (`choreoctl server`): the CLI's api mode. Every operation
 * is one call to a route that runs the same service function on the server as the caller (see
 * src/server/operations.ts), so results, masking and errors are the ones direct mode produces:
 *
 * - an error the Kubernetes API server gave (`origin: kubernetes` in the one error shape) comes back as the
 *   same typed error (`errorFromStatus`), so front ends word it as in direct mode;
 * - any other answer of the server is an OperationError with its code as reason and its HTTP status;
 * - the transport says what failed: the server unreachable, TLS verification, or a token not accepted.
 *
 * Only openchoreo.dev kinds are served; resolving is left to the subclass (the CLI resolves statically).
 * Long waits (`waitDeleted`, `waitPromotion`) are asked in slices of at most WAIT_SLICE_SECONDS, so the
 * caller's signal decides when to stop, as in direct mode.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeObject } from '../kube/client.js';
import { errorFromStatus, isNotFound } from '../kube/errors.js';
import type { WatchEvent } from '../kube/watch.js';
import type { ApplyOptions, ApplyOutcome, ApplyResult, DiffPair, Prepared, ResolvedKind } from './apply.js';
import type { BuildOutcome, BuildProgress, TriggerBuildOptions } from './builds.js';
import type { CatalogResult, LoadCatalogOptions } from './catalog.js';
import type { ChoreoClient, ServerVersionInfo } from './client.js';
import { type ErrorBody, OperationError } from './errors.js';
import { segmentsOf } from './field-path.js';
import { type LogEvent, type LogQuery, type LogSubject, logQueryParams } from './log-query.js';
import type { Manifest, ManifestError } from './manifests.js';
import type { RequestResult, WaitOutcome } from './promote.js';
import type { DeleteOutcome, DescribeData, ListResult } from './resources.js';

export const API_BASE = '/api/v1alpha1';
/** Longest single wait asked of the server; the caller's signal ends the loop. */
export const WAIT_SLICE_SECONDS = 30;
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface RestConnection {
  /** Base URL of the server, e.g. `https://choreo.example.com` (no trailing `/api/...`). */
  readonly url: string;
  /** Bearer token; never logged, never part of an error. */
  readonly token?: string | undefined;
  /** PEM CA bundle to verify the server with (default: the system's CAs). */
  readonly ca?: string | Buffer | undefined;
  /** Skip TLS verification (testing only). */
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** Deadline of one request, ms (default 60 s); waits and watches have none. */
  readonly timeoutMs?: number | undefined;
  readonly userAgent?: string | undefined;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  /** false: no deadline (waits); default: the connection's. */
  readonly timeoutMs?: number | false;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function isErrorBody(v: unknown): v is ErrorBody {
  const b = v as Partial<ErrorBody> | null;
  return !!b && typeof b === 'object' && typeof b.status === 'number' && typeof b.code === 'string';
}

/** The error an answer in the one error shape stands for (as direct mode would have thrown it). */
export function errorOfBody(body: ErrorBody, url: string): Error {
  if (body.status === 401) {
    return new OperationError(
      `the OpenChoreo API at ${url} did not accept the token (401 Unauthorized: ${body.message}): run "choreoctl login ${url}" or set CHOREOCTL_TOKEN`,
      { reason: 'Unauthorized', status: 401 },
    );
  }
  if (body.origin === 'kubernetes') {
    return errorFromStatus({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: body.status,
      reason: body.code,
      message: body.message,
      details: {
        causes: (body.details ?? []).map((d) => ({
          ...(d.field ? { field: d.field } : {}),
          message: d.message,
        })),
      },
    } as Parameters<typeof errorFromStatus>[0]);
  }
  return new AnswerError(body);
}

/** An answer of the server in the one error shape (not one of Kubernetes'): keeps the body's details. */
export class AnswerError extends OperationError {
  readonly body: ErrorBody;

  constructor(body: ErrorBody) {
    super(body.message, { reason: body.code, status: body.status });
    this.body = body;
  }
}

/** What failed before an answer came: unreachable, TLS, timeout. */
function transportError(e: unknown, url: string): Error {
  if (e instanceof OperationError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return err;
  const code = err?.code ?? '';
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err?.message ?? '')) {
    return new OperationError(
      `TLS verification of ${url} failed: ${err.message}: pass --certificate-authority FILE (the CA that signed the server's certificate), or --insecure-skip-tls-verify for a test server`,
      { reason: 'TLSError', cause: e },
    );
  }
  return new OperationError(
    `cannot reach the OpenChoreo API at ${url}: ${err?.message ?? String(e)}: is the server running (choreoctl server, choreoctl local up) and the URL right?`,
    { reason: 'ServerUnavailable', cause: e },
  );
}

function queryString(q: Query | undefined): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

export abstract class RestChoreoClient<R extends ResolvedKind> implements ChoreoClient<R> {
  readonly namespace: string;
  readonly url: string;
  readonly #conn: RestConnection;
  readonly #agent: http.Agent;

  constructor(conn: RestConnection, namespace: string) {
    this.#conn = conn;
    this.url = conn.url.replace(/\/+$/, '');
    this.namespace = namespace;
    const secure = this.url.startsWith('https:');
    this.#agent = secure
      ? new https.Agent({
          keepAlive: true,
          ...(conn.ca ? { ca: conn.ca } : {}),
          rejectUnauthorized: !conn.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
  }

  abstract resolveName(name: string, signal?: AbortSignal): Promise<R>;
  abstract resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<R>;

  /** The error a caller sees for a failed operation (default: as thrown). */
  protected mapError(e: unknown): unknown {
    return e;
  }

  protected async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** Opens one request; resolves with the response once its headers are in. */
  #open(method: string, path: string, options: RequestOptions): Promise<http.IncomingMessage> {
    const target = new URL(`${this.url}${path}${queryString(options.query)}`);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      accept: 'application/json, application/x-ndjson',
      'user-agent': this.#conn.userAgent ?? 'choreoctl',
    };
    if (this.#conn.token) headers.authorization = `Bearer ${this.#conn.token}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const timeout =
      options.timeoutMs === false
        ? undefined
        : (options.timeoutMs ?? this.#conn.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signals = [options.signal, timeout ? AbortSignal.timeout(timeout) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const mod = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(target, { method, headers, agent: this.#agent, ...(signal ? { signal } : {}) });
      req.on('response', resolve);
      req.on('error', (e) => {
        if (signal?.aborted && options.signal?.aborted !== true) {
          reject(
            new OperationError(`the OpenChoreo API at ${this.url} did not answer within ${timeout} ms`, {
              reason: 'Timeout',
              cause: e,
            }),
          );
          return;
        }
        reject(transportError(e, this.url));
      });
      req.end(body);
    });
  }

  /** One JSON request; an error answer throws what it stands for. */
  protected async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.#open(method, path, options);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of res as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          throw new OperationError(
            `the answer of ${this.url}${path} is larger than ${MAX_BODY_BYTES} bytes`,
            {
              reason: 'ResponseTooLarge',
            },
          );
        }
        chunks.push(c);
      }
    } catch (e) {
      throw transportError(e, this.url);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      if (isErrorBody(parsed)) throw errorOfBody(parsed, this.url);
      throw new OperationError(
        `unexpected answer from ${this.url}${path}: HTTP ${status}${status === 404 ? ': is this an OpenChoreo API server?' : ''}`,
        { reason: status === 404 ? 'NotFound' : 'InternalError', status },
      );
    }
    return parsed as T;
  }

  /** Opens a streaming answer: resolves once its headers are in; an error answer throws what it stands for. */
  async #openStream(path: string, options: RequestOptions): Promise<http.IncomingMessage> {
    const res = await this.#open('GET', path, { ...options, timeoutMs: false });
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (isErrorBody(parsed)) throw errorOfBody(parsed, this.url);
      throw new OperationError(`unexpected answer from ${this.url}${path}: HTTP ${res.statusCode}`, {
        reason: 'InternalError',
      });
    }
    return res;
  }

  /** The newline-delimited lines of an open streaming answer. */
  async *#linesOf(res: http.IncomingMessage, signal: AbortSignal | undefined): AsyncGenerator<string> {
    let buf = '';
    try {
      for await (const c of res as AsyncIterable<Buffer>) {
        buf += c.toString('utf8');
        if (buf.length > MAX_LINE_BYTES)
          throw new OperationError('a line of the stream is larger than 16 MiB', {
            reason: 'ResponseTooLarge',
          });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() !== '') yield line;
          nl = buf.indexOf('\n');
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw transportError(e, this.url);
    } finally {
      res.destroy();
    }
  }

  /** The newline-delimited lines of a streaming answer. */
  async *#lines(path: string, options: RequestOptions): AsyncGenerator<string> {
    yield* this.#linesOf(await this.#openStream(path, options), options.signal);
  }

  /** `/orgs/{org}/{plural}`: the collection of a namespaced kind. */
  #collection(r: R, namespace: string | undefined): string {
    return `${API_BASE}/orgs/${encodeURIComponent(namespace ?? this.namespace)}/${r.info.resource}`;
  }

  #isOrganization(r: R): boolean {
    return !r.info.namespaced && r.info.kind === 'Organization';
  }

  #unavailable(what: string, instead: string): OperationError {
    return new OperationError(`${what} is not available in api mode: ${instead}`, {
      reason: 'NotAvailableInApiMode',
    });
  }

  /** Only openchoreo.dev kinds, and of the cluster-scoped ones only organizations, are served. */
  #check(r: R, verb: string): void {
    if (r.info.namespaced || this.#isOrganization(r)) return;
    throw this.#unavailable(`${verb} ${r.info.resource}`, 'use a direct context (choreoctl --context NAME)');
  }

  /** Who the token is, as the server's TokenReview saw it (`choreoctl login` checks a token with it). */
  async self(): Promise<{ username: string; uid?: string; groups: string[] }> {
    return this.call(() => this.request('GET', `${API_BASE}/self`));
  }

  async serverVersion(options: { signal?: AbortSignal } = {}): Promise<ServerVersionInfo> {
    return this.call(() => this.request<ServerVersionInfo>('GET', '/version', { signal: options.signal }));
  }

  async listNames(kind: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const r = await this.resolveName(kind, options.signal);
    const list = await this.list(r, { ...(options.signal ? { signal: options.signal } : {}) });
    return list.items.map((o) => o.metadata?.name ?? '').filter((n) => n !== '');
  }

  async get(r: R, name: string, options: { namespace?: string | undefined; signal?: AbortSignal } = {}) {
    this.#check(r, 'get');
    const path = this.#isOrganization(r)
      ? `${API_BASE}/orgs/${encodeURIComponent(name)}`
      : `${this.#collection(r, options.namespace)}/${encodeURIComponent(name)}`;
    return this.call(() => this.request<KubeObject>('GET', path, { signal: options.signal }));
  }

  async list(
    r: R,
    options: {
      namespace?: string | undefined;
      all?: boolean;
      selector?: string | undefined;
      fieldSelector?: string | undefined;
      signal?: AbortSignal;
    } = {},
  ): Promise<ListResult> {
    this.#check(r, 'list');
    const path = this.#isOrganization(r)
      ? `${API_BASE}/orgs`
      : options.all && options.namespace === undefined
        ? `${API_BASE}/${r.info.resource}`
        : this.#collection(r, options.namespace);
    const list = await this.call(() =>
      this.request<{ items: KubeObject[]; metadata?: { resourceVersion?: string } }>('GET', path, {
        query: { labelSelector: options.selector, fieldSelector: options.fieldSelector },
        signal: options.signal,
      }),
    );
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async *watch(
    r: R,
    options: {
      namespace?: string | undefined;
      all?: boolean;
      selector?: string | undefined;
      name?: string | undefined;
      resourceVersion?: string | undefined;
      signal?: AbortSignal;
    },
  ): AsyncGenerator<WatchEvent<KubeObject>> {
    if (this.#isOrganization(r))
      throw this.mapError(this.#unavailable('watching organizations', 'use a direct context'));
    this.#check(r, 'watch');
    const path =
      options.all && options.namespace === undefined
        ? `${API_BASE}/${r.info.resource}`
        : this.#collection(r, options.namespace);
    try {
      for await (const line of this.#lines(path, {
        query: {
          watch: true,
          labelSelector: options.selector,
          name: options.name,
          resourceVersion: options.resourceVersion,
        },
        signal: options.signal,
      })) {
        const ev = JSON.parse(line) as WatchEvent<KubeObject>;
        if (ev.type === 'ERROR') {
          const s = ev.object as { code?: number; reason?: string; message?: string };
          throw errorFromStatus({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: s.code ?? 500,
            reason: s.reason ?? 'InternalError',
            message: s.message ?? 'watch failed',
          } as Parameters<typeof errorFromStatus>[0]);
        }
        yield ev;
      }
    } catch (e) {
      throw this.mapError(e);
    }
  }

  async describe(
    r: R,
    name: string,
    options: { namespace?: string | undefined } = {},
  ): Promise<DescribeData> {
    this.#check(r, 'describe');
    const path = this.#isOrganization(r)
      ? `${API_BASE}/orgs/${encodeURIComponent(name)}/describe`
      : `${this.#collection(r, options.namespace)}/${encodeURIComponent(name)}/describe`;
    return this.call(() => this.request<DescribeData>('GET', path));
  }

  async delete(r: R, name: string, options: { namespace?: string | undefined } = {}): Promise<DeleteOutcome> {
    if (this.#isOrganization(r)) {
      throw this.mapError(this.#unavailable('deleting an organization', 'use a direct context'));
    }
    this.#check(r, 'delete');
    return this.call(async () => {
      try {
        const res = await this.request<{ details?: { uid?: string } }>(
          'DELETE',
          `${this.#collection(r, options.namespace)}/${encodeURIComponent(name)}`,
        );
        return { deleted: true, ...(res.details?.uid ? { uid: res.details.uid } : {}) };
      } catch (e) {
        if (isNotFound(e) || (e instanceof AnswerError && e.status === 404)) return { deleted: false };
        throw e;
      }
    });
  }

  async waitDeleted(
    r: R,
    name: string,
    options: { namespace?: string | undefined; uid?: string | undefined; signal: AbortSignal },
  ): Promise<boolean> {
    this.#check(r, 'wait for');
    const path = `${this.#collection(r, options.namespace)}/${encodeURIComponent(name)}/deletion`;
    while (!options.signal.aborted) {
      try {
        const res = await this.request<{ deleted: boolean }>('GET', path, {
          query: { uid: options.uid, timeoutSeconds: WAIT_SLICE_SECONDS },
          signal: options.signal,
          timeoutMs: false,
        });
        if (res.deleted) return true;
      } catch (e) {
        if (options.signal.aborted) return false;
        throw this.mapError(e);
      }
    }
    return false;
  }

  async prepare(
    manifests: readonly Manifest[],
  ): Promise<{ prepared: Prepared<R>[]; errors: ManifestError[] }> {
    const { prepareManifests } = await import('./apply.js');
    return this.call(() => prepareManifests(this, manifests));
  }

  /** The server's 422 (or RBAC's 403) about objects of this batch, as file:line errors of the caller's manifests. */
  #invalid(e: unknown, prepared: readonly Prepared<R>[]): ManifestError[] | undefined {
    const body = e instanceof AnswerError && (e.status === 422 || e.status === 403) ? e.body : undefined;
    if (!body?.details?.some((d) => d.location?.startsWith('objects['))) return undefined;
    return body.details.map((d) => {
      const i = Number(/^objects\[(\d+)\]/.exec(d.location ?? '')?.[1] ?? 0);
      const m = (prepared[i] ?? prepared[0])?.manifest as Manifest;
      const at = d.field ? m.locate(segmentsOf(d.field)) : { line: m.line, col: 1 };
      return {
        source: m.source,
        ...at,
        ...(d.object ? { object: d.object } : {}),
        ...(d.field ? { path: d.field } : {}),
        message: d.message,
      };
    });
  }

  async apply(prepared: readonly Prepared<R>[], options: ApplyOptions<R> = {}): Promise<ApplyResult<R>> {
    let res: { outcomes: WireOutcome[]; warnings: string[] };
    try {
      res = await this.request('POST', `${API_BASE}/batch/apply`, {
        body: {
          objects: prepared.map((p) => p.object),
          dryRun: options.dryRun ?? 'none',
          force: options.force ?? false,
        },
      });
    } catch (e) {
      const invalid = this.#invalid(e, prepared);
      if (invalid) return { invalid, outcomes: [], warnings: [] };
      throw this.mapError(e);
    }
    for (const w of res.warnings) options.onWarning?.(w);
    const outcomes = res.outcomes.map((o): ApplyOutcome<R> => {
      const out: ApplyOutcome<R> = {
        prepared: prepared[o.index] as Prepared<R>,
        ...(o.action ? { action: o.action as NonNullable<ApplyOutcome['action']> } : {}),
        ...(o.result ? { result: o.result } : {}),
        ...(o.message !== undefined ? { message: o.message } : {}),
        ...(o.error ? { error: errorOfBody(o.error, this.url) } : {}),
      };
      options.onOutcome?.(out);
      return out;
    });
    return { invalid: [], outcomes, warnings: res.warnings };
  }

  async diff(prepared: readonly Prepared<R>[], options: { force?: boolean } = {}): Promise<DiffPair<R>[]> {
    const res = await this.call(() =>
      this.request<{ pairs: { index: number; live?: KubeObject; merged: KubeObject }[] }>(
        'POST',
        `${API_BASE}/batch/diff`,
        { body: { objects: prepared.map((p) => p.object), force: options.force ?? false } },
      ),
    );
    return res.pairs.map((p) => ({
      prepared: prepared[p.index] as Prepared<R>,
      live: p.live,
      merged: p.merged,
    }));
  }

  async create(obj: KubeObject, options: { namespace?: string | undefined; dryRun?: 'server' } = {}) {
    return this.call(() =>
      this.request<KubeObject>('POST', `${API_BASE}/batch/create`, {
        body: {
          object: obj,
          ...(options.namespace ? { organization: options.namespace } : {}),
          ...(options.dryRun ? { dryRun: options.dryRun } : {}),
        },
      }),
    );
  }

  async catalog(options: LoadCatalogOptions = {}): Promise<CatalogResult> {
    const path =
      options.namespace === undefined
        ? `${API_BASE}/catalog`
        : `${API_BASE}/orgs/${encodeURIComponent(options.namespace)}/catalog`;
    const res = await this.call(() =>
      this.request<{ items: CatalogResult['entries']; missing: string[] }>('GET', path, {
        query: { labelSelector: options.labelSelector },
        signal: options.signal,
      }),
    );
    return { entries: res.items, missing: res.missing };
  }

  async install(): Promise<never> {
    throw this.mapError(
      this.#unavailable(
        'install',
        "it writes CustomResourceDefinitions and cluster roles, which needs a cluster administrator's kubeconfig: run it with a direct context (choreoctl --context NAME install)",
      ),
    );
  }

  async uninstall(): Promise<never> {
    throw this.mapError(
      this.#unavailable('uninstall', 'run it with a direct context (choreoctl --context NAME uninstall)'),
    );
  }

  #org(path: string): string {
    return `${API_BASE}/orgs/${encodeURIComponent(this.namespace)}/${path}`;
  }

  async promote(options: {
    component: string;
    project?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  }): Promise<RequestResult> {
    return this.call(() => this.request<RequestResult>('POST', this.#org('promote'), { body: options }));
  }

  async promoteProject(options: {
    project: string;
    from?: string | undefined;
    to?: string | undefined;
  }): Promise<RequestResult[]> {
    const res = await this.call(() =>
      this.request<{ items: RequestResult[] }>('POST', this.#org('promote-project'), { body: options }),
    );
    return res.items;
  }

  async rollback(options: {
    component: string;
    environment: string;
    toRevision?: number | undefined;
  }): Promise<RequestResult & { revision: number }> {
    return this.call(() =>
      this.request<RequestResult & { revision: number }>('POST', this.#org('rollback'), { body: options }),
    );
  }

  async decidePromotion(name: string, decision: 'Approve' | 'Reject', reason?: string) {
    return this.call(() =>
      this.request<{ approver: string }>(
        'POST',
        this.#org(`promotionrequests/${encodeURIComponent(name)}/decision`),
        { body: { decision, ...(reason ? { reason } : {}) } },
      ),
    );
  }

  async waitPromotion(name: string, signal: AbortSignal): Promise<WaitOutcome> {
    const path = this.#org(`promotionrequests/${encodeURIComponent(name)}/wait`);
    const final = (o: WaitOutcome) => o.ok || ['Failed', 'Rejected'].includes(o.request?.status?.phase ?? '');
    let last: WaitOutcome | undefined;
    while (!signal.aborted) {
      try {
        last = await this.request<WaitOutcome>('GET', path, {
          query: { timeoutSeconds: WAIT_SLICE_SECONDS },
          signal,
          timeoutMs: false,
        });
        if (final(last)) return last;
      } catch (e) {
        if (!signal.aborted) throw this.mapError(e);
      }
    }
    // the caller's time ran out: where the request stands now, in the server's words
    return this.call(() => this.request<WaitOutcome>('GET', path, { query: { timeoutSeconds: 1 } }));
  }

  async build(options: TriggerBuildOptions): Promise<KubeObject> {
    return this.call(() => this.request<KubeObject>('POST', this.#org('trigger-build'), { body: options }));
  }

  /** Slices of at most WAIT_SLICE_SECONDS; each ends early when the build's progress changed. */
  async waitBuild(
    name: string,
    signal: AbortSignal,
    onProgress: (p: BuildProgress) => void = () => {},
  ): Promise<BuildOutcome> {
    const path = this.#org(`builds/${encodeURIComponent(name)}/wait`);
    let since = '';
    let last: BuildOutcome | undefined;
    const seen = (o: BuildOutcome): void => {
      last = o;
      if (progressKey(o) !== since) {
        since = progressKey(o);
        onProgress(o);
      }
    };
    while (!signal.aborted) {
      try {
        seen(
          await this.request<BuildOutcome>('GET', path, {
            query: { timeoutSeconds: WAIT_SLICE_SECONDS, since },
            signal,
            timeoutMs: false,
          }),
        );
        if (last?.finished) return last;
      } catch (e) {
        if (!signal.aborted) throw this.mapError(e);
      }
    }
    // the caller's time ran out: where the build stands now
    return this.call(() => this.request<BuildOutcome>('GET', path, { query: { timeoutSeconds: 1, since } }));
  }

  /**
   * `GET /orgs/{org}/components/{name}/logs` or `/builds/{name}/logs`: the server resolves what to read as the
   * caller before it answers (an error then is the answer's status), then streams newline-delimited LogEvents;
   * a failure while reading comes as one `{type: "error", error}` line and ends the stream.
   */
  async openLogs(
    subject: LogSubject,
    query: LogQuery,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEvent>> {
    const path =
      subject.kind === 'component'
        ? this.#org(`components/${encodeURIComponent(subject.component)}/logs`)
        : this.#org(`builds/${encodeURIComponent(subject.build)}/logs`);
    const params: Query = {
      ...logQueryParams(query),
      ...(subject.kind === 'component'
        ? { project: subject.project, environment: subject.environment, labelSelector: subject.selector }
        : {}),
    };
    const res = await this.call(() => this.#openStream(path, { query: params, signal }));
    const lines = this.#linesOf(res, signal);
    const url = this.url;
    const mapError = (e: unknown) => this.mapError(e);
    return (async function* events(): AsyncGenerator<LogEvent> {
      try {
        for await (const line of lines) {
          const ev = JSON.parse(line) as WireLogLine;
          if (ev.type === 'error') throw errorOfBody(ev.error, url);
          yield ev;
        }
      } catch (e) {
        if (signal.aborted) return;
        throw mapError(e);
      }
    })();
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** One line of a log stream as the server sends it: an event, or the failure that ended the stream. */
export type WireLogLine = LogEvent | { readonly type: 'error'; readonly error: ErrorBody };

/** What identifies a step of a build's progress (the server ends a wait slice when it changes). */
export function progressKey(p: BuildProgress): string {
  return `${p.phase}/${p.step ?? ''}/${p.reason ?? ''}`;
}

/** One apply outcome as the server sends it (src/server/operations.ts). */
export interface WireOutcome {
  readonly index: number;
  readonly action?: string;
  readonly result?: KubeObject;
  readonly message?: string;
  readonly error?: ErrorBody;
}
