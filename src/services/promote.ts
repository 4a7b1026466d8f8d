/**
 * Promotion operations: request a promotion (one component or every component of a project), approve or reject
 * a request, roll back, list revisions, and wait for a request to be done. They only write PromotionRequests and
 * PromotionApprovals: the promotion controller performs them, so requests made with kubectl behave the same.
 * Checks done here (pipeline path, defaults) are the controller's own rules (src/api/promotion.ts), run early
 * so the user gets the error at once.
 */
import type { ComponentRevision, PromotionRequest } from '../api/kinds/promotion.js';
import { Labels } from '../api/labels.js';
import {
  defaultSource,
  defaultTarget,
  type NamedPipeline,
  pathProblem,
  requiresApproval,
} from '../api/promotion.js';
import type { KindObject } from '../api/refs.js';
import { kindInfo } from '../api/registry.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { GVR } from '../kube/discovery.js';
import { RetryBackoff } from './backoff.js';
import { isFinalRefusal, OperationError } from './errors.js';

const API_VERSION = 'openchoreo.dev/v1alpha1';

function ref(kind: string): GVR {
  const info = kindInfo(kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return { group: info.group, version: info.version, resource: info.plural, namespaced: info.namespaced };
}
const REFS = {
  components: ref('Component'),
  projects: ref('Project'),
  pipelines: ref('DeploymentPipeline'),
  revisions: ref('ComponentRevision'),
  requests: ref('PromotionRequest'),
  approvals: ref('PromotionApproval'),
  bindings: [ref('ServiceBinding'), ref('WebApplicationBinding'), ref('ScheduledTaskBinding')],
};

type RevisionObject = Pick<ComponentRevision, 'spec'> & KubeObject;
export type PromotionRequestObject = Pick<PromotionRequest, 'spec' | 'status'> & KubeObject;

/** The user name the API server authenticates this client as (SelfSubjectReview, `kubectl auth whoami`). */
export async function whoAmI(kube: KubeClient, signal?: AbortSignal): Promise<string> {
  const review = await kube.request<{ status?: { userInfo?: { username?: string } } }>(
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      verb: 'create',
      ...(signal ? { signal } : {}),
    },
  );
  const name = review.status?.userInfo?.username;
  if (!name) throw new OperationError('the API server did not say who this client is (SelfSubjectReview)');
  return name;
}

export interface PromotionPlan {
  component: string;
  project: string;
  pipeline: string;
  from: string;
  to: string;
  requiresApproval: boolean;
}

async function pipelineOfProject(kube: KubeClient, ns: string, project: string): Promise<NamedPipeline> {
  const p = await kube.getOrUndefined<KindObject<'Project'>>(REFS.projects, project, { namespace: ns });
  if (!p)
    throw new OperationError(`project "${project}" not found in organization "${ns}"`, {
      reason: 'NotFound',
    });
  const name = p.spec.deploymentPipelineRef ?? '';
  const pl = await kube.getOrUndefined<KindObject<'DeploymentPipeline'>>(REFS.pipelines, name, {
    namespace: ns,
  });
  if (!pl) {
    throw new OperationError(
      `DeploymentPipeline "${name}" of project "${project}" not found in organization "${ns}"`,
      {
        reason: 'NotFound',
      },
    );
  }
  return { name, spec: pl.spec };
}

/** Environments a component has a revision in (it runs there). */
async function environmentsOf(kube: KubeClient, ns: string, component: string): Promise<string[]> {
  const list = await kube.list<RevisionObject>(REFS.revisions, {
    namespace: ns,
    labelSelector: `${Labels.component}=${component}`,
  });
  return [...new Set(list.items.map((r) => r.spec.environment))];
}

/** Source, target and approval of a promotion, with the defaults of `promote` (checks the pipeline path). */
export async function planPromotion(
  kube: KubeClient,
  ns: string,
  opts: {
    component: string;
    project?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  },
): Promise<PromotionPlan> {
  const c = await kube.getOrUndefined<KubeObject>(REFS.components, opts.component, { namespace: ns });
  if (!c) {
    throw new OperationError(`component "${opts.component}" not found in organization "${ns}"`, {
      reason: 'NotFound',
    });
  }
  const project = (c.spec as { owner?: { projectName?: string } } | undefined)?.owner?.projectName ?? '';
  if (opts.project && opts.project !== project) {
    throw new OperationError(
      `component "${opts.component}" belongs to project "${project}", not "${opts.project}"`,
    );
  }
  const pipeline = await pipelineOfProject(kube, ns, project);
  let from = opts.from;
  if (!from) {
    const d = defaultSource(pipeline, await environmentsOf(kube, ns, opts.component), opts.to);
    if (!d.source) {
      throw new OperationError(`component "${opts.component}" ${d.problem}`, { reason: 'NotDeployed' });
    }
    from = d.source;
  }
  let to = opts.to;
  if (!to) {
    const d = defaultTarget(pipeline, from);
    if (!d.target) throw new OperationError(d.problem ?? 'no target', { reason: 'InvalidPromotionPath' });
    to = d.target;
  }
  const problem = pathProblem(pipeline, from, to);
  if (problem) throw new OperationError(problem, { reason: 'InvalidPromotionPath' });
  return {
    component: opts.component,
    project,
    pipeline: pipeline.name,
    from,
    to,
    requiresApproval: requiresApproval(pipeline, from, to),
  };
}

function createRequest(
  kube: KubeClient,
  ns: string,
  plan: PromotionPlan,
  requestedBy: string,
  revision: number | undefined,
): Promise<PromotionRequestObject> {
  const rollback = plan.from === plan.to;
  const obj: PromotionRequestObject = {
    apiVersion: API_VERSION,
    kind: 'PromotionRequest',
    metadata: {
      generateName: `${plan.component}-${rollback ? 'rollback' : plan.to}-`,
      namespace: ns,
      labels: {
        [Labels.organization]: ns,
        [Labels.project]: plan.project,
        [Labels.component]: plan.component,
        [Labels.environment]: plan.to,
      },
    },
    spec: {
      owner: { projectName: plan.project, componentName: plan.component },
      sourceEnvironment: plan.from,
      targetEnvironment: plan.to,
      ...(revision !== undefined ? { revision } : {}),
      requestedBy,
    },
  };
  return kube.create(obj, { namespace: ns });
}

export interface RequestResult {
  plan: PromotionPlan;
  request: PromotionRequestObject;
}

/** Create a PromotionRequest for one component (defaults as planPromotion). */
export async function requestPromotion(
  kube: KubeClient,
  ns: string,
  opts: {
    component: string;
    project?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  },
): Promise<RequestResult> {
  const plan = await planPromotion(kube, ns, opts);
  const request = await createRequest(kube, ns, plan, await whoAmI(kube), undefined);
  return { plan, request };
}

/**
 * Promote every component of a project that runs in the source environment (`from` default: the furthest
 * environment any of them runs in). All plans are checked before any request is created.
 */
export async function requestProjectPromotion(
  kube: KubeClient,
  ns: string,
  opts: { project: string; from?: string | undefined; to?: string | undefined },
): Promise<RequestResult[]> {
  const pipeline = await pipelineOfProject(kube, ns, opts.project);
  const comps = (await kube.list<KubeObject>(REFS.components, { namespace: ns })).items.filter(
    (c) => (c.spec as { owner?: { projectName?: string } }).owner?.projectName === opts.project,
  );
  const envs = new Map<string, string[]>();
  for (const c of comps)
    envs.set(c.metadata?.name ?? '', await environmentsOf(kube, ns, c.metadata?.name ?? ''));
  const d = opts.from
    ? { source: opts.from }
    : defaultSource(pipeline, [...new Set([...envs.values()].flat())], opts.to);
  const from = d.source;
  if (!from) {
    throw new OperationError(`no component of project "${opts.project}" ${d.problem}`, {
      reason: 'NotDeployed',
    });
  }
  const movers = comps.filter((c) => envs.get(c.metadata?.name ?? '')?.includes(from));
  if (movers.length === 0) {
    throw new OperationError(`no component of project "${opts.project}" runs in "${from}"`, {
      reason: 'NotDeployed',
    });
  }
  const plans: PromotionPlan[] = [];
  for (const c of movers) {
    plans.push(await planPromotion(kube, ns, { component: c.metadata?.name ?? '', from, to: opts.to }));
  }
  const me = await whoAmI(kube);
  const out: RequestResult[] = [];
  for (const plan of plans) {
    out.push({ plan, request: await createRequest(kube, ns, plan, me, undefined) });
  }
  return out;
}

/** Revisions of a component (optionally in one environment), oldest first per environment. */
export async function listRevisions(
  kube: KubeClient,
  ns: string,
  component: string,
  env?: string,
): Promise<RevisionObject[]> {
  const list = await kube.list<RevisionObject>(REFS.revisions, {
    namespace: ns,
    labelSelector: `${Labels.component}=${component}${env ? `,${Labels.environment}=${env}` : ''}`,
  });
  return list.items.sort(
    (a, b) => a.spec.environment.localeCompare(b.spec.environment) || a.spec.revision - b.spec.revision,
  );
}

/** Roll an environment back to revision `toRevision` (default: the one before the latest), same approvals. */
export async function requestRollback(
  kube: KubeClient,
  ns: string,
  opts: { component: string; environment: string; toRevision?: number | undefined },
): Promise<RequestResult & { revision: number }> {
  const plan = await planPromotion(kube, ns, {
    component: opts.component,
    from: opts.environment,
    to: opts.environment,
  });
  const history = await listRevisions(kube, ns, opts.component, opts.environment);
  const numbers = history.map((r) => r.spec.revision);
  const revision = opts.toRevision ?? numbers.at(-2);
  if (revision === undefined || !numbers.includes(revision)) {
    throw new OperationError(
      revision === undefined
        ? `component "${opts.component}" has no earlier revision in "${opts.environment}" to roll back to (revisions: ${numbers.join(', ') || 'none'})`
        : `revision ${revision} of component "${opts.component}" in "${opts.environment}" not found (revisions: ${numbers.join(', ') || 'none'})`,
      { reason: 'NotFound' },
    );
  }
  const request = await createRequest(kube, ns, plan, await whoAmI(kube), revision);
  return { plan, request, revision };
}

/** Approve or reject a request: a PromotionApproval named like it, owned by it (RBAC decides who may). */
export async function decidePromotion(
  kube: KubeClient,
  ns: string,
  name: string,
  decision: 'Approve' | 'Reject',
  reason?: string,
): Promise<{ approver: string; request: PromotionRequestObject }> {
  const request = await kube.getOrUndefined<PromotionRequestObject>(REFS.requests, name, { namespace: ns });
  if (!request) {
    throw new OperationError(`PromotionRequest "${name}" not found in organization "${ns}"`, {
      reason: 'NotFound',
    });
  }
  const me = await whoAmI(kube);
  await kube.create(
    {
      apiVersion: API_VERSION,
      kind: 'PromotionApproval',
      metadata: {
        name,
        namespace: ns,
        // The request's organization, project, component and environment: what finds it as a child of its
        // request or its component (describe asks by the component label) without listing every approval.
        labels: Object.fromEntries(
          [Labels.organization, Labels.project, Labels.component, Labels.environment].flatMap((k) => {
            const v = request.metadata?.labels?.[k];
            return v === undefined ? [] : [[k, v]];
          }),
        ),
        ownerReferences: [
          { apiVersion: API_VERSION, kind: 'PromotionRequest', name, uid: request.metadata?.uid ?? '' },
        ],
      },
      spec: { requestName: name, decision, approver: me, ...(reason ? { reason } : {}) },
    },
    { namespace: ns },
  );
  return { approver: me, request };
}

export type WaitOutcome =
  | { ok: true; request: PromotionRequestObject }
  | { ok: false; request: PromotionRequestObject | undefined; message: string };

/**
 * Wait (watching) until a request is done and, when it Succeeded, its target binding Ready at the generation
 * written. Resolves with ok false on Failed/Rejected, a binding not ready, or the signal (timeout).
 */
export async function waitPromotion(
  kube: KubeClient,
  ns: string,
  name: string,
  signal: AbortSignal,
): Promise<WaitOutcome> {
  const done = (r: PromotionRequestObject | undefined) =>
    r?.status?.phase === 'Succeeded' || r?.status?.phase === 'Failed' || r?.status?.phase === 'Rejected';
  const r = await watchUntil<PromotionRequestObject>(kube, REFS.requests, ns, name, signal, done);
  if (!r || !done(r)) {
    const phase = r?.status?.phase ?? 'Pending';
    const why = r?.status?.conditions?.find((c) => c.type === 'Ready')?.message;
    return {
      ok: false,
      request: r,
      message: `PromotionRequest "${name}" is still ${phase}${why ? `: ${why}` : ''}`,
    };
  }
  if (r.status?.phase !== 'Succeeded') {
    return {
      ok: false,
      request: r,
      message: `PromotionRequest "${name}" ${r.status?.phase}: ${r.status?.reason ?? ''}`,
    };
  }
  const target = r.status.targetBinding;
  const bref = REFS.bindings.find((b) => kindInfo(target?.kind ?? '')?.plural === b.resource);
  if (!target || !bref) return { ok: true, request: r };
  const ready = (b: KubeObject | undefined) => {
    const st = b?.status as
      | { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string }[] }
      | undefined;
    const c = st?.conditions?.find((x) => x.type === 'Ready');
    return !!c && c.status === 'True' && (st?.observedGeneration ?? 0) >= (target.generation ?? 0);
  };
  const b = await watchUntil<KubeObject>(kube, bref, ns, target.name, signal, ready);
  if (ready(b)) return { ok: true, request: r };
  const c = (
    b?.status as { conditions?: { type: string; reason?: string; message?: string }[] } | undefined
  )?.conditions?.find((x) => x.type === 'Ready');
  return {
    ok: false,
    request: r,
    message: `${target.kind} "${target.name}" is not Ready${c ? `: ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}` : ''}`,
  };
}

/** Get, then watch one object until `done` holds or the signal fires; returns the last object seen. */
async function watchUntil<T extends KubeObject>(
  kube: KubeClient,
  r: GVR,
  ns: string,
  name: string,
  signal: AbortSignal,
  done: (o: T | undefined) => boolean,
): Promise<T | undefined> {
  let last: T | undefined;
  const backoff = new RetryBackoff();
  while (!signal.aborted) {
    try {
      last = await kube.getOrUndefined<T>(r, name, { namespace: ns, signal });
      if (done(last)) return last;
      for await (const ev of kube.watch<T>(r, {
        namespace: ns,
        name,
        ...(last?.metadata?.resourceVersion ? { resourceVersion: last.metadata.resourceVersion } : {}),
        signal,
      })) {
        backoff.reset(); // the stream works
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
          last = ev.object as T;
          if (done(last)) return last;
        }
      }
    } catch (e) {
      // a refusal stays a refusal; 410 Gone, a dropped stream or the signal: look again (the loop ends on the signal)
      if (isFinalRefusal(e)) throw e;
      await backoff.pause(signal);
    }
  }
  return last;
}
