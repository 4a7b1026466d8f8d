/**
 * Promotion: two reconcilers in one folder.
 *
 * `componentrevision` (for Components, watching their Service/WebApplication/ScheduledTask bindings) records a
 * ComponentRevision whenever what runs in an environment changes: a binding whose workload differs from the
 * latest revision of its component and environment gets revision N+1, a frozen copy of the workload, the class
 * and environment settings it rendered with, where it came from (the promotion annotation written below when its
 * workload hash still matches, else Build for a binding an instance controls, Manual otherwise) and who made it
 * (requester/approver, else the field manager that last wrote spec.workloadSpec in managedFields). It keeps the
 * newest `revisionHistoryLimit` (pipeline; default 10) per component and environment.
 *
 * `promotion` (for PromotionRequests, watching PromotionApprovals and revisions) performs a request: the
 * project's pipeline must allow source → target (Failed `InvalidPromotionPath` naming the pipeline and the
 * allowed targets); the source revision is resolved once (spec.revision or the latest) and kept in the status;
 * where the path `requiresApproval` the request stays Pending until a PromotionApproval names it (Reject →
 * Rejected; an approval by the requester counts only when the pipeline has `allowSelfApproval`); then the target
 * environment's binding gets the revision's workload (created as `<component>-<env>` with the revision's class and
 * settings when absent; an existing binding keeps its class, apis and overrides) and the request Succeeded.
 */
import type { WorkloadTemplate } from '../../api/common.js';
import { BINDING_KINDS } from '../../api/kind-constants.js';
import type { ComponentRevision, PromotionRequest } from '../../api/kinds/promotion.js';
import { Labels } from '../../api/labels.js';
import {
  DEFAULT_REVISION_HISTORY,
  type NamedPipeline,
  pathProblem,
  requiresApproval,
  revisionName,
  revisionsToPrune,
} from '../../api/promotion.js';
import { REF } from '../../api/refs.js';
import type { KubeObject, ManagedFieldsEntry } from '../../kube/client.js';
import { isAlreadyExists, isNotFound } from '../../kube/errors.js';
import type { StoredBinding, WorkloadBindingKindName } from '../binding/core.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  BY_COMPONENT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  canonicalJson,
  inNamespace,
  isDeleting,
  type ObjectOf,
  type ReadyInput,
  type Stored,
  watchOf,
  writeStatus,
} from '../shared.js';
import { PROMOTION_ANNOTATION, type PromotionStamp, stampOf, workloadHash } from './stamp.js';

export const REVISION_FIELD_MANAGER = 'componentrevision-controller';
export const PROMOTION_FIELD_MANAGER = 'promotion-controller';
/** How long a request waits for the first revision of its source environment to be recorded. */
export const REVISION_GRACE_MS = 30_000;

export const P = {
  revisions: REF.ComponentRevision,
  requests: REF.PromotionRequest,
  approvals: REF.PromotionApproval,
} as const;

const BINDINGS = BINDING_KINDS.map((k) => REF[k]);

type Revision = Stored<ComponentRevision>;
type PRequest = Stored<PromotionRequest>;
/** A binding that carries a workload (Service, WebApplication or ScheduledTask), as the caches hold it. */
type Binding = StoredBinding<WorkloadBindingKindName>;

export { PROMOTION_ANNOTATION, type PromotionStamp, stampOf, workloadHash };

/** The image of the first container of a workload spec. */
export function imageOf(w: WorkloadTemplate | undefined): string | undefined {
  return Object.values(w?.containers ?? {})[0]?.image;
}

/** The field manager that last wrote spec.workloadSpec, from managedFields (as Kubernetes recorded it). */
export function workloadWriter(b: KubeObject): string | undefined {
  const entries: ManagedFieldsEntry[] = b.metadata?.managedFields ?? [];
  const writers = entries.filter((e) => !e.subresource && e.fieldsV1?.['f:spec']?.['f:workloadSpec']);
  writers.sort((a, c) => Date.parse(a.time ?? '') - Date.parse(c.time ?? ''));
  return writers.at(-1)?.manager;
}

/** The revision a binding's current workload deserves (pure). */
export function revisionFor(b: Binding, n: number): ComponentRevision {
  const s = b.spec;
  const ns = b.metadata.namespace ?? '';
  const component = s.owner.componentName;
  const env = s.environment;
  const stamp = stampOf(b);
  const controlled = (b.metadata.ownerReferences ?? []).some((o) => o.controller);
  const apis = b.kind === 'ServiceBinding' ? b.spec.apis : undefined;
  const overrides = b.kind === 'ServiceBinding' ? undefined : b.spec.overrides;
  const image = imageOf(s.workloadSpec);
  const createdBy = stamp
    ? `${stamp.requestedBy}${stamp.approvedBy ? ` (approved by ${stamp.approvedBy})` : ''}`
    : workloadWriter(b);
  return {
    apiVersion: b.apiVersion,
    kind: 'ComponentRevision',
    metadata: {
      name: revisionName(component, env, n),
      namespace: ns,
      labels: {
        [Labels.organization]: ns,
        [Labels.project]: s.owner.projectName,
        [Labels.component]: component,
        [Labels.environment]: env,
      },
    },
    spec: {
      owner: { projectName: s.owner.projectName, componentName: component },
      environment: env,
      revision: n,
      bindingKind: b.kind,
      binding: b.metadata.name,
      ...(s.className ? { className: s.className } : {}),
      ...(image ? { image } : {}),
      workloadSpec: s.workloadSpec,
      ...(apis && Object.keys(apis).length ? { apis } : {}),
      ...(overrides && Object.keys(overrides).length ? { overrides } : {}),
      source: stamp
        ? {
            type: stamp.type,
            environment: stamp.environment,
            revision: stamp.revision,
            promotionRequest: stamp.promotionRequest,
          }
        : { type: controlled ? 'Build' : 'Manual' },
      ...(createdBy ? { createdBy } : {}),
    },
  };
}

const pipelineOf = (ctx: ControllerContext, ns: string, project: string): NamedPipeline | undefined => {
  const ref = cache(ctx.manager, REF.Project).getByName(project, ns)?.spec.deploymentPipelineRef;
  const pl = ref ? cache(ctx.manager, REF.DeploymentPipeline).getByName(ref, ns) : undefined;
  return pl ? { name: pl.metadata.name, spec: pl.spec } : undefined;
};

function revisionsOf(ctx: ControllerContext, ns: string, component: string, env: string): Revision[] {
  return cache(ctx.manager, P.revisions)
    .indexed(BY_COMPONENT, inNamespace(ns, component))
    .filter((r) => r.spec.environment === env)
    .sort((a, b) => a.spec.revision - b.spec.revision);
}

function bindingsOf(ctx: ControllerContext, ns: string, component: string): Binding[] {
  return BINDINGS.flatMap((ref): Binding[] =>
    cache(ctx.manager, ref)
      .indexed(BY_COMPONENT, inNamespace(ns, component))
      .filter((b) => !isDeleting(b)),
  );
}

// ---- revisions ------------------------------------------------------------------------------------------

export const componentRevisionController: ControllerFactory = (ctx) => {
  async function reconcile(req: Request): Promise<Result | undefined> {
    const ns = req.namespace ?? '';
    let again = false;
    for (const b of bindingsOf(ctx, ns, req.name)) {
      const s = b.spec;
      if (!s.environment) continue;
      const history = revisionsOf(ctx, ns, req.name, s.environment);
      const latest = history.at(-1);
      if (!latest || canonicalJson(latest.spec.workloadSpec) !== canonicalJson(s.workloadSpec)) {
        const n = (latest?.spec.revision ?? 0) + 1;
        try {
          await ctx.client.create(revisionFor(b, n), { namespace: ns, fieldManager: REVISION_FIELD_MANAGER });
        } catch (e) {
          // The cache has not seen revision n yet: look again when it has.
          if (!isAlreadyExists(e)) throw e;
          again = true;
        }
        continue;
      }
      const limit =
        pipelineOf(ctx, ns, s.owner.projectName)?.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY;
      for (const n of revisionsToPrune(
        history.map((r) => r.spec.revision),
        limit,
      )) {
        await ctx.client
          .delete(P.revisions, revisionName(req.name, s.environment, n), { namespace: ns })
          .catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
      }
    }
    return again ? { requeueAfterMs: 500 } : undefined;
  }
  const toComponent = (o: Binding | Revision) => {
    const ns = o.metadata.namespace;
    return ns ? [`${ns}/${o.spec.owner.componentName}`] : [];
  };
  return {
    name: 'componentrevision',
    for: REF.Component,
    watches: [...BINDINGS.map((ref) => watchOf(ref, toComponent)), watchOf(P.revisions, toComponent)],
    reads: [REF.Project, REF.DeploymentPipeline],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};

// ---- requests -------------------------------------------------------------------------------------------

type Phase = NonNullable<NonNullable<PRequest['status']>['phase']>;
const TERMINAL = new Set<Phase>(['Succeeded', 'Failed', 'Rejected']);

export const promotionController: ControllerFactory = (ctx) => {
  const requests = () => cache(ctx.manager, P.requests);
  const approvals = () => cache(ctx.manager, P.approvals);

  async function report(
    r: PRequest,
    phase: Phase,
    ready: Omit<ReadyInput, 'status'>,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await writeStatus(
      ctx,
      PROMOTION_FIELD_MANAGER,
      P.requests,
      r,
      { status: phase === 'Succeeded' ? 'True' : 'False', ...ready },
      {
        phase,
        ...(r.status?.revision !== undefined ? { revision: r.status.revision } : {}),
        ...(r.status?.image !== undefined ? { image: r.status.image } : {}),
        ...(phase === 'Failed' || phase === 'Rejected' ? { reason: ready.message } : {}),
        ...extra,
      },
    );
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const r = requests().getByName(req.name, req.namespace);
    if (!r || isDeleting(r)) return undefined;
    if (r.status?.phase && TERMINAL.has(r.status.phase)) return undefined;
    const ns = req.namespace ?? '';
    const { owner, sourceEnvironment: from, targetEnvironment: to } = r.spec;
    // The pipeline is the project's of the component as it is, not the one the request names.
    const component = cache(ctx.manager, REF.Component).getByName(owner.componentName, ns);
    const actual = component?.spec.owner.projectName;
    if (actual !== owner.projectName) {
      await report(r, 'Failed', {
        reason: 'ComponentNotFound',
        message: component
          ? `component "${owner.componentName}" belongs to project "${actual}", not "${owner.projectName}"`
          : `component "${owner.componentName}" not found in organization "${ns}"`,
      });
      return undefined;
    }
    const pipeline = pipelineOf(ctx, ns, owner.projectName);
    if (!pipeline) {
      await report(r, 'Failed', {
        reason: 'DeploymentPipelineNotFound',
        message: `project "${owner.projectName}" or its DeploymentPipeline not found in organization "${ns}"`,
      });
      return undefined;
    }
    const problem = pathProblem(pipeline, from, to);
    if (problem) {
      await report(r, 'Failed', { reason: 'InvalidPromotionPath', message: problem });
      return undefined;
    }
    // The source revision, resolved once: an approval approves exactly this one.
    const history = revisionsOf(ctx, ns, owner.componentName, from);
    const wanted = r.status?.revision ?? r.spec.revision;
    const rev = wanted === undefined ? history.at(-1) : history.find((h) => h.spec.revision === wanted);
    if (!rev) {
      const age = Date.now() - Date.parse(r.metadata.creationTimestamp ?? '');
      if (wanted === undefined && age < REVISION_GRACE_MS) {
        await report(r, 'Pending', {
          reason: 'WaitingForRevision',
          message: `waiting for a revision of "${owner.componentName}" in "${from}"`,
        });
        return { requeueAfterMs: 1_000 };
      }
      const kept = history.map((h) => h.spec.revision).join(', ');
      await report(r, 'Failed', {
        reason: 'RevisionNotFound',
        message:
          wanted === undefined
            ? `component "${owner.componentName}" has no revision in environment "${from}": it does not run there`
            : `revision ${wanted} of component "${owner.componentName}" in "${from}" not found (kept: ${kept || 'none'})`,
      });
      return undefined;
    }
    const resolved = { revision: rev.spec.revision, ...(rev.spec.image ? { image: rev.spec.image } : {}) };
    const rr: PRequest = { ...r, status: { ...r.status, ...resolved } };
    const needsApproval = requiresApproval(pipeline, from, to);
    let approvedBy: string | undefined;
    if (needsApproval) {
      const decision = approvals()
        .list(ns)
        .filter((a) => a.spec.requestName === req.name && !isDeleting(a))
        .sort(
          (a, b) =>
            Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''),
        )
        .at(0);
      if (!decision) {
        await report(
          rr,
          'Pending',
          {
            reason: 'AwaitingApproval',
            message: `DeploymentPipeline "${pipeline.name}" requires an approval to deploy to "${to}": choreoctl approve ${req.name}`,
          },
          { requiresApproval: true },
        );
        return undefined;
      }
      if (decision.spec.decision === 'Reject') {
        await report(
          rr,
          'Rejected',
          {
            reason: 'Rejected',
            message: `rejected by ${decision.spec.approver}${decision.spec.reason ? `: ${decision.spec.reason}` : ''}`,
          },
          { requiresApproval: true, approvedBy: decision.spec.approver },
        );
        return undefined;
      }
      if (decision.spec.approver === r.spec.requestedBy && !pipeline.spec?.allowSelfApproval) {
        await report(
          rr,
          'Pending',
          {
            reason: 'SelfApprovalNotAllowed',
            message:
              `"${decision.spec.approver}" requested this promotion and cannot approve it: DeploymentPipeline ` +
              `"${pipeline.name}" does not set allowSelfApproval. Delete PromotionApproval "${decision.metadata.name}" and ask someone else to approve`,
          },
          { requiresApproval: true },
        );
        return undefined;
      }
      approvedBy = decision.spec.approver;
    }
    const written = await deploy(rev, r, to, approvedBy);
    await report(
      rr,
      'Succeeded',
      {
        reason: 'Promoted',
        message: `revision ${rev.spec.revision} of "${from}" (${rev.spec.image ?? 'no image'}) written to ${written.kind} "${written.name}"`,
      },
      {
        requiresApproval: needsApproval,
        ...(approvedBy ? { approvedBy } : {}),
        targetBinding: written,
      },
    );
    return undefined;
  }

  /** Writes the revision's workload to the target environment's binding; returns what it wrote. */
  async function deploy(
    rev: Revision,
    r: PRequest,
    to: string,
    approvedBy: string | undefined,
  ): Promise<{ kind: string; name: string; generation?: number }> {
    const ns = r.metadata.namespace ?? '';
    const stamp: PromotionStamp = {
      type: r.spec.sourceEnvironment === to ? 'Rollback' : 'Promotion',
      environment: r.spec.sourceEnvironment,
      revision: rev.spec.revision,
      promotionRequest: r.metadata.name ?? '',
      requestedBy: r.spec.requestedBy,
      ...(approvedBy ? { approvedBy } : {}),
      workloadHash: workloadHash(rev.spec.workloadSpec),
    };
    const existing = bindingsOf(ctx, ns, rev.spec.owner.componentName).find((b) => b.spec.environment === to);
    if (existing) {
      const annotations = existing.metadata.annotations;
      // A JSON patch replaces the workload as a whole (a merge patch would keep containers, env entries and
      // endpoints the revision does not have); everything else of the binding stays the target's.
      const out = await ctx.client.patch<KubeObject>(
        REF[existing.kind],
        existing.metadata.name,
        [
          { op: 'test', path: '/metadata/uid', value: existing.metadata.uid },
          { op: 'replace', path: '/spec/workloadSpec', value: rev.spec.workloadSpec },
          annotations
            ? {
                op: 'add',
                path: `/metadata/annotations/${PROMOTION_ANNOTATION.replace('/', '~1')}`,
                value: JSON.stringify(stamp),
              }
            : {
                op: 'add',
                path: '/metadata/annotations',
                value: { [PROMOTION_ANNOTATION]: JSON.stringify(stamp) },
              },
        ],
        { type: 'json', namespace: ns, fieldManager: PROMOTION_FIELD_MANAGER },
      );
      return { kind: existing.kind, name: existing.metadata.name, ...gen(out) };
    }
    const kind = rev.spec.bindingKind;
    const name = `${rev.spec.owner.componentName}-${to}`;
    const out = await ctx.client.create(
      {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind,
        metadata: {
          name,
          namespace: ns,
          labels: {
            [Labels.organization]: ns,
            [Labels.project]: rev.spec.owner.projectName,
            [Labels.component]: rev.spec.owner.componentName,
            [Labels.environment]: to,
          },
          annotations: { [PROMOTION_ANNOTATION]: JSON.stringify(stamp) },
        },
        spec: {
          owner: rev.spec.owner,
          environment: to,
          ...(rev.spec.className ? { className: rev.spec.className } : {}),
          workloadSpec: rev.spec.workloadSpec,
          ...(rev.spec.apis && kind === 'ServiceBinding' ? { apis: rev.spec.apis } : {}),
          ...(rev.spec.overrides && kind !== 'ServiceBinding' ? { overrides: rev.spec.overrides } : {}),
        },
      },
      { namespace: ns, fieldManager: PROMOTION_FIELD_MANAGER },
    );
    return { kind, name, ...gen(out) };
  }

  const toRequest = (a: ObjectOf<typeof P.approvals>) => {
    const ns = a.metadata.namespace;
    return ns ? [`${ns}/${a.spec.requestName}`] : [];
  };
  /** Requests of the revision's component still waiting for a revision. */
  const waiting = (rev: Revision) => {
    const ns = rev.metadata.namespace;
    const c = rev.spec.owner.componentName;
    if (!ns) return [];
    return requests()
      .indexed(BY_COMPONENT, inNamespace(ns, c))
      .filter((q) => q.status?.phase !== 'Succeeded')
      .map((q) => `${ns}/${q.metadata.name}`);
  };
  return {
    name: 'promotion',
    for: P.requests,
    watches: [watchOf(P.approvals, toRequest), watchOf(P.revisions, waiting)],
    reads: [REF.Project, REF.DeploymentPipeline, REF.Component, ...BINDINGS],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};

function gen(o: KubeObject | undefined): { generation?: number } {
  const g = o?.metadata?.generation;
  return g === undefined ? {} : { generation: g };
}
