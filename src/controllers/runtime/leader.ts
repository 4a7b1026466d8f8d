/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 * - a candidate takes the lease when it is free, or when its holder has not renewed it for leaseDuration as
 *   observed on the candidate's own clock (no clock sync between machines needed);
 * - every write carries the resourceVersion read, so two candidates can never both win;
 * - the leader renews every retryPeriod and steps down when it could not renew within renewDeadline;
 * - on a clean shutdown the leader releases the lease so a standby takes over at once.
 */
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../kube/errors.js';
import { KUBE_REF } from '../../kube/kinds.js';

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log?(m: string): void;
}

function microTime(d = new Date()): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

export class LeaderElector {
  private observed: { holder?: string; renewTime?: string } = {};
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.deadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Wait until this candidate holds the lease (or `signal` aborts: then resolves false). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    let announced = false;
    while (!this.stopped && !signal?.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        return true;
      }
      if (!announced) {
        this.opts.log?.(
          `waiting for the lease ${this.opts.namespace}/${this.opts.name} (held by ${this.observed.holder})`,
        );
        announced = true;
      }
      await sleep(this.retryMs, signal);
    }
    return false;
  }

  /** Renew until stopped; `onLost` runs once if renewal fails for longer than renewDeadline. */
  keepRenewing(onLost: () => void): void {
    let lastRenew = Date.now();
    const tick = async () => {
      if (this.stopped || !this.leading) return;
      const ok = await this.tryAcquireOrRenew().catch(() => false);
      if (ok) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.deadlineMs) {
        this.leading = false;
        this.opts.log?.(`lost the lease ${this.opts.namespace}/${this.opts.name}`);
        onLost();
        return;
      }
      if (!this.stopped) {
        this.renewTimer = setTimeout(tick, this.retryMs);
      }
    };
    this.renewTimer = setTimeout(tick, this.retryMs);
  }

  /** Stop renewing and hand the lease back, so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(KUBE_REF.Lease, this.opts.name, {
        namespace: this.opts.namespace,
      });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.client.replace<Lease>({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
      });
    } catch {
      // Best effort: the lease expires on its own.
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const { namespace, name, identity } = this.opts;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(KUBE_REF.Lease, name, { namespace });
    } catch (e) {
      if (!isNotFound(e)) return false;
      try {
        await this.client.create<Lease>({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec,
        });
        this.observe(spec, Date.now());
        return true;
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) return false;
        return false;
      }
    }
    const cur = lease.spec ?? {};
    if (cur.holderIdentity !== this.observed.holder || cur.renewTime !== this.observed.renewTime) {
      this.observe(cur, Date.now());
    }
    const heldByOther = !!cur.holderIdentity && cur.holderIdentity !== identity;
    const durationMs = (cur.leaseDurationSeconds ?? 15) * 1000;
    if (heldByOther && this.observedAt + durationMs > Date.now()) return false;
    const next: LeaseSpec = {
      ...spec,
      acquireTime: cur.holderIdentity === identity ? (cur.acquireTime ?? spec.acquireTime) : spec.acquireTime,
      leaseTransitions: (cur.leaseTransitions ?? 0) + (cur.holderIdentity === identity ? 0 : 1),
    };
    try {
      // replace() sends metadata.resourceVersion: a concurrent writer makes this a Conflict, not a double win.
      await this.client.replace<Lease>({ ...lease, spec: next });
      this.observe(next, Date.now());
      return true;
    } catch {
      return false;
    }
  }

  private observe(spec: LeaseSpec, at: number): void {
    this.observed = {
      ...(spec.holderIdentity !== undefined ? { holder: spec.holderIdentity } : {}),
      ...(spec.renewTime !== undefined ? { renewTime: spec.renewTime } : {}),
    };
    this.observedAt = at;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
