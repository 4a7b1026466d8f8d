/**
 * The controller manager: shared informers (one cache per resource, served to every controller that reads it),
 * the controllers and their workers, optional leader election, and an HTTP endpoint with /healthz, /readyz and
 * Prometheus /metrics. stop() is graceful: stop taking work, cancel the reconciles in flight (their AbortSignal)
 * and wait for them, release the lease.
 */

import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeClient } from '../../kube/client.js';
import type { ResourceInfo, ResourceRef } from '../../kube/discovery.js';
import { Controller, type ControllerSpec, ownsSpec } from './controller.js';
import { EventRecorder } from './events.js';
import { Informer, type InformerOptions } from './informer.js';
import { LeaderElector } from './leader.js';
import type { Logger } from './log.js';
import { ManagerMetrics } from './metrics.js';
import type { RateLimit } from './queue.js';

export interface ManagerOptions {
  client: KubeClient;
  /** Name used for events, the lease and logs (default `choreoctl-controller-manager`). */
  name?: string;
  leaderElection?: {
    namespace: string;
    identity: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** `host:port` for /healthz, /readyz and /metrics; port 0 picks a free one; undefined: no server. */
  metricsAddr?: string;
  informer?: Pick<InformerOptions, 'resyncMs' | 'silenceMs' | 'watchTimeoutSeconds'>;
  log?: (m: string) => void;
  /** Structured logger of the reconciles (default: text lines through `log`). */
  logger?: Logger;
  /** Retry limits of every controller's queue (default: client-go's, 10 qps / burst 100 overall). */
  rateLimit?: Partial<RateLimit>;
}

function refKey(info: ResourceInfo): string {
  return `${info.group}/${info.version}/${info.resource}`;
}

function refString(ref: ResourceRef): string {
  return 'resource' in ref ? `${ref.group}/${ref.version}/${ref.resource}` : `${ref.apiVersion}/${ref.kind}`;
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics = new ManagerMetrics();
  readonly events: EventRecorder;
  readonly name: string;
  private readonly informers = new Map<string, Informer>();
  private readonly resolved = new Map<string, ResourceInfo>();
  /** Resources (refKey) every controller reads metadata of only: cached as PartialObjectMetadata. */
  private readonly metadataOnly = new Set<string>();
  private readonly controllers: Controller[] = [];
  private elector: LeaderElector | undefined;
  private server: Server | undefined;
  private started = false;
  private ready = false;
  private stopping: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly log: (m: string) => void;
  /** Resolves when the manager stops on its own (lost leadership). */
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};

  constructor(private readonly opts: ManagerOptions) {
    this.client = opts.client;
    this.name = opts.name ?? 'choreoctl-controller-manager';
    this.log = opts.log ?? (() => {});
    this.events = new EventRecorder(this.client, this.name, this.log);
    // Every client call of every controller may listen on this one signal at once.
    setMaxListeners(0, this.abort.signal);
    this.metrics.trackRequests(() => this.client.stats.byVerb);
    this.metrics.trackCaches(() =>
      [...this.informers].map(([key, inf]) => [key, inf.size] as [string, number]),
    );
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  add(spec: ControllerSpec): Controller {
    const c = new Controller(spec, this.metrics, this.opts.logger ?? this.log, {
      client: this.client,
      ...(this.opts.rateLimit ? { rateLimit: this.opts.rateLimit } : {}),
    });
    this.controllers.push(c);
    return c;
  }

  /**
   * Queue a key of a controller from outside its declared watches (e.g. events of informers a reconciler
   * starts on a remote cluster). Unknown controllers are ignored.
   */
  enqueue(controller: string, key: string): void {
    this.controllers.find((c) => c.spec.name === controller)?.queue.add(key);
  }

  /**
   * Whether a controller of this manager has a reconcile of `key` to come (queued, delayed or in flight);
   * undefined when no controller of that name runs here (another manager may run it: nothing is known).
   */
  hasWork(controller: string, key: string): boolean | undefined {
    return this.controllers.find((c) => c.spec.name === controller)?.hasWork(key);
  }

  /** The shared informer of a resource (resolved through discovery once). */
  informer<T extends import('../../kube/client.js').KubeObject = import('../../kube/client.js').KubeObject>(
    ref: ResourceRef,
  ): Informer<T> {
    const info = this.resolved.get(refString(ref));
    if (!info)
      throw new Error(`no informer for ${refString(ref)}: list it in a controller's for/owns/watches/reads`);
    const key = refKey(info);
    let inf = this.informers.get(key);
    if (!inf) {
      const gvr = {
        group: info.group,
        version: info.version,
        resource: info.resource,
        namespaced: info.namespaced,
      };
      inf = new Informer(this.client, gvr, {
        ...this.opts.informer,
        ...(this.metadataOnly.has(key) ? { metadataOnly: true } : {}),
        log: this.log,
        onWatchRestart: (reason) => this.metrics.watchRestarts.inc({ resource: key, reason }),
      });
      this.informers.set(key, inf);
    }
    return inf as Informer<T>;
  }

  /** Aborted when the manager stops: client calls made outside a reconcile's own context take it. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.started;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Bound address of the metrics/health server. */
  get address(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `${a.address}:${a.port}` : undefined;
  }

  async start(): Promise<void> {
    await this.startServer();
    // Resolve every resource the controllers touch (fails fast on a missing CRD, naming it).
    const refs = new Set<ResourceRef>();
    for (const c of this.controllers) {
      refs.add(c.spec.for);
      for (const o of c.spec.owns ?? []) refs.add(ownsSpec(o).ref);
      for (const w of c.spec.watches ?? []) refs.add(w.ref);
      for (const r of c.spec.reads ?? []) refs.add(r);
    }
    for (const ref of refs) {
      if (!this.resolved.has(refString(ref)))
        this.resolved.set(refString(ref), await this.client.resolve(ref));
    }
    this.planMetadataOnly();
    // Informers for resources that are only read (caches without handlers) start with the others.
    for (const ref of refs) this.informer(ref);

    if (this.opts.leaderElection) {
      const le = this.opts.leaderElection;
      this.elector = new LeaderElector(this.client, {
        namespace: le.namespace,
        name: this.name,
        identity: le.identity,
        ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
        ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
        ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
        log: this.log,
      });
      // A standby is ready (it serves health) but reconciles nothing until it leads.
      this.ready = true;
      const won = await this.elector.acquire(this.abort.signal);
      if (!won) return;
      this.metrics.leader.set(1);
      this.log(`became leader (${le.identity})`);
      this.elector.keepRenewing(() => {
        this.metrics.leader.set(0);
        // Never reconcile without the lease: stop everything, the process owner decides what next.
        void this.stop().then(() => this.resolveDone());
      });
    }

    for (const c of this.controllers) {
      const info = this.resolved.get(refString(c.spec.for)) as ResourceInfo;
      c.wire((ref) => this.informer(ref), info.kind, info.namespaced, {
        group: info.group,
        version: info.version,
        resource: info.resource,
        namespaced: info.namespaced,
      });
    }
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    for (const c of this.controllers) c.start();
    this.started = true;
    this.ready = true;
    this.metrics.leader.set(1);
  }

  /**
   * A resource is cached as metadata only when some controller declares it so (owns/watches with
   * `metadataOnly`) and none reads it otherwise (as its primary, in `reads`, or in a whole-object owns/watch).
   */
  private planMetadataOnly(): void {
    const keyOf = (ref: ResourceRef) => refKey(this.resolved.get(refString(ref)) as ResourceInfo);
    const meta = new Set<string>();
    const whole = new Set<string>();
    for (const c of this.controllers) {
      whole.add(keyOf(c.spec.for));
      for (const r of c.spec.reads ?? []) whole.add(keyOf(r));
      for (const o of [...(c.spec.owns ?? []).map(ownsSpec), ...(c.spec.watches ?? [])]) {
        (o.metadataOnly ? meta : whole).add(keyOf(o.ref));
      }
    }
    for (const k of meta) if (!whole.has(k)) this.metadataOnly.add(k);
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        this.abort.abort();
        await Promise.all(this.controllers.map((c) => c.stop()));
        await Promise.all([...this.informers.values()].map((i) => i.stop()));
        await this.elector?.release();
        this.metrics.leader.set(0);
        await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
        this.server?.closeAllConnections?.();
        this.started = false;
        this.resolveDone();
      })();
    }
    return this.stopping;
  }

  private async startServer(): Promise<void> {
    if (this.opts.metricsAddr === undefined) return;
    const [host, portText] = splitHostPort(this.opts.metricsAddr);
    this.server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/healthz' || url === '/livez') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else if (url === '/readyz') {
        const ok = this.ready && !this.stopping;
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
      } else if (url === '/metrics') {
        this.metrics
          .text()
          .then((text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text))
          .catch((e: Error) => res.writeHead(500).end(e.message));
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(Number(portText), host, () => resolve());
    });
  }
}

function splitHostPort(addr: string): [string, string] {
  const i = addr.lastIndexOf(':');
  if (i < 0) return ['127.0.0.1', addr];
  return [addr.slice(0, i) || '0.0.0.0', addr.slice(i + 1)];
}
