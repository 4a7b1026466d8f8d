/**
 * Prometheus metrics of the controller manager (prom-client), one registry per manager so two managers in one
 * process (tests) do not share counters.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ManagerMetrics {
  readonly registry = new Registry();
  readonly queueDepth = new Gauge({
    name: 'choreoctl_workqueue_depth',
    help: 'Keys waiting in the work queue of each controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'choreoctl_reconcile_total',
    help: 'Reconciles by controller and result (success, error, requeue)',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'choreoctl_reconcile_errors_total',
    help: 'Reconciles that returned an error, by controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'choreoctl_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by controller',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'choreoctl_watch_restarts_total',
    help: 'Watch connections restarted, by resource and reason (gone, silent, error, closed)',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'choreoctl_leader',
    help: '1 while this manager holds the leader lease',
    registers: [this.registry],
  });

  constructor() {
    this.leader.set(0);
  }

  /** Expose the control-plane client's request counts by verb as `choreoctl_kube_requests_total`. */
  trackRequests(source: () => Record<string, number>): void {
    const seen: Record<string, number> = {};
    new Counter({
      name: 'choreoctl_kube_requests_total',
      help: 'Requests sent to the control-plane API server, by verb',
      labelNames: ['verb'] as const,
      registers: [this.registry],
      collect() {
        for (const [verb, n] of Object.entries(source())) {
          const delta = n - (seen[verb] ?? 0);
          if (delta > 0) this.inc({ verb }, delta);
          seen[verb] = n;
        }
      },
    });
  }

  /**
   * Objects held by each informer cache (`choreoctl_informer_objects`) and the process's memory
   * (`choreoctl_process_heap_used_bytes`, `choreoctl_process_resident_memory_bytes`; the heap committed, by
   * space, and the memory outside it, to tell the cache from the young generation and buffers), read at scrape
   * time: what memory per cached object is measured from.
   */
  trackCaches(source: () => Iterable<[resource: string, size: number]>): void {
    new Gauge({
      name: 'choreoctl_informer_objects',
      help: 'Objects held in the informer cache of each resource',
      labelNames: ['resource'] as const,
      registers: [this.registry],
      collect() {
        for (const [resource, n] of source()) this.set({ resource }, n);
      },
    });
    new Gauge({
      name: 'choreoctl_process_heap_used_bytes',
      help: 'V8 heap in use (process.memoryUsage().heapUsed)',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
    new Gauge({
      name: 'choreoctl_process_heap_total_bytes',
      help: 'V8 heap committed, live objects and garbage (process.memoryUsage().heapTotal)',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage().heapTotal);
      },
    });
    new Gauge({
      name: 'choreoctl_process_heap_space_bytes',
      help: 'V8 heap committed by space (new_space: the young generation; old_space; code_space; large_object_space; ...)',
      labelNames: ['space'] as const,
      registers: [this.registry],
      collect() {
        for (const s of getHeapSpaceStatistics()) this.set({ space: s.space_name }, s.space_size);
      },
    });
    new Gauge({
      name: 'choreoctl_process_external_bytes',
      help: 'Memory outside the V8 heap held by JavaScript objects: Buffers, ArrayBuffers, strings outside the heap (process.memoryUsage().external)',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage().external);
      },
    });
    new Gauge({
      name: 'choreoctl_process_resident_memory_bytes',
      help: 'Resident set size of the process',
      registers: [this.registry],
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
