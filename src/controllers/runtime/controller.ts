/**
 * A controller: one primary resource, the informers that feed its work queue (the primary itself, the children
 * it owns, anything else mapped to primary keys), N workers, and a reconciler that is called with one key at a
 * time. Reconcilers are level-based: they read the current state (from the shared caches), make the world match,
 * and return; errors are retried with per-key exponential backoff, `requeueAfterMs` schedules the next look.
 *
 * Each reconcile gets a context: an AbortSignal cancelled when the controller stops (pass it to client calls),
 * and a logger whose lines carry the controller, the key and a reconcileID. A TerminalError sets Ready=False
 * with its reason and message on the primary object and is not retried until that object changes. A finalizer
 * declared in the spec is added by the runtime to every live primary and removed once `finalize` succeeds.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import type { GVR, ResourceRef } from '../../kube/discovery.js';
import { isConflict, isNotFound } from '../../kube/errors.js';
import { setCondition } from './conditions.js';
import type { Informer } from './informer.js';
import { objectKey, splitKey } from './informer.js';
import { type Logger, loggerFromSink } from './log.js';
import type { ManagerMetrics } from './metrics.js';
import { type Lane, type RateLimit, WorkQueue } from './queue.js';

export interface Request {
  /** `namespace/name`, or `name` for cluster-scoped resources. */
  key: string;
  namespace?: string;
  name: string;
}

export interface Result {
  /** Look again after this long even if nothing changes (e.g. while something progresses). */
  requeueAfterMs?: number;
}

/** What a reconcile is given besides its request. */
export interface ReconcileContext {
  /** Aborted when the controller stops: pass it to client calls and waits, so a stop ends them at once. */
  signal: AbortSignal;
  /** Lines carry controller, key and reconcileID. */
  log: Logger;
  /** Random id of this pass, in every log line of it. */
  reconcileID: string;
}

export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined>;
}

/**
 * An error retrying cannot fix (a spec that can never work as it stands): the runtime sets Ready=False with
 * this reason and message on the primary object and does not retry the key until the object changes.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A finalizer the runtime manages: added to every live primary, removed after `finalize` returns undefined. */
export interface FinalizerSpec {
  name: string;
  /** Clean up what the primary owns elsewhere; a Result means "not done yet, look again". */
  finalize(obj: KubeObject, ctx: ReconcileContext): Promise<Result | undefined>;
}

export type MapFunc = (obj: KubeObject) => string[];

export interface WatchSpec {
  ref: ResourceRef;
  /** Map an event's object to the primary keys to reconcile. */
  map: MapFunc;
  /** Also watch in these informer options (e.g. a label selector); default: everything. */
  namespace?: string;
  /**
   * Coalesce: queue the mapped keys this long after the event instead of at once, so a burst of changes (a
   * child's status moving through several steps) costs one reconcile and one status write, not one per step.
   * For roll-ups only, never on the path that creates objects.
   */
  delayMs?: number;
  /**
   * The map and the reconciler read only metadata of these objects (existence, labels, owners, deletion): when
   * every controller of the manager says so of a resource, its cache holds PartialObjectMetadata.
   */
  metadataOnly?: boolean;
}

/** A child kind whose controller ownerReference points at the primary; `delayMs`, `metadataOnly` as in WatchSpec. */
export interface OwnsSpec {
  ref: ResourceRef;
  delayMs?: number;
  metadataOnly?: boolean;
}

export interface ControllerSpec {
  name: string;
  for: ResourceRef;
  /** Children whose controller ownerReference points at a primary object. */
  owns?: (ResourceRef | OwnsSpec)[];
  watches?: WatchSpec[];
  /** Resources the reconciler reads from the shared caches without reacting to them. */
  reads?: ResourceRef[];
  reconciler: Reconciler;
  /** Called once the workers have stopped (release what the reconciler holds: watches on other clusters). */
  onStop?: () => Promise<void>;
  /** Parallel reconciles (different keys only); default 2. */
  concurrency?: number;
  /** Coalesce events of the primary as WatchSpec.delayMs does (roll-up controllers only). */
  delayMs?: number;
  /** A finalizer the runtime adds and removes (reconcile is not called for a primary being deleted). */
  finalizer?: FinalizerSpec;
}

export interface ControllerDeps {
  /** For terminal-error conditions and finalizers. */
  client?: KubeClient;
  /** Retry limits of the work queue (per-key backoff and the overall bucket). */
  rateLimit?: Partial<RateLimit>;
}

/** The resourceVersions at which a key failed terminally (before and after its condition was written). */
interface TerminalMark {
  versions: Set<string>;
}

function reconcileId(): string {
  return randomBytes(6).toString('hex');
}

export function ownsSpec(o: ResourceRef | OwnsSpec): OwnsSpec {
  return 'ref' in o ? o : { ref: o };
}

export type InformerSource = (ref: ResourceRef) => Informer;

export function ownerMapper(primaryKind: string, primaryNamespaced: boolean): MapFunc {
  return (obj) => {
    const refs = obj.metadata?.ownerReferences ?? [];
    const keys: string[] = [];
    for (const r of refs) {
      if (r.kind !== primaryKind) continue;
      keys.push(
        primaryNamespaced && obj.metadata?.namespace ? `${obj.metadata.namespace}/${r.name}` : r.name,
      );
    }
    return keys;
  };
}

/** An update a user asked for: a new generation (spec) or the start of deletion, not a status step. */
function asked(o: KubeObject, n: KubeObject): boolean {
  return (
    o.metadata?.generation !== n.metadata?.generation ||
    (!o.metadata?.deletionTimestamp && !!n.metadata?.deletionTimestamp)
  );
}

export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  private inFlight = new Set<string>();
  private readonly abort = new AbortController();
  private readonly logger: Logger;
  private primary: Informer | undefined;
  private primaryGvr: GVR | undefined;
  private readonly terminal = new Map<string, TerminalMark>();

  constructor(
    readonly spec: ControllerSpec,
    private readonly metrics: ManagerMetrics,
    log: Logger | ((m: string) => void) = () => {},
    private readonly deps: ControllerDeps = {},
  ) {
    this.logger = (typeof log === 'function' ? loggerFromSink(log) : log).with({ controller: spec.name });
    setMaxListeners(0, this.abort.signal); // every reconcile in flight listens on it
    this.queue = new WorkQueue(deps.rateLimit ?? {}, {
      onDepth: (d) => metrics.queueDepth.set({ controller: spec.name }, d),
    });
  }

  /** Subscribe to the informers (before they start, so the initial list enqueues everything). */
  wire(informers: InformerSource, primaryKind: string, primaryNamespaced: boolean, primaryGvr?: GVR): void {
    this.primary = informers(this.spec.for);
    this.primaryGvr = primaryGvr;
    const enqueuer =
      (delayMs: number | undefined) =>
      (keys: string[], lane: Lane = 'backlog') => {
        for (const k of keys) delayMs ? this.queue.addAfter(k, delayMs) : this.queue.add(k, lane);
      };
    const primary = enqueuer(this.spec.delayMs);
    informers(this.spec.for).addHandlers({
      // What a user asked for — an object created, its spec changed, deleted — goes in the fresh lane, ahead
      // of the status steps and roll-ups a big rollout queues (see WorkQueue).
      add: (o) => primary([objectKey(o)], 'fresh'),
      // Every update, status-only ones included: a reconcile decides from the cache, and a cache that had not
      // yet seen this controller's last status write would make it skip a needed write ("unchanged") with
      // nothing left to bring it back. Status is written only when it differs, so the extra pass converges.
      update: (o, n) => primary([objectKey(n)], asked(o, n) ? 'fresh' : 'backlog'),
      delete: (o) => primary([objectKey(o)], 'fresh'),
    });
    const owner = ownerMapper(primaryKind, primaryNamespaced);
    for (const o of this.spec.owns ?? []) {
      const { ref, delayMs } = ownsSpec(o);
      const enqueue = enqueuer(delayMs);
      informers(ref).addHandlers({
        add: (o) => enqueue(owner(o)),
        update: (o, n) => enqueue([...new Set([...owner(o), ...owner(n)])]),
        delete: (o) => enqueue(owner(o)),
      });
    }
    for (const w of this.spec.watches ?? []) {
      const enqueue = enqueuer(w.delayMs);
      informers(w.ref).addHandlers({
        add: (o) => enqueue(w.map(o)),
        update: (o, n) => enqueue([...new Set([...w.map(o), ...w.map(n)])]),
        delete: (o) => enqueue(w.map(o)),
      });
    }
  }

  start(): void {
    const n = this.spec.concurrency ?? 2;
    for (let i = 0; i < n; i++) this.workers.push(this.worker());
  }

  /** Stop taking work, cancel the reconciles in flight (their signal) and wait for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.queue.shutdown();
    await Promise.all(this.workers);
    await this.spec.onStop?.();
  }

  get busyKeys(): string[] {
    return [...this.inFlight];
  }

  /**
   * Whether `key` has a reconcile to come or in flight (queued, delayed, or running): the queue knows all three
   * (a worker's key is in flight from queue.get() until queue.done()).
   */
  hasWork(key: string): boolean {
    return this.queue.has(key);
  }

  /** The primary's resourceVersion while a terminal error holds the key, or undefined (reconcile). */
  private heldByTerminal(key: string): boolean {
    const mark = this.terminal.get(key);
    if (!mark) return false;
    const rv = this.primary?.get(key)?.metadata?.resourceVersion;
    if (rv !== undefined && mark.versions.has(rv)) return true;
    this.terminal.delete(key); // changed (or gone): try again
    return false;
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (this.heldByTerminal(key)) {
        this.metrics.reconciles.inc({ controller: this.spec.name, result: 'held' });
        this.queue.done(key);
        continue;
      }
      this.inFlight.add(key);
      const { namespace, name } = splitKey(key);
      const reconcileID = reconcileId();
      const log = this.logger.with({ key, reconcileID });
      const ctx: ReconcileContext = { signal: this.abort.signal, log, reconcileID };
      const started = performance.now();
      const end = this.metrics.reconcileDuration.startTimer({ controller: this.spec.name });
      const done = (result: string, fields: Record<string, string | number> = {}) => {
        const duration = Math.round((performance.now() - started) * 10) / 10;
        this.metrics.reconciles.inc({ controller: this.spec.name, result });
        return { result, duration, ...fields };
      };
      try {
        const req: Request = { key, name, ...(namespace ? { namespace } : {}) };
        const result = await this.reconcileWithFinalizer(req, ctx);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          this.queue.addAfter(key, result.requeueAfterMs);
          log.debug('reconciled', done('requeue', { requeueAfterMs: result.requeueAfterMs }));
        } else {
          log.debug('reconciled', done('success'));
        }
      } catch (e) {
        if (e instanceof TerminalError) {
          this.queue.forget(key);
          log.error('reconcile failed terminally (not retried until the object changes)', {
            ...done('terminal'),
            reason: e.reason,
            error: e.message,
          });
          await this.markTerminal(key, e, log);
        } else if (this.abort.signal.aborted) {
          log.info('reconcile cancelled by stop', done('cancelled'));
        } else {
          this.metrics.reconcileErrors.inc({ controller: this.spec.name });
          const delay = this.queue.addRateLimited(key);
          log.error('reconcile failed', { ...done('error'), retryInMs: delay, error: (e as Error).message });
        }
      } finally {
        end();
        this.inFlight.delete(key);
        this.queue.done(key);
      }
    }
  }

  /** Declared finalizer: add it to a live primary, run `finalize` for a deleting one, then remove it. */
  private async reconcileWithFinalizer(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const fin = this.spec.finalizer;
    const obj = fin ? this.primary?.get(req.key) : undefined;
    if (!fin || !obj) return this.spec.reconciler.reconcile(req, ctx);
    const list = obj.metadata?.finalizers ?? [];
    if (obj.metadata?.deletionTimestamp) {
      if (!list.includes(fin.name)) return undefined;
      const r = await fin.finalize(obj, ctx);
      if (r) return r;
      await this.patchFinalizers(
        obj,
        list.filter((f) => f !== fin.name),
        ctx,
      );
      return undefined;
    }
    if (!list.includes(fin.name)) await this.patchFinalizers(obj, [...list, fin.name], ctx);
    return this.spec.reconciler.reconcile(req, ctx);
  }

  /** Merge patch guarded by resourceVersion: a stale read is a conflict (retried), never a lost edit. */
  private async patchFinalizers(obj: KubeObject, finalizers: string[], ctx: ReconcileContext): Promise<void> {
    const { client } = this.deps;
    if (!client || !this.primaryGvr)
      throw new Error(`${this.spec.name}: finalizers need the manager's client`);
    const meta = obj.metadata ?? {};
    try {
      await client.patch(
        this.primaryGvr,
        meta.name ?? '',
        { metadata: { finalizers, resourceVersion: meta.resourceVersion } },
        { ...(meta.namespace ? { namespace: meta.namespace } : {}), signal: ctx.signal },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Ready=False with the error's reason on the primary, and remember its versions so the key rests. */
  private async markTerminal(key: string, err: TerminalError, log: Logger): Promise<void> {
    const obj = this.primary?.get(key);
    const meta = obj?.metadata;
    if (!obj || !meta?.resourceVersion) return;
    const mark: TerminalMark = { versions: new Set([meta.resourceVersion]) };
    this.terminal.set(key, mark);
    const { client } = this.deps;
    if (!client || !this.primaryGvr) return;
    const status = (obj.status ?? {}) as { conditions?: Parameters<typeof setCondition>[0] };
    const conditions = setCondition(status.conditions, {
      type: 'Ready',
      status: 'False',
      reason: err.reason,
      message: err.message,
      ...(meta.generation !== undefined ? { observedGeneration: meta.generation } : {}),
    });
    try {
      const written = await client.patchStatus(
        this.primaryGvr,
        meta.name ?? '',
        { status: { conditions } },
        {
          ...(meta.namespace ? { namespace: meta.namespace } : {}),
          fieldManager: `${this.spec.name}-controller`,
        },
      );
      const rv = written?.metadata?.resourceVersion;
      if (rv) mark.versions.add(rv);
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      log.error('could not record the terminal error on the object', { error: (e as Error).message });
    }
  }
}
