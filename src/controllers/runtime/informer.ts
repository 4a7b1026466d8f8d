/**
 * An informer: list + watch one resource into an in-memory cache and tell handlers what changed.
 *
 * - The first list is paged; the watch starts from the list's resourceVersion, with bookmarks, so a reconnect
 *   resumes where it left off.
 * - 410 Gone (the resourceVersion was compacted away) → relist; the diff against the cache is delivered as
 *   add/update/delete, so nothing is missed and nothing is reported twice.
 * - A watch that ends (server timeout) is resumed; a connection error backs off 0.5 s → 30 s and resumes.
 * - A watch that goes silent (no event and no bookmark for `silenceMs`, a known failure mode of long-lived
 *   watches) is aborted and resumed.
 * - Every `resyncMs` each cached object is delivered again as an update, so level-based reconcilers converge
 *   even when an event was lost.
 * - Objects are trimmed on the way in (`trimForCache`, as client-go's cache transform): the cache keeps what
 *   the controllers read, not the apiserver's bookkeeping. `list(namespace)` reads a namespace index, so its
 *   cost is the namespace's objects, not the whole cache's.
 */
import type { FieldsV1, KubeClient, KubeObject } from '../../kube/client.js';
import type { ResourceRef } from '../../kube/discovery.js';
import { isClientClosed, isGone } from '../../kube/errors.js';
import { internStrings } from './intern.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Redeliver every object this often (default 10 min; 0 disables). */
  resyncMs?: number;
  /** Restart a watch that saw nothing, not even a bookmark, for this long (default 150 s). */
  silenceMs?: number;
  /** Server-side watch timeout range in seconds (default 300-600, as client-go). */
  watchTimeoutSeconds?: [number, number];
  /**
   * Objects per list page (default 100, where client-go asks for 500): a restart lists every kind at once, and
   * what it holds in flight is a page per kind (at 500 components the restart's peak RSS went 139 → 127 MB).
   */
  pageSize?: number;
  onWatchRestart?(reason: 'gone' | 'silent' | 'error' | 'closed'): void;
  log?(message: string): void;
  /**
   * Cache PartialObjectMetadata only (the apiserver strips spec and status): for kinds the controllers only
   * check for existence, labels and ownership.
   */
  metadataOnly?: boolean;
  /** What is kept of each object that arrives (default `trimForCache`; `(o) => o` keeps everything). */
  transform?(obj: KubeObject): KubeObject;
}

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Levels of `fieldsV1` kept per managedFields entry: `f:spec` → `f:workloadSpec`, not the fields below. */
const MANAGED_FIELDS_DEPTH = 2;

function cutFields(fields: FieldsV1 | undefined, depth: number): FieldsV1 {
  const out: FieldsV1 = {};
  if (!fields || typeof fields !== 'object') return out;
  for (const [k, v] of Object.entries(fields)) {
    if (k === '.') continue;
    out[k] = depth > 1 ? cutFields(v, depth - 1) : {};
  }
  return out;
}

/**
 * What an informer keeps of an object (client-go's cache transform, made a little less blunt): the
 * `last-applied-configuration` annotation (a second copy of the object kubectl writes) is dropped, and
 * `managedFields` (often larger than the object itself: every field, per writer) is cut to each writer's
 * manager, operation, subresource, time and the first two levels of its fields, which is enough to tell who
 * last wrote `spec.workloadSpec` (the revision controller's question) and nothing more. Everything else —
 * labels, annotations, ownerReferences, finalizers, resourceVersion, generation, spec, status — is kept.
 * Repeated string values are shared between cached objects (`internStrings`).
 * Mutates and returns `obj`: it was just parsed from the wire and nobody else holds it.
 */
export function trimForCache<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta) return obj;
  const annotations = meta.annotations;
  if (annotations && LAST_APPLIED_ANNOTATION in annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = annotations;
    meta.annotations = rest;
  }
  if (Array.isArray(meta.managedFields)) {
    meta.managedFields = meta.managedFields.map((e) => {
      return {
        ...(e.manager !== undefined ? { manager: e.manager } : {}),
        ...(e.operation !== undefined ? { operation: e.operation } : {}),
        ...(e.subresource !== undefined ? { subresource: e.subresource } : {}),
        ...(e.time !== undefined ? { time: e.time } : {}),
        fieldsV1: cutFields(e.fieldsV1, MANAGED_FIELDS_DEPTH),
      };
    });
  }
  return internStrings(obj);
}

/**
 * Index values of an object. Declared as a method type (checked bivariantly), so an informer of a specific
 * object type is still an informer of Kubernetes objects: the manager hands out one shared informer per
 * resource, typed by the reference it was asked for.
 */
export type Indexer<T> = { index(obj: T): string[] }['index'];

/**
 * A named index of a cache, built on the first lookup (`Informer.indexed`) and kept current by every add,
 * update and delete from then on: "the bindings of component X" costs the matching objects, not a scan of the
 * namespace. Declare each one once, as a constant: the name is its identity in every informer it is used on.
 */
export interface CacheIndex<T> {
  name: string;
  values: Indexer<T>;
}

export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly indexers = new Map<string, Indexer<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** Keys by namespace: `list(namespace)` without a scan of every namespace's objects. */
  private readonly namespaces = new Map<string, Set<string>>();
  private readonly transform: (obj: KubeObject) => KubeObject;
  private resourceVersion = '';
  private abort = new AbortController();
  private running = false;
  private synced = false;
  private syncWaiters: { resolve: () => void; reject: (e: unknown) => void; failFast: boolean }[] = [];
  /** Why the last list before the first sync failed (cleared once synced): what a fail-fast start() reports. */
  private listError: unknown;
  private resyncTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  /** Time of the last event (including bookmarks), for the silence detector and metrics. */
  lastEventAt = 0;
  restarts = 0;

  constructor(
    private readonly client: Pick<KubeClient, 'listPages' | 'watch'>,
    readonly ref: ResourceRef,
    private readonly options: InformerOptions = {},
  ) {
    this.transform = options.transform ?? trimForCache;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    // A late subscriber sees the current state, as with client-go's AddEventHandler.
    if (this.synced) for (const obj of this.store.values()) h.add?.(obj);
  }

  addIndex(name: string, fn: Indexer<T>): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [key, obj] of this.store) this.indexInsert(name, fn, key, obj);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  getByName(name: string, namespace?: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.store.values()];
    const keys = this.namespaces.get(namespace);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indices.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].flatMap((k) => {
      const o = this.store.get(k);
      return o ? [o] : [];
    });
  }

  /** Objects whose values under `idx` include `value` (the index is built on first use). */
  indexed(idx: CacheIndex<T>, value: string): T[] {
    const known = this.indexers.get(idx.name);
    if (!known) this.addIndex(idx.name, idx.values);
    else if (known !== idx.values)
      throw new Error(`index "${idx.name}" is declared twice with different values`);
    return this.byIndex(idx.name, value);
  }

  get size(): number {
    return this.store.size;
  }

  /**
   * Start list+watch; resolves once the first list is in the cache. The informer retries a failing list by
   * itself (backoff up to 30 s) for as long as it runs; with `failFast`, this call does not wait for that: it
   * rejects with the list's error when the last attempt failed (or as soon as the one in flight fails). For a
   * reconcile pass, which must report and retry rather than hold its worker while credentials are refused.
   */
  start(options: { failFast?: boolean } = {}): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.abort = new AbortController();
      this.loop = this.run();
      const resync = this.options.resyncMs ?? 600_000;
      if (resync > 0) {
        this.resyncTimer = setInterval(() => this.resync(), resync);
        this.resyncTimer.unref?.();
      }
    }
    if (this.synced) return Promise.resolve();
    const failFast = options.failFast === true;
    if (failFast && this.listError !== undefined) return Promise.reject(this.listError);
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject, failFast }));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.listError = undefined;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error('informer stopped before it synced'));
    await this.loop;
  }

  /** Redeliver every cached object as an update (level-triggered safety net). */
  resync(): void {
    for (const obj of this.store.values()) for (const h of this.handlers) h.update?.(obj, obj);
  }

  private log(m: string): void {
    this.options.log?.(m);
  }

  private indexInsert(name: string, fn: Indexer<T>, key: string, obj: T): void {
    const idx = this.indices.get(name);
    if (!idx) return;
    for (const v of fn(obj)) {
      let set = idx.get(v);
      if (!set) {
        set = new Set();
        idx.set(v, set);
      }
      set.add(key);
    }
  }

  private indexRemove(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name);
      if (!idx) continue;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }

  private put(obj: T): void {
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (old) this.indexRemove(key, old);
    else this.namespaceInsert(key, obj);
    this.store.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexInsert(name, fn, key, obj);
    if (!this.synced) return;
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (!old) return;
    this.indexRemove(key, old);
    this.store.delete(key);
    const ns = old.metadata?.namespace;
    const keys = ns ? this.namespaces.get(ns) : undefined;
    keys?.delete(key);
    if (ns && keys?.size === 0) this.namespaces.delete(ns);
    for (const h of this.handlers) h.delete?.(old);
  }

  private namespaceInsert(key: string, obj: T): void {
    const ns = obj.metadata?.namespace;
    if (!ns) return; // cluster-scoped: list(namespace) never held these
    let keys = this.namespaces.get(ns);
    if (!keys) {
      keys = new Set();
      this.namespaces.set(ns, keys);
    }
    keys.add(key);
  }

  private async relist(): Promise<void> {
    // Each page is trimmed as it arrives, before the next is asked for: what the list holds until it is
    // applied is the trimmed objects, never every untrimmed page at once (their managedFields and the
    // last-applied copy weigh more than what is kept; trimming halves a Deployment).
    const items: T[] = [];
    let resourceVersion = '';
    for await (const page of this.client.listPages<T>(this.ref, {
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
      limit: this.options.pageSize ?? 100,
      ...(this.options.metadataOnly ? { metadataOnly: true } : {}),
      signal: this.abort.signal,
    })) {
      // The first page's resourceVersion is the snapshot every page comes from: the watch starts there.
      if (!resourceVersion) resourceVersion = page.metadata.resourceVersion ?? '';
      for (const item of page.items) items.push(this.transform(item) as T);
    }
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.put(obj);
    }
    for (const [key, obj] of [...this.store]) if (!seen.has(key)) this.remove(obj);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      this.listError = undefined;
      for (const obj of this.store.values()) for (const h of this.handlers) h.add?.(obj);
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  private async run(): Promise<void> {
    let backoff = 500;
    let needList = true;
    while (this.running) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const reason = await this.watchOnce();
        backoff = 500;
        if (reason === 'gone') needList = true;
        if (reason !== 'stopped') {
          this.restarts++;
          this.options.onWatchRestart?.(reason);
        }
      } catch (e) {
        if (!this.running) return;
        if (isClientClosed(e)) {
          // The client was destroyed (shutdown): nothing to retry, ever; whoever waits for a sync is told.
          this.running = false;
          if (this.resyncTimer) clearInterval(this.resyncTimer);
          for (const w of this.syncWaiters.splice(0)) w.reject(e);
          return;
        }
        if (isGone(e)) {
          needList = true;
          this.restarts++;
          this.options.onWatchRestart?.('gone');
          continue;
        }
        if (!this.synced) {
          // The first list failed: fail-fast waiters hear why now; the others wait for a later attempt.
          this.listError = e;
          const waiters = this.syncWaiters;
          this.syncWaiters = waiters.filter((w) => !w.failFast);
          for (const w of waiters) if (w.failFast) w.reject(e);
        }
        this.log(`watch ${describe(this.ref)}: ${(e as Error).message}; retrying in ${backoff} ms`);
        this.restarts++;
        this.options.onWatchRestart?.('error');
        await delay(backoff, this.abort.signal);
        backoff = Math.min(30_000, backoff * 2);
      }
    }
  }

  /** One watch connection; returns why it ended. */
  private async watchOnce(): Promise<'gone' | 'silent' | 'closed' | 'stopped'> {
    const [lo, hi] = this.options.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.floor(lo + Math.random() * (hi - lo));
    const silenceMs = this.options.silenceMs ?? 150_000;
    // stop() may have run between the list and here (right after start() resolved): an abort listener
    // added now would never fire, and the watch would live until its server-side timeout.
    if (!this.running || this.abort.signal.aborted) return 'stopped';
    const conn = new AbortController();
    const onStop = () => conn.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let silent = false;
    this.lastEventAt = Date.now();
    const watchdog = setInterval(
      () => {
        if (Date.now() - this.lastEventAt > silenceMs) {
          silent = true;
          conn.abort();
        }
      },
      Math.min(5000, Math.max(50, silenceMs / 4)),
    );
    watchdog.unref?.();
    try {
      for await (const ev of this.client.watch<T>(this.ref, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        ...(this.options.metadataOnly ? { metadataOnly: true } : {}),
        signal: conn.signal,
      })) {
        this.lastEventAt = Date.now();
        const rv = ev.object.metadata?.resourceVersion;
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED':
            this.put(this.transform(ev.object) as T);
            break;
          case 'DELETED':
            this.remove(ev.object);
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            // The client turns ERROR Status events into thrown errors; anything else here is unexpected.
            return 'gone';
        }
        if (rv) this.resourceVersion = rv;
      }
    } catch (e) {
      if (isGone(e)) return 'gone';
      if (!this.running) return 'stopped';
      if (silent) return 'silent';
      throw e;
    } finally {
      clearInterval(watchdog);
      this.abort.signal.removeEventListener('abort', onStop);
    }
    if (!this.running) return 'stopped';
    return silent ? 'silent' : 'closed';
  }
}

function describe(ref: ResourceRef): string {
  return 'resource' in ref ? `${ref.resource}.${ref.group || 'core'}` : `${ref.kind} ${ref.apiVersion}`;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
