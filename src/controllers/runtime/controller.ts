/**
 * A controller: one primary resource, the informers that feed its work queue (the primary itself, the children
 * it owns, anything else mapped to primary keys), N workers, and a reconciler that is called with one key at a
 * time. Reconcilers are level-based: they read the current state (from the shared caches), make the world match,
 * and return; errors are retried with per-key exponential backoff, `requeueAfterMs` schedules the next look.
 */
import type { KubeObject } from '../../kube/client.js';
import type { ResourceRef } from '../../kube/discovery.js';
import type { Informer } from './informer.js';
import { objectKey, splitKey } from './informer.js';
import type { ManagerMetrics } from './metrics.js';
import { WorkQueue } from './queue.js';

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

export interface Reconciler {
  reconcile(req: Request): Promise<Result | undefined>;
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
}

/** A child kind whose controller ownerReference points at the primary; `delayMs` as in WatchSpec. */
export interface OwnsSpec {
  ref: ResourceRef;
  delayMs?: number;
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

export class Controller {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  private inFlight = new Set<string>();

  constructor(
    readonly spec: ControllerSpec,
    private readonly metrics: ManagerMetrics,
    private readonly log: (m: string) => void = () => {},
  ) {
    this.queue = new WorkQueue(
      {},
      {
        onDepth: (d) => metrics.queueDepth.set({ controller: spec.name }, d),
      },
    );
  }

  /** Subscribe to the informers (before they start, so the initial list enqueues everything). */
  wire(informers: InformerSource, primaryKind: string, primaryNamespaced: boolean): void {
    const enqueuer = (delayMs: number | undefined) => (keys: string[]) => {
      for (const k of keys) delayMs ? this.queue.addAfter(k, delayMs) : this.queue.add(k);
    };
    const primary = enqueuer(this.spec.delayMs);
    informers(this.spec.for).addHandlers({
      add: (o) => primary([objectKey(o)]),
      // Every update, status-only ones included: a reconcile decides from the cache, and a cache that had not
      // yet seen this controller's last status write would make it skip a needed write ("unchanged") with
      // nothing left to bring it back. Status is written only when it differs, so the extra pass converges.
      update: (_o, n) => primary([objectKey(n)]),
      delete: (o) => primary([objectKey(o)]),
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

  /** Stop taking work and wait for the reconciles in flight. */
  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all(this.workers);
    await this.spec.onStop?.();
  }

  get busyKeys(): string[] {
    return [...this.inFlight];
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.inFlight.add(key);
      const { namespace, name } = splitKey(key);
      const end = this.metrics.reconcileDuration.startTimer({ controller: this.spec.name });
      try {
        const result = await this.spec.reconciler.reconcile({
          key,
          name,
          ...(namespace ? { namespace } : {}),
        });
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          this.queue.addAfter(key, result.requeueAfterMs);
          this.metrics.reconciles.inc({ controller: this.spec.name, result: 'requeue' });
        } else {
          this.metrics.reconciles.inc({ controller: this.spec.name, result: 'success' });
        }
      } catch (e) {
        this.metrics.reconciles.inc({ controller: this.spec.name, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller: this.spec.name });
        const delay = this.queue.addRateLimited(key);
        this.log(
          `${this.spec.name}: reconcile ${key} failed (retry in ${delay} ms): ${(e as Error).message}`,
        );
      } finally {
        end();
        this.inFlight.delete(key);
        this.queue.done(key);
      }
    }
  }
}
