/**
 * Logs of a component, as an operation the CLI (and later the REST server and `logs build`) share.
 *
 * Two parts:
 * - `componentLogTarget` finds where a component runs in one environment (its project's pipeline gives the
 *   environments; its bindings say where it is deployed; the project's cell gives the data-plane namespace) and
 *   returns a selector over the data-plane pods — or an error a user can act on (`LogsError`, with the valid
 *   names listed).
 * - a `LogSource` streams the lines. `PodLogSource` reads the Kubernetes pods/log API for every matching pod and
 *   container (stern-style), and with `follow` watches the pods to pick up new replicas and restarted
 *   containers. An observer backend (OpenSearch, …) implements the same interface without touching commands.
 *
 * Nothing here prints: events go to the caller, which formats them.
 */
import { DataPlaneLabels } from '../api/labels.js';
import { PlaneClients, PlaneCredentialsError, type PlaneObject, secretNames } from '../controllers/planes.js';
import type { KubeClient, KubeObject, LogOptions } from '../kube/client.js';
import type { ResourceRef } from '../kube/discovery.js';
import { type ForbiddenError, isForbidden, isGone, isNotFound } from '../kube/errors.js';
import { KUBE_REF } from '../kube/kinds.js';
import { buildLogTarget, stepOfPod } from './builds.js';
import { OperationError } from './errors.js';
import type { LogEvent, LogQuery, LogSubject } from './log-query.js';

const API = 'openchoreo.dev/v1alpha1';
const ref = (kind: string): ResourceRef => ({ apiVersion: API, kind });
const PODS: ResourceRef = { apiVersion: 'v1', kind: 'Pod' };
/** Binding kinds that run pods (APIBindings route to a Service's pods and have none of their own). */
const RUNNING_BINDINGS = ['ServiceBinding', 'WebApplicationBinding', 'ScheduledTaskBinding'] as const;

export type LogsErrorReason =
  | 'ComponentNotFound'
  | 'EnvironmentNotFound'
  | 'NotDeployed'
  | 'NoPods'
  | 'ContainerNotFound'
  | 'Forbidden'
  | 'RemoteDataPlane'
  | 'TooManyStreams';

/** The HTTP status each reason stands for (the REST server answers with it). */
const LOGS_ERROR_STATUS: Record<LogsErrorReason, number> = {
  ComponentNotFound: 404,
  EnvironmentNotFound: 404,
  NotDeployed: 404,
  NoPods: 404,
  ContainerNotFound: 404,
  Forbidden: 403,
  RemoteDataPlane: 502,
  TooManyStreams: 400,
};

/** A failure the user can act on: the message says what, why, and what to do. */
export class LogsError extends OperationError {
  override readonly reason: LogsErrorReason;
  constructor(reason: LogsErrorReason, message: string) {
    super(message, { reason, status: LOGS_ERROR_STATUS[reason] });
    this.name = 'LogsError';
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Where a component runs

export interface ComponentLogRequest {
  organization: string;
  component: string;
  /** Checked against the component's owner when given. */
  project?: string | undefined;
  /** Default: the first environment of the project's pipeline. */
  environment?: string | undefined;
}

export interface LogTarget {
  organization: string;
  project: string;
  component: string;
  environment: string;
  /** The data-plane namespace of the project's cell; undefined when not known yet (then: every namespace). */
  namespace: string | undefined;
  /** Selects the component's pods in that environment. */
  labelSelector: string;
  /** The DataPlane (same organization) the environment deploys to. */
  dataPlane: KubeObject | undefined;
}

interface OwnerSpec {
  owner?: { projectName?: string; componentName?: string };
  environment?: string;
}

const specOf = (o: KubeObject | undefined): Record<string, unknown> =>
  (o?.spec ?? {}) as Record<string, unknown>;
const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';

/** Environments of a pipeline in promotion order (sources before their targets), each once. */
export function pipelineEnvironments(pipeline: KubeObject | undefined): string[] {
  const paths =
    (specOf(pipeline).promotionPaths as
      | { sourceEnvironmentRef?: string; targetEnvironmentRefs?: { name?: string }[] }[]
      | undefined) ?? [];
  const targets = new Set(paths.flatMap((p) => (p.targetEnvironmentRefs ?? []).map((t) => t.name ?? '')));
  const out: string[] = [];
  const add = (e: string | undefined) => {
    if (e && !out.includes(e)) out.push(e);
  };
  // Roots (sources nobody promotes into) first, then everything in declaration order.
  for (const p of paths) if (!targets.has(p.sourceEnvironmentRef ?? '')) add(p.sourceEnvironmentRef);
  for (const p of paths) {
    add(p.sourceEnvironmentRef);
    for (const t of p.targetEnvironmentRefs ?? []) add(t.name);
  }
  return out;
}

/**
 * The apiserver's own words for a refusal, without the kube client's hint about the local context: the REST
 * server acts for a caller who has no such context (and its own must not show).
 */
const refusal = (e: ForbiddenError): string => e.status.message || e.message;

async function listOrForbidden(kube: KubeClient, kind: string, namespace: string): Promise<KubeObject[]> {
  try {
    return (await kube.list(ref(kind), { namespace })).items;
  } catch (e) {
    if (isForbidden(e)) {
      throw new LogsError(
        'Forbidden',
        `you may not list ${kind}s in organization "${namespace}": ${refusal(e)}`,
      );
    }
    if (isNotFound(e)) return [];
    throw e;
  }
}

async function getOrUndefined(kube: KubeClient, kind: string, name: string, namespace: string) {
  try {
    return await kube.getOrUndefined<KubeObject>(ref(kind), name, { namespace });
  } catch (e) {
    if (isForbidden(e)) {
      throw new LogsError('Forbidden', `you may not read ${kind} "${name}" in organization "${namespace}"`);
    }
    throw e;
  }
}

const listText = (names: string[]): string => (names.length ? names.join(', ') : '(none)');

/** Resolve a component and environment to the pods to read; errors name the valid choices. */
export async function componentLogTarget(kube: KubeClient, req: ComponentLogRequest): Promise<LogTarget> {
  const org = req.organization;
  const component = await getOrUndefined(kube, 'Component', req.component, org);
  const componentProject = (specOf(component) as OwnerSpec).owner?.projectName;
  if (!component || (req.project && componentProject !== req.project)) {
    const all = await listOrForbidden(kube, 'Component', org);
    const names = all
      .filter((c) => !req.project || (specOf(c) as OwnerSpec).owner?.projectName === req.project)
      .map(nameOf)
      .sort();
    const where = req.project ? `project "${req.project}" of organization "${org}"` : `organization "${org}"`;
    throw new LogsError(
      'ComponentNotFound',
      `component "${req.component}" not found in ${where}; components there: ${listText(names)}`,
    );
  }
  const project = componentProject ?? req.project ?? '';
  const projectObj = project ? await getOrUndefined(kube, 'Project', project, org) : undefined;
  const pipelineName = specOf(projectObj).deploymentPipelineRef as string | undefined;
  const pipeline = pipelineName
    ? await getOrUndefined(kube, 'DeploymentPipeline', pipelineName, org)
    : undefined;
  let environments = pipelineEnvironments(pipeline);
  if (environments.length === 0) {
    environments = (await listOrForbidden(kube, 'Environment', org)).map(nameOf).sort();
  }
  const environment = req.environment ?? environments[0];
  if (!environment || !environments.includes(environment)) {
    throw new LogsError(
      'EnvironmentNotFound',
      req.environment
        ? `environment "${req.environment}" is not one of project "${project}"'s environments: ${listText(environments)}`
        : `project "${project}" has no environments (its pipeline "${pipelineName ?? ''}" names none): pass --env`,
    );
  }

  const bindings = (await Promise.all(RUNNING_BINDINGS.map((k) => listOrForbidden(kube, k, org)))).flat();
  const mine = bindings.filter((b) => {
    const s = specOf(b) as OwnerSpec;
    return s.owner?.componentName === req.component && (!project || s.owner?.projectName === project);
  });
  if (!mine.some((b) => (specOf(b) as OwnerSpec).environment === environment)) {
    const deployed = [...new Set(mine.map((b) => (specOf(b) as OwnerSpec).environment ?? ''))].filter(
      Boolean,
    );
    throw new LogsError(
      'NotDeployed',
      `component "${req.component}" is not deployed in environment "${environment}"${
        deployed.length
          ? `; it is deployed in: ${deployed.join(', ')} (choose one with --env)`
          : ' nor anywhere else yet (is there a Service, WebApplication or ScheduledTask for it?)'
      }`,
    );
  }

  const envObj = await getOrUndefined(kube, 'Environment', environment, org);
  const dpName = specOf(envObj).dataPlaneRef as string | undefined;
  const dataPlane = dpName ? await getOrUndefined(kube, 'DataPlane', dpName, org) : undefined;
  const cells =
    ((projectObj?.status ?? {}) as { cells?: { environment?: string; namespace?: string }[] }).cells ?? [];
  const namespace = cells.find((c) => c.environment === environment)?.namespace;
  const labelSelector = [
    `${DataPlaneLabels.organization}=${org}`,
    ...(project ? [`${DataPlaneLabels.project}=${project}`] : []),
    `${DataPlaneLabels.component}=${req.component}`,
    `${DataPlaneLabels.environment}=${environment}`,
  ].join(',');
  return {
    organization: org,
    project,
    component: req.component,
    environment,
    namespace,
    labelSelector,
    dataPlane,
  };
}

/**
 * The cluster a target's pods run on: the control-plane cluster for a DataPlane without `kubernetesCluster`; for a
 * remote one, a client built from the DataPlane's own credentials (the same resolution the controllers use), whose
 * Secrets are read with the caller's identity: who may not read them gets an error saying so, never a
 * half-working stream. The credentials stay in memory; nothing of them is printed.
 */
export async function dataPlaneClient(kube: KubeClient, target: LogTarget): Promise<KubeClient> {
  const plane = target.dataPlane as PlaneObject | undefined;
  const cluster = plane?.spec?.kubernetesCluster;
  if (!plane || !cluster || (!cluster.kubeconfigSecretRef && !cluster.server)) return kube;
  const namespace = plane.metadata?.namespace ?? target.organization;
  const planeName = plane.metadata?.name ?? '';
  const secrets = new Map<string, KubeObject>();
  for (const name of secretNames(cluster)) {
    try {
      const secret = await kube.getOrUndefined<KubeObject>(KUBE_REF.Secret, name, { namespace });
      if (secret) secrets.set(name, secret);
    } catch (e) {
      if (!isForbidden(e)) throw e;
      throw new LogsError(
        'Forbidden',
        `environment "${target.environment}" deploys to DataPlane "${planeName}" on another cluster, and reading logs there needs its credentials: you may not read Secret "${name}" in organization "${namespace}". Ask an administrator for read access to it, or run kubectl logs -l ${target.labelSelector} with that cluster's kubeconfig`,
      );
    }
  }
  const clients = new PlaneClients({ local: kube, getSecret: (_ns, name) => secrets.get(name) });
  try {
    return clients.client(plane);
  } catch (e) {
    if (e instanceof PlaneCredentialsError) {
      throw new LogsError(
        'RemoteDataPlane',
        `cannot reach DataPlane "${planeName}" of environment "${target.environment}": ${e.message}; fix the DataPlane's kubernetesCluster (choreoctl describe dataplane ${planeName})`,
      );
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Log sources

export type { LogEvent, LogQuery, LogSubject } from './log-query.js';

export interface LogSource {
  /** Events until every stream ended (or, with follow, until `signal` aborts). */
  stream(query: LogQuery, signal: AbortSignal): AsyncIterable<LogEvent>;
}

/** A push-to-pull queue: producers push events, one consumer iterates. */
class EventQueue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  private closed = false;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }
  fail(e: unknown): void {
    this.failure ??= e;
    this.wake?.();
  }
  close(): void {
    this.closed = true;
    this.wake?.();
  }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
  }
}

interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: {
      name: string;
      restartCount?: number;
      state?: { running?: unknown; terminated?: unknown; waiting?: unknown };
    }[];
  };
}

/** The containers of a pod a query reads (kubectl: the default container, or all, or the named one). */
export function containersToRead(
  pod: PodLike,
  query: Pick<LogQuery, 'container' | 'allContainers'>,
): string[] {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (query.allContainers) return names;
  if (query.container) return names.includes(query.container) ? [query.container] : [];
  const preferred = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (preferred && names.includes(preferred)) return [preferred];
  return names.slice(0, 1);
}

/** Whether a container has (had) a process whose log can be read: started, running or terminated. */
function containerStarted(pod: PodLike, container: string, previous: boolean): boolean {
  const st = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!st) return false;
  if (previous) return (st.restartCount ?? 0) > 0;
  return st.state?.running !== undefined || st.state?.terminated !== undefined;
}

const restartsOf = (pod: PodLike, container: string): number =>
  pod.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;

/** stern-style: every matching pod's containers, merged; with follow, new pods and restarts are picked up. */
export class PodLogSource implements LogSource {
  constructor(
    private readonly kube: KubeClient,
    private readonly scope: { namespace: string | undefined; labelSelector: string; description: string },
  ) {}

  async *stream(query: LogQuery, signal: AbortSignal): AsyncGenerator<LogEvent> {
    const { kube, scope } = this;
    const queue = new EventQueue<LogEvent>();
    const max = query.maxRequests ?? 5;
    /** `pod/container` → the restart count its current stream started at. */
    const streaming = new Map<string, number>();
    const stopPod = new Map<string, AbortController>();
    let active = 0;
    let listing = true;
    const maybeClose = () => {
      if (!query.follow && !listing && active === 0) queue.close();
    };

    const start = (pod: PodLike) => {
      const name = pod.metadata?.name ?? '';
      if (!name || pod.metadata?.deletionTimestamp) return;
      const containers = containersToRead(pod, query);
      if (containers.length === 0 && query.container) {
        const all = (pod.spec?.containers ?? []).map((c) => c.name);
        queue.fail(
          new LogsError(
            'ContainerNotFound',
            `container "${query.container}" not found in pod ${name}; its containers: ${listText(all)}`,
          ),
        );
        return;
      }
      for (const container of containers) {
        const key = `${name}/${container}`;
        const restarts = restartsOf(pod, container);
        const seen = streaming.get(key);
        // Already streaming this instance of the container, or it has not started yet (a watch event brings it).
        if (seen !== undefined && (seen === -1 || seen >= restarts)) continue;
        if (!containerStarted(pod, container, query.previous === true)) {
          if (!query.follow && !query.previous) {
            const phase = pod.status?.phase ?? 'Pending';
            queue.push({ type: 'warning', pod: name, container, message: `not started yet (pod ${phase})` });
          }
          continue;
        }
        if (query.follow && active + 1 > max) {
          queue.fail(
            new LogsError(
              'TooManyStreams',
              `following ${active + 1} log streams needs more than --max-log-requests=${max}: raise it, or narrow the pods with -l`,
            ),
          );
          return;
        }
        streaming.set(key, -1);
        active++;
        let ctl = stopPod.get(name);
        if (!ctl) {
          ctl = new AbortController();
          stopPod.set(name, ctl);
        }
        const perPod = AbortSignal.any([signal, ctl.signal]);
        // A restarted container's new instance: read it from its start, not the tail of the old one.
        const restarted = seen !== undefined;
        const ns = pod.metadata?.namespace ?? scope.namespace ?? '';
        void this.pump(ns, name, container, query, restarted, perPod, queue).finally(() => {
          active--;
          // A followed stream that ended (container exited): the next restart starts a new one.
          streaming.set(key, restarts);
          maybeClose();
        });
      }
    };

    const namespaceText = scope.namespace ? ` in namespace ${scope.namespace}` : '';
    let rv: string | undefined;
    try {
      const list = await kube.list(PODS, {
        ...(scope.namespace ? { namespace: scope.namespace } : {}),
        labelSelector: scope.labelSelector,
        ...(signal ? { signal } : {}),
      });
      rv = list.metadata.resourceVersion;
      const pods = list.items as PodLike[];
      if (pods.length === 0) {
        if (!query.follow) {
          throw new LogsError(
            'NoPods',
            `${scope.description} has no pods yet${namespaceText} (selector ${scope.labelSelector}): wait for the deployment, or use -f to wait for them`,
          );
        }
        queue.push({ type: 'waiting', message: `${scope.description} has no pods yet; waiting for them…` });
      }
      const counted = pods.flatMap((p) => containersToRead(p, query));
      if (query.follow && counted.length > max) {
        throw new LogsError(
          'TooManyStreams',
          `following ${counted.length} log streams needs more than --max-log-requests=${max}: raise it, or narrow the pods with -l`,
        );
      }
      for (const p of pods) start(p);
    } catch (e) {
      throw asLogsError(e, scope.namespace);
    } finally {
      listing = false;
    }
    maybeClose();
    if (query.follow) void this.watchPods(rv, signal, queue, start, stopPod);
    const onAbort = () => queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      yield* queue.drain();
    } catch (e) {
      throw asLogsError(e, scope.namespace);
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const c of stopPod.values()) c.abort();
    }
  }

  private async pump(
    namespace: string,
    pod: string,
    container: string,
    query: LogQuery,
    restarted: boolean,
    signal: AbortSignal,
    queue: EventQueue<LogEvent>,
  ): Promise<void> {
    const opts: LogOptions = {
      container,
      signal,
      ...(query.follow ? { follow: true } : {}),
      ...(query.timestamps ? { timestamps: true } : {}),
      ...(query.previous ? { previous: true } : {}),
      ...(!restarted && query.tailLines !== undefined && query.tailLines >= 0
        ? { tailLines: query.tailLines }
        : {}),
      ...(!restarted && query.sinceSeconds !== undefined ? { sinceSeconds: query.sinceSeconds } : {}),
      ...(!restarted && query.sinceTime !== undefined ? { sinceTime: query.sinceTime } : {}),
    };
    try {
      for await (const text of this.kube.logs(namespace, pod, opts)) {
        queue.push({ type: 'line', pod, container, text });
      }
    } catch (e) {
      if (signal.aborted) return;
      if (isForbidden(e)) {
        queue.fail(
          new LogsError(
            'Forbidden',
            `you may not read pods/log in namespace ${namespace}: ${refusal(e)} (ask for get on pods/log)`,
          ),
        );
        return;
      }
      queue.push({ type: 'warning', pod, container, message: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Watch the pods (from the list's resourceVersion): new and restarted containers start streams. */
  private async watchPods(
    fromRv: string | undefined,
    signal: AbortSignal,
    queue: EventQueue<LogEvent>,
    start: (p: PodLike) => void,
    stopPod: Map<string, AbortController>,
  ): Promise<void> {
    let rv = fromRv;
    while (!signal.aborted) {
      try {
        for await (const ev of this.kube.watch(PODS, {
          ...(this.scope.namespace ? { namespace: this.scope.namespace } : {}),
          labelSelector: this.scope.labelSelector,
          ...(rv ? { resourceVersion: rv } : {}),
          allowWatchBookmarks: true,
          signal,
        })) {
          const v = ev.object.metadata?.resourceVersion;
          if (typeof v === 'string' && v) rv = v;
          if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
          const pod = ev.object as KubeObject & PodLike;
          const name = pod.metadata?.name ?? '';
          if (ev.type === 'DELETED') {
            stopPod.get(name)?.abort();
            stopPod.delete(name);
            continue;
          }
          start(pod);
        }
      } catch (e) {
        if (signal.aborted) return;
        if (isGone(e)) {
          rv = undefined;
          continue;
        }
        queue.fail(e);
        return;
      }
    }
  }
}

function asLogsError(e: unknown, namespace: string | undefined): unknown {
  if (isForbidden(e)) {
    return new LogsError(
      'Forbidden',
      `you may not list pods${namespace ? ` in namespace ${namespace}` : ''}: ${refusal(e)} (ask for list/watch on pods and get on pods/log)`,
    );
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// What to read, opened: the one entry point the front ends use (the CLI in direct mode, the REST server)

/** A subject resolved to its pods: read `source`, then `close` (a remote plane's client). */
export interface OpenedLogs {
  readonly source: LogSource;
  close(): void;
}

/** A build's step pods: container `main` unless another is asked for; each line names its step. */
class BuildStepSource implements LogSource {
  constructor(
    private readonly inner: LogSource,
    private readonly workflow: string,
  ) {}

  async *stream(query: LogQuery, signal: AbortSignal): AsyncGenerator<LogEvent> {
    const q = query.container || query.allContainers ? query : { ...query, container: 'main' };
    for await (const ev of this.inner.stream(q, signal)) {
      yield ev.type === 'line' ? { ...ev, step: stepOfPod(this.workflow, ev.pod) } : ev;
    }
  }
}

/**
 * Finds what a subject's logs are read from, as the caller of `kube` (whose RBAC decides): errors a user can act
 * on (unknown component or build, environment, not deployed, a remote plane's credentials) are thrown here,
 * before any line is read; what happens while reading comes out of the source's stream.
 */
export async function openLogs(
  kube: KubeClient,
  organization: string,
  subject: LogSubject,
): Promise<OpenedLogs> {
  let plane: KubeClient;
  let source: LogSource;
  if (subject.kind === 'component') {
    const target = await componentLogTarget(kube, {
      organization,
      component: subject.component,
      project: subject.project,
      environment: subject.environment,
    });
    plane = await dataPlaneClient(kube, target);
    source = new PodLogSource(plane, {
      namespace: target.namespace,
      labelSelector: [target.labelSelector, subject.selector].filter(Boolean).join(','),
      description: `component "${target.component}" in environment "${target.environment}"`,
    });
  } else {
    const target = await buildLogTarget(kube, organization, subject.build);
    plane = await dataPlaneClient(kube, {
      organization,
      project: '',
      component: '',
      environment: `of build ${subject.build}`,
      namespace: target.namespace,
      labelSelector: target.labelSelector,
      dataPlane: target.buildPlane,
    });
    source = new BuildStepSource(
      new PodLogSource(plane, {
        namespace: target.namespace,
        labelSelector: target.labelSelector,
        description: `build "${subject.build}"`,
      }),
      target.workflow,
    );
  }
  return {
    source,
    close: () => {
      if (plane !== kube) plane.close();
    },
  };
}
