/**
 * Build: runs a component's build as an Argo Workflow in the organization's BuildPlane and follows it.
 *
 * For a Build it finds its Component and the BuildPlane of its namespace (the first by name, as upstream),
 * prepares the plane (namespace `openchoreo-ci-<org>`, ServiceAccount, Role, RoleBinding), creates the Workflow
 * from the named ClusterWorkflowTemplate, and watches it through an informer on the plane: Argo's phase and
 * nodes become the Build's `Ready` condition (BuildPending; BuildRunning naming the step; BuildSucceeded;
 * BuildFailed naming the failing step with Argo's message), `status.step`, `status.steps` and `status.phase`.
 * On success it records the commit and the image and server-side applies the Workload the workload-create step
 * produced, so the component redeploys through the existing chain.
 *
 * What is missing is a condition that says so, and comes back by itself: ComponentNotFound (Component watch),
 * BuildPlaneNotFound (BuildPlane watch), TemplateNotFound (the plane's template informer),
 * BuildPlaneUnreachable (retried, and the plane's informers report when they get through). The finalizer deletes
 * the Workflow; Argo deletes finished ones after WORKFLOW_TTL_SECONDS.
 */
import type { BUILD_PHASES, Build } from '../../api/kinds/build.js';
import { Finalizers } from '../../api/labels.js';
import { buildNamespaceName, workflowName } from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { isAlreadyExists, isClientClosed, isNotFound } from '../../kube/errors.js';
import { isSimulatedNode, KUBE_REF } from '../../kube/kinds.js';
import { yamlLib } from '../../kube/lazy-yaml.js';
import { PlaneCredentialsError, type PlaneObject, planeKey } from '../planes.js';
import { findCondition } from '../runtime/conditions.js';
import type { ReconcileContext, Request, Result } from '../runtime/controller.js';
import {
  type ControllerContext,
  type ControllerFactory,
  cache,
  isDeleting,
  type ReadyInput,
  watchOf,
  writeStatus,
} from '../shared.js';
import { BuildPlaneWatches } from './watch.js';
import {
  type BuildObject,
  buildPlanePrerequisites,
  desiredWorkflow,
  simulatedStepCondition,
  summarizeWorkflow,
  type WorkflowSummary,
} from './workflow.js';

export const CONTROLLER_NAME = 'build';
export const FIELD_MANAGER = 'build-controller';
/** How long a reconcile waits for a build plane's first answer before reporting it unreachable. */
const PLANE_ANSWER_TIMEOUT_MS = 10_000;
const UNREACHABLE_RETRY_MS = 15_000;
export const WORKLOAD_UPDATED = 'WorkloadUpdated';

type Phase = (typeof BUILD_PHASES)[number];

/** A Build that will not change any more: failed, or succeeded with its Workload applied. */
export function buildFinished(b: Pick<Build, 'status'>): boolean {
  const st = b.status;
  if (st?.phase === 'Failed') return true;
  return st?.phase === 'Succeeded' && findCondition(st.conditions, WORKLOAD_UPDATED)?.status === 'True';
}

/** The BuildPlane of a namespace: the first by name that is not being deleted (upstream: the first listed). */
export function buildPlaneOf<T extends KubeObject>(planes: readonly T[]): T | undefined {
  return [...planes]
    .filter((p) => !isDeleting(p))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

export const buildController: ControllerFactory = (ctx: ControllerContext) => {
  const builds = () => cache(ctx.manager, REF.Build);
  const components = () => cache(ctx.manager, REF.Component);
  const buildPlanes = () => cache(ctx.manager, REF.BuildPlane);
  const enqueue = (key: string) => ctx.manager.enqueue(CONTROLLER_NAME, key);
  /** Builds of a namespace that are not finished (the ones a plane or template event can unblock). */
  const waiting = (ns: string | undefined) =>
    ns
      ? builds()
          .list(ns)
          .filter((b) => !buildFinished(b))
          .map((b) => `${ns}/${b.metadata.name}`)
      : [];
  const watches = new BuildPlaneWatches(
    enqueue,
    (planeId) => {
      // planeKey: `BuildPlane/<namespace>/<name>`
      for (const k of waiting(planeId.split('/')[1])) enqueue(k);
    },
    ctx.log,
  );
  /** Planes (by client) whose CI namespace of an organization is prepared. */
  const prepared = new WeakMap<KubeClient, Set<string>>();
  /** Per plane (by client), whether a Node is simulated; a Node's annotations do not change under its name. */
  const simulatedNodes = new WeakMap<KubeClient, Map<string, boolean>>();

  /**
   * Whether a step's Node on a plane is simulated (kwok). A Node we may not read, or one gone, counts as not
   * simulated: the Build then reads as Argo reports it, as before.
   */
  async function onSimulatedNode(
    client: KubeClient,
    node: string,
    rctx: Pick<ReconcileContext, 'signal' | 'log'>,
  ): Promise<boolean> {
    let known = simulatedNodes.get(client);
    const seen = known?.get(node);
    if (seen !== undefined) return seen;
    let simulated: boolean;
    try {
      const n = await client.getOrUndefined<KubeObject>(KUBE_REF.Node, node, { signal: rctx.signal });
      if (!n) return false;
      simulated = isSimulatedNode(n);
    } catch (e) {
      if (isClientClosed(e)) throw e;
      rctx.log.debug('cannot tell whether the step node is simulated', {
        node,
        error: (e as Error).message,
      });
      return false;
    }
    if (!known) {
      known = new Map();
      simulatedNodes.set(client, known);
    }
    known.set(node, simulated);
    return simulated;
  }

  async function status(
    b: BuildObject,
    phase: Phase,
    ready: ReadyInput,
    extra: Record<string, unknown> = {},
    more: Parameters<typeof writeStatus>[6] = [],
  ): Promise<void> {
    await writeStatus(ctx, FIELD_MANAGER, REF.Build, b, ready, { phase, ...extra }, more);
  }

  async function prepare(client: KubeClient, org: string, signal: AbortSignal): Promise<void> {
    let done = prepared.get(client);
    if (done?.has(org)) return;
    for (const obj of buildPlanePrerequisites(org)) {
      await client.apply(obj, { fieldManager: FIELD_MANAGER, force: true, signal });
    }
    if (!done) {
      done = new Set();
      prepared.set(client, done);
    }
    done.add(org);
  }

  /** Apply the Workload the workload-create step printed; a condition says what became of it. */
  async function applyWorkload(
    b: BuildObject,
    s: WorkflowSummary,
    signal: AbortSignal,
  ): Promise<{ status: 'True' | 'False'; reason: string; message: string }> {
    const text = s.workloadCr?.trim();
    if (!text) {
      return {
        status: 'False',
        reason: 'NoWorkloadProduced',
        message: 'the workload-create step produced no Workload (workload-cr is empty): nothing was deployed',
      };
    }
    let parsed: unknown;
    try {
      parsed = yamlLib().parse(text);
    } catch (e) {
      return {
        status: 'False',
        reason: 'WorkloadInvalid',
        message: `workload-cr is not YAML: ${(e as Error).message}`,
      };
    }
    const doc = (parsed ?? {}) as KubeObject;
    // The schema (and zod) load on a build's first Workload, not at every manager start.
    const { Workload } = await import('../../api/kinds/development.js');
    const checked = Workload.safeParse({
      ...doc,
      metadata: { ...(doc.metadata ?? {}), namespace: b.metadata.namespace },
    });
    if (!checked.success) {
      const first = checked.error.issues[0];
      return {
        status: 'False',
        reason: 'WorkloadInvalid',
        message: `workload-cr is not a valid Workload: ${first?.path.join('.') || '(root)'}: ${first?.message}`,
      };
    }
    const wl = checked.data;
    if (
      wl.spec.owner.componentName !== b.spec.owner.componentName ||
      wl.spec.owner.projectName !== b.spec.owner.projectName
    ) {
      return {
        status: 'False',
        reason: 'WorkloadInvalid',
        message: `workload-cr belongs to ${wl.spec.owner.projectName}/${wl.spec.owner.componentName}, not to the built component ${b.spec.owner.projectName}/${b.spec.owner.componentName}`,
      };
    }
    await ctx.client.apply(
      {
        apiVersion: wl.apiVersion,
        kind: wl.kind,
        metadata: { name: wl.metadata.name, namespace: b.metadata.namespace },
        spec: wl.spec,
      },
      { fieldManager: FIELD_MANAGER, force: true, signal },
    );
    return {
      status: 'True',
      reason: WORKLOAD_UPDATED,
      message: `Workload "${wl.metadata.name}" applied with image ${s.image ?? '(unknown)'}`,
    };
  }

  async function reconcile(req: Request, rctx: ReconcileContext): Promise<Result | undefined> {
    const b = builds().getByName(req.name, req.namespace);
    if (!b || buildFinished(b)) return undefined;
    const ns = b.metadata.namespace ?? '';
    const phase = (b.status?.phase ?? 'Pending') as Phase;
    const { componentName, projectName } = b.spec.owner;
    const comp = components().getByName(componentName, ns);
    if (!comp || comp.spec.owner.projectName !== projectName) {
      await status(b, phase, {
        status: 'False',
        reason: 'ComponentNotFound',
        message: comp
          ? `Component "${componentName}" belongs to project "${comp.spec.owner.projectName}", not "${projectName}"`
          : `Component "${componentName}" not found in namespace "${ns}": create it, or fix spec.owner`,
      });
      return undefined;
    }
    const plane = buildPlaneOf(buildPlanes().list(ns));
    if (!plane) {
      await status(b, phase, {
        status: 'False',
        reason: 'BuildPlaneNotFound',
        message: `no BuildPlane in namespace "${ns}": register one (kind BuildPlane) for builds to run`,
      });
      return undefined;
    }
    const planeName = plane.metadata?.name ?? '';
    let client: KubeClient;
    try {
      client = ctx.planes.client(plane as PlaneObject);
    } catch (e) {
      if (!(e instanceof PlaneCredentialsError)) throw e;
      await status(b, phase, { status: 'False', reason: e.reason, message: e.message });
      return undefined; // a Secret event brings the plane (and us) back
    }
    const planeId = planeKey(plane);
    let informers: Awaited<ReturnType<BuildPlaneWatches['ensure']>>;
    try {
      informers = await watches.ensure(planeId, client, PLANE_ANSWER_TIMEOUT_MS);
    } catch (e) {
      if (isClientClosed(e)) throw e;
      await status(b, phase, {
        status: 'False',
        reason: 'BuildPlaneUnreachable',
        message: `BuildPlane "${planeName}": ${(e as Error).message}; retrying`,
      });
      return { requeueAfterMs: UNREACHABLE_RETRY_MS };
    }
    const want = desiredWorkflow(b);
    const wfName = want.metadata?.name ?? workflowName(b.metadata.name);
    const wfNs = want.metadata?.namespace ?? buildNamespaceName(ns);
    const ref = { buildPlane: planeName, namespace: wfNs, name: wfName };
    let wf = informers.workflows.getByName(wfName, wfNs);
    if (!wf) {
      const template = b.spec.templateRef.name;
      if (!informers.templates.getByName(template)) {
        await status(b, phase, {
          status: 'False',
          reason: 'TemplateNotFound',
          message: `ClusterWorkflowTemplate "${template}" not found on BuildPlane "${planeName}": install it (choreoctl install installs docker, google-cloud-buildpacks, react and ballerina-buildpack), or fix spec.templateRef.name`,
        });
        return undefined;
      }
      await prepare(client, ns, rctx.signal);
      try {
        wf = await client.create(want, { signal: rctx.signal });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      await status(
        b,
        'Pending',
        {
          status: 'False',
          reason: 'BuildPending',
          message: `workflow ${wfNs}/${wfName} created on BuildPlane "${planeName}"; waiting for Argo`,
        },
        { workflow: ref },
      );
      return undefined; // the workflow informer brings Argo's progress
    }
    const s = summarizeWorkflow(wf);
    const extra = {
      workflow: ref,
      step: s.step ?? '',
      steps: s.steps,
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
      ...(s.gitRevision || b.spec.repository.revision.commit
        ? { commit: s.gitRevision ?? b.spec.repository.revision.commit }
        : {}),
      ...(s.image ? { imageStatus: { image: s.image } } : {}),
    };
    if (s.phase !== 'Succeeded') {
      const stuck = s.phase === 'Running' && s.stepNode && (await onSimulatedNode(client, s.stepNode, rctx));
      const ready: ReadyInput = stuck
        ? simulatedStepCondition(s)
        : { status: 'False', reason: s.reason, message: s.message };
      await status(b, s.phase, ready, extra);
      return undefined;
    }
    let wl: { status: 'True' | 'False'; reason: string; message: string };
    try {
      wl = await applyWorkload(b, s, rctx.signal);
    } catch (e) {
      if (isClientClosed(e)) throw e;
      await status(
        b,
        'Succeeded',
        {
          status: 'False',
          reason: 'WorkloadUpdateFailed',
          message: `the image was built but applying its Workload failed: ${(e as Error).message}`,
        },
        extra,
        [
          {
            type: WORKLOAD_UPDATED,
            status: 'False',
            reason: 'WorkloadUpdateFailed',
            message: (e as Error).message,
          },
        ],
      );
      throw e;
    }
    const ready: ReadyInput =
      wl.status === 'True'
        ? {
            status: 'True',
            reason: 'BuildSucceeded',
            message: `built ${s.image ?? 'the image'}; ${wl.message}`,
          }
        : { status: 'False', reason: wl.reason, message: wl.message };
    // A Workload that can never be applied does not change by retrying: the build is finished all the same.
    await status(b, wl.status === 'True' ? 'Succeeded' : 'Failed', ready, extra, [
      { type: WORKLOAD_UPDATED, ...wl },
    ]);
    return undefined;
  }

  /** Deleting a Build deletes its Workflow (Argo's pods go with it, by their owner reference). */
  async function finalize(obj: KubeObject): Promise<Result | undefined> {
    const b = obj as BuildObject;
    const ns = b.metadata.namespace ?? '';
    const named = b.status?.workflow?.buildPlane;
    const plane =
      (named ? buildPlanes().getByName(named, ns) : undefined) ?? buildPlaneOf(buildPlanes().list(ns));
    if (!plane) return undefined; // no plane: nothing of the Build can exist anywhere we know of
    const client = ctx.planes.client(plane as PlaneObject, { allowStale: true });
    try {
      await client.delete(KUBE_REF.Workflow, workflowName(b.metadata.name), {
        namespace: b.status?.workflow?.namespace ?? buildNamespaceName(ns),
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return undefined;
  }

  return {
    name: CONTROLLER_NAME,
    for: REF.Build,
    watches: [
      watchOf(REF.BuildPlane, (p) => waiting(p.metadata?.namespace)),
      watchOf(REF.Component, (c) => {
        const ns = c.metadata?.namespace;
        return waiting(ns).filter(
          (k) =>
            builds().getByName(k.slice(k.indexOf('/') + 1), ns)?.spec.owner.componentName ===
            c.metadata?.name,
        );
      }),
    ],
    reads: [KUBE_REF.Secret],
    reconciler: { reconcile },
    finalizer: { name: Finalizers.build, finalize },
    onStop: () => watches.stop(),
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
