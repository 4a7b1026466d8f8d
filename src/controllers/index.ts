/**
 * The controllers by name, and `runControllers`, which builds a Manager with the chosen ones and starts it —
 * what `choreoctl controller run` calls. Runs in-process against any kubeconfig (or in-cluster).
 */
import { hostname } from 'node:os';
import type { KubeClient } from '../kube/client.js';
import { KUBE_REF } from '../kube/kinds.js';
import { apiBinding, scheduledTaskBinding, serviceBinding, webApplicationBinding } from './binding/index.js';
import { buildController } from './build/index.js';
import { buildPlaneController } from './buildplane/index.js';
import { componentController } from './component/index.js';
import { dataPlaneController } from './dataplane/index.js';
import { deploymentController } from './deployment/index.js';
import { deploymentPipelineController } from './deploymentpipeline/index.js';
import { endpointController } from './endpoint/index.js';
import { environmentController } from './environment/index.js';
import { gitCommitRequestController } from './gitcommit/index.js';
import {
  apiController,
  scheduledTaskController,
  serviceController,
  webApplicationController,
} from './instance/index.js';
import { deployableArtifactController, deploymentTrackController } from './legacy/index.js';
import { organizationController } from './organization/index.js';
import { PlaneClients } from './planes.js';
import { projectController } from './project/index.js';
import { componentRevisionController, promotionController } from './promotion/index.js';
import { releaseController } from './release/index.js';
import type { Logger } from './runtime/log.js';
import { Manager, type ManagerOptions } from './runtime/manager.js';
import type { RateLimit } from './runtime/queue.js';
import type { ControllerContext, ControllerFactory } from './shared.js';

export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  organization: organizationController,
  dataplane: dataPlaneController,
  buildplane: buildPlaneController,
  environment: environmentController,
  deploymentpipeline: deploymentPipelineController,
  project: projectController,
  component: componentController,
  service: serviceController,
  webapplication: webApplicationController,
  scheduledtask: scheduledTaskController,
  api: apiController,
  servicebinding: serviceBinding,
  webapplicationbinding: webApplicationBinding,
  scheduledtaskbinding: scheduledTaskBinding,
  apibinding: apiBinding,
  // The legacy cell model (upstream: only with --enable-legacy-crds). Idle without legacy objects: their informers
  // list empty collections of CRDs every install serves.
  deploymenttrack: deploymentTrackController,
  deployableartifact: deployableArtifactController,
  deployment: deploymentController,
  endpoint: endpointController,
  release: releaseController,
  componentrevision: componentRevisionController,
  promotion: promotionController,
  gitcommitrequest: gitCommitRequestController,
  build: buildController,
};

export const CONTROLLER_NAMES: readonly string[] = Object.keys(CONTROLLERS);

/** Lease name, as upstream's leader-election ID. */
export const LEADER_ELECTION_ID = '43500532.openchoreo.dev';

export interface RunControllersOptions {
  /** Client of the control-plane cluster. */
  client: KubeClient;
  /** Names from CONTROLLER_NAMES; default all. */
  controllers?: string[];
  /** Parallel reconciles per controller (default 2). */
  concurrency?: number;
  /** Take a Lease before reconciling (only one manager of a cluster works at a time). */
  leaderElect?: boolean;
  /** Lease settings; namespace default `kube-system`, identity default `<hostname>_<pid>_<random>`. */
  leaderElection?: {
    namespace?: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** `host:port` for /healthz, /readyz and /metrics (port 0 picks one); undefined: no server. */
  metricsAddr?: string;
  log?: (m: string) => void;
  /** Structured logger of the reconciles (default: text lines through `log`). */
  logger?: Logger;
  /** Retry limits of the work queues (default: client-go's; see WorkQueue). */
  rateLimit?: Partial<RateLimit>;
  /** Stop gracefully on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
  /** Informer tuning (tests: short watch timeouts). */
  informer?: ManagerOptions['informer'];
  /**
   * How long stop() waits (default 10 s). Reconciles in flight get the first half to finish on their own; then
   * every data-plane request and watch is aborted; at the end stop() returns whatever is left (the caller then
   * destroys its client and exits).
   */
  gracePeriodMs?: number;
}

export interface RunningControllers {
  manager: Manager;
  planes: PlaneClients;
  /** Resolves when the controllers run (for a standby: once it has become the leader). Rejects on start errors. */
  started: Promise<void>;
  /** Resolves when the manager stopped (stop(), a signal, or lost leadership), within the grace period. */
  done: Promise<void>;
  /**
   * Graceful stop within the grace period: cancel the reconciles in flight (their AbortSignal) and wait for
   * them, release the lease, abort what is still waiting on a data plane, shut plane clients down. Resolves at
   * the latest when the grace period ends.
   */
  stop(): Promise<void>;
}

/** Build and start the manager. Throws at once on an unknown controller name. */
export function runControllers(opts: RunControllersOptions): RunningControllers {
  const names = opts.controllers?.length ? opts.controllers : [...CONTROLLER_NAMES];
  const unknown = names.filter((n) => !(n in CONTROLLERS));
  if (unknown.length > 0) {
    throw new Error(
      `unknown controller(s) ${unknown.join(', ')}: choose from ${CONTROLLER_NAMES.join(', ')}`,
    );
  }
  const log = opts.log ?? (() => {});
  const le = opts.leaderElection ?? {};
  const manager = new Manager({
    client: opts.client,
    log,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.metricsAddr !== undefined ? { metricsAddr: opts.metricsAddr } : {}),
    ...(opts.informer ? { informer: opts.informer } : {}),
    ...(opts.leaderElect
      ? {
          name: LEADER_ELECTION_ID,
          leaderElection: {
            namespace: le.namespace ?? 'kube-system',
            identity: le.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
            ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
            ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
            ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
          },
        }
      : {}),
  });
  const planes = new PlaneClients({
    local: opts.client,
    getSecret: (namespace, name) => manager.informer(KUBE_REF.Secret).getByName(name, namespace),
  });
  const ctx: ControllerContext = {
    manager,
    client: opts.client,
    planes,
    log,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };
  const controllers = names.map((n) => manager.add((CONTROLLERS[n] as ControllerFactory)(ctx)));

  let stopping: Promise<void> | undefined;
  let stopped: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const onSignal = (sig: NodeJS.Signals) => {
    log(`received ${sig}: stopping`);
    void stop();
  };
  const handleSignals = opts.handleSignals ?? true;
  if (handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      const grace = opts.gracePeriodMs ?? 10_000;
      const timers: NodeJS.Timeout[] = [];
      const after = (ms: number) => new Promise<void>((r) => timers.push(setTimeout(r, ms)));
      // A data plane that hangs must not hold the shutdown: after half the grace period, whatever still waits
      // on one is aborted (its reconcile fails, its informers end for good, no new plane client is made).
      void after(grace / 2).then(() =>
        planes.shutdown(`the controller manager is shutting down (no answer within ${grace / 2000} s)`),
      );
      const graceful = manager.stop().then(
        () => true,
        (e: unknown) => {
          log(`stopping the manager failed: ${(e as Error).message}`);
          return true;
        },
      );
      const inTime = await Promise.race([graceful, after(grace).then(() => false)]);
      for (const t of timers) clearTimeout(t);
      planes.shutdown();
      if (!inTime) {
        const busy = controllers.flatMap((c) => c.busyKeys.map((k) => `${c.spec.name} ${k}`));
        log(
          `not stopped within the grace period of ${grace / 1000} s` +
            (busy.length ? `; reconciles still in flight: ${busy.join(', ')}` : ''),
        );
      }
      stopped();
    })();
    return stopping;
  };
  const started = manager.start().catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  // Lost leadership stops the manager on its own: shut the plane clients down too. `done` resolves when stop()
  // returns, in time or not.
  void manager.done.then(() => stop());
  started.catch(() => {});
  log(`controllers: ${names.join(', ')}`);
  return { manager, planes, started, done, stop };
}
