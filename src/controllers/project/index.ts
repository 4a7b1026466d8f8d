/**
 * Project: a Cell — one namespace per environment of its DeploymentPipeline, named
 * `dp-<org>-<project>-<env>-<hash>` (≤63 characters), in that environment's DataPlane cluster, labelled with the
 * control-plane `openchoreo.dev/*` and data-plane `*-name` labels. `status.cells` lists the cells that are ready.
 *
 * The project writes nothing to a data plane itself: each cell is a Release (`cell-<project>-<env>-<hash>`,
 * controlled by the Project, no component) holding the cell Namespace and its network baseline (`cell-baseline`,
 * a default-deny CiliumNetworkPolicy allowing in-cell traffic and DNS; see baseline.ts), and the Release engine —
 * the one writer to data planes — applies, re-applies, prunes and reports on them. A data plane without Cilium's
 * CRDs (asked through discovery, a read) gets its cells without the baseline, and the Ready message says so.
 *
 * Ready=False names what is missing: `DeploymentPipelineNotFound`, `EnvironmentNotFound`, `DataPlaneNotFound`,
 * `DataPlaneNotReady`, `CellProvisioningFailed` (the cell Release failed: its message), `CellsProgressing` (the
 * engine has not reported yet); every referenced kind and the cell Releases are watched, so it recovers by itself.
 * Cells of environments that left the pipeline are deleted (their Release). The finalizer deletes the project's
 * components (and waits for them), then its cell Releases (and waits for the engine to clean them up).
 */
import { API_VERSION } from '../../api/dsl.js';
import { DataPlaneLabels, Finalizers, hierarchyLabels, Labels, LabelValues } from '../../api/labels.js';
import {
  dataPlaneNamespaceName,
  generateK8sNameWithLengthLimit,
  MAX_LABEL_NAME_LENGTH,
} from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { writeRelease } from '../binding/core.js';
import { componentProject } from '../component/index.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { pipelineEnvironments } from '../deploymentpipeline/graph.js';
import { PlaneCredentialsError } from '../planes.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  addFinalizer,
  type ControllerFactory,
  cache,
  hasLabels,
  isDeleting,
  keysIn,
  type ReadyInput,
  readyOf,
  removeFinalizer,
  watchOf,
  writeStatus,
} from '../shared.js';
import { baselineServed, cellBaseline } from './baseline.js';

export const FIELD_MANAGER = 'project-controller';

export interface Cell {
  environment: string;
  namespace: string;
  dataPlane: string;
}

/** Labels of a cell namespace: control-plane hierarchy labels and the upstream data-plane labels. */
export function cellLabels(org: string, project: string, environment: string): Record<string, string> {
  return {
    [Labels.organization]: org,
    [Labels.project]: project,
    [Labels.environment]: environment,
    [Labels.managedBy]: LabelValues.managedByControlPlane,
    [DataPlaneLabels.organization]: org,
    [DataPlaneLabels.project]: project,
    [DataPlaneLabels.environment]: environment,
  };
}

/** The namespace of a cell, as applied in the data plane. */
export function cellNamespace(org: string, project: string, environment: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: dataPlaneNamespaceName(org, project, environment),
      labels: cellLabels(org, project, environment),
    },
  };
}

export function projectSelector(org: string, project: string): string {
  return `${Labels.organization}=${org},${Labels.project}=${project}`;
}

/** Name of the Release of a project's cell in one environment. */
export function cellReleaseName(project: string, environment: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, 'cell', project, environment);
}

/**
 * The Release of one cell: the cell Namespace and (when the plane serves CiliumNetworkPolicy) its baseline, no
 * component, controlled by the Project (which is what lets the engine accept a Release without a component).
 */
export function cellRelease(project: KubeObject, environment: string, baseline: boolean): KubeObject {
  const org = project.metadata?.namespace ?? '';
  const name = project.metadata?.name ?? '';
  const ns = dataPlaneNamespaceName(org, name, environment);
  return {
    apiVersion: API_VERSION,
    kind: 'Release',
    metadata: {
      name: cellReleaseName(name, environment),
      namespace: org,
      labels: hierarchyLabels({ organization: org, project: name, environment }),
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'Project',
          name,
          uid: project.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      finalizers: [Finalizers.release],
    },
    spec: {
      owner: { projectName: name },
      environmentName: environment,
      resources: [
        { id: 'namespace', object: cellNamespace(org, name, environment) },
        ...(baseline
          ? [{ id: 'cell-baseline', object: cellBaseline(ns, cellLabels(org, name, environment)) }]
          : []),
      ],
    },
  };
}

/** The cell Releases a project controls. */
function controlledBy(o: KubeObject, owner: KubeObject): boolean {
  return (o.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.uid === owner.metadata?.uid,
  );
}

/** Ready reasons of a cell Release that failed (as opposed to: not reported yet, or progressing). */
const CELL_FAILURES = new Set([
  'ApplyFailed',
  'PruneFailed',
  'ResourceNotAllowed',
  'ResourcesDegraded',
  'ProjectNotFound',
  'DeploymentPipelineNotFound',
  'EnvironmentNotOnPipeline',
  'ComponentNotFound',
]);

/** A live namespace already carries every label of the desired one (and is not being deleted). */
export function upToDate(live: KubeObject | undefined, desired: KubeObject): boolean {
  if (!live || live.metadata?.deletionTimestamp) return false;
  return hasLabels(live.metadata?.labels, desired.metadata?.labels ?? {});
}

interface Problem {
  reason: string;
  message: string;
}

const REASON_ORDER = [
  'DeploymentPipelineNotFound',
  'EnvironmentNotFound',
  'DataPlaneNotFound',
  'DataPlaneNotReady',
  'CellProvisioningFailed',
  'CellsProgressing',
];

/** The note for cells created without their network baseline, by data plane (pure). */
export function noBaselineNote(byPlane: ReadonlyMap<string, readonly string[]>): string | undefined {
  if (byPlane.size === 0) return undefined;
  const planes = [...byPlane].map(
    ([dp, envs]) =>
      `DataPlane "${dp}" (environment${envs.length > 1 ? 's' : ''} ${envs.map((e) => `"${e}"`).join(', ')})`,
  );
  return `no network baseline in ${planes.join(', ')}: the cluster serves no CiliumNetworkPolicy (cilium.io/v2), so the cells are not isolated; install Cilium there and the baseline follows at the next resync`;
}

/** Ready from the problems found while provisioning cells (pure); `note` is appended to the message. */
export function projectReadiness(
  problems: readonly Problem[],
  cells: readonly Cell[],
  note?: string,
): ReadyInput {
  const withNote = (r: ReadyInput): ReadyInput => (note ? { ...r, message: `${r.message}; ${note}` } : r);
  if (problems.length === 0) {
    return withNote({
      status: 'True',
      reason: 'CellsReady',
      message: cells.length
        ? `${cells.length} cell(s) ready: ${cells.map((c) => `${c.environment} (${c.namespace})`).join(', ')}`
        : 'the pipeline has no environments',
    });
  }
  const sorted = [...problems].sort(
    (a, b) => REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason),
  );
  return withNote({
    status: 'False',
    reason: sorted[0]?.reason ?? 'NotReady',
    message: sorted.map((p) => p.message).join('; '),
  });
}

export const projectController: ControllerFactory = (ctx) => {
  const projects = () => cache(ctx.manager, REF.Project);
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
  const envs = () => cache(ctx.manager, REF.Environment);
  const dps = () => cache(ctx.manager, REF.DataPlane);
  const components = () => cache(ctx.manager, REF.Component);
  const releases = () => cache(ctx.manager, REF.Release);
  const cellReleasesOf = (project: KubeObject, org: string) =>
    releases()
      .list(org)
      .filter((r) => controlledBy(r, project));

  function pipelineOf(project: KubeObject): string {
    return ((project.spec ?? {}) as { deploymentPipelineRef?: string }).deploymentPipelineRef ?? '';
  }

  async function finalize(project: KubeObject, org: string, name: string): Promise<Result | undefined> {
    if (!project.metadata?.finalizers?.includes(Finalizers.project)) return undefined;
    // 1. Components first (they will own data-plane objects inside the cells).
    const comps = components()
      .list(org)
      .filter((c) => componentProject(c) === name);
    if (comps.length > 0) {
      for (const c of comps) {
        if (!isDeleting(c))
          await ctx.client.delete(REF.Component, c.metadata?.name ?? '', { namespace: org });
      }
      await writeStatus(ctx, FIELD_MANAGER, REF.Project, project, {
        status: 'False',
        reason: 'ProjectFinalizing',
        message: `waiting for ${comps.length} component(s) to be deleted`,
      });
      return { requeueAfterMs: 5_000 };
    }
    // 2. Cells: their Releases; the engine deletes what they applied (the namespaces) before letting them go.
    const cellReleases = cellReleasesOf(project, org);
    for (const r of cellReleases) {
      if (!isDeleting(r)) await ctx.client.delete(REF.Release, r.metadata?.name ?? '', { namespace: org });
    }
    if (cellReleases.length > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Project, project, {
        status: 'False',
        reason: 'ProjectFinalizing',
        message: `waiting for ${cellReleases.length} cell(s) to be deleted`,
      });
      // The Releases' deletion events bring us back; the requeue covers a missed one.
      return { requeueAfterMs: 5_000 };
    }
    await removeFinalizer(ctx.client, REF.Project, project, Finalizers.project);
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const project = projects().getByName(req.name, req.namespace);
    if (!project) return undefined;
    const org = req.namespace ?? '';
    const name = req.name;
    if (isDeleting(project)) return finalize(project, org, name);

    // The update event of the finalizer brings us back with the object as stored: do the work once, then.
    if (await addFinalizer(ctx.client, REF.Project, project, Finalizers.project)) return undefined;
    const oldCells = ((project.status ?? {}) as { cells?: Cell[] }).cells;
    const pipelineName = pipelineOf(project);
    const pipeline = pipelines().getByName(pipelineName, org);
    if (!pipeline || isDeleting(pipeline)) {
      await writeStatus(
        ctx,
        FIELD_MANAGER,
        REF.Project,
        project,
        projectReadiness(
          [
            {
              reason: 'DeploymentPipelineNotFound',
              message: `DeploymentPipeline "${pipelineName}" not found in namespace "${org}"`,
            },
          ],
          [],
        ),
        { cells: oldCells },
      );
      return undefined;
    }

    const problems: Problem[] = [];
    const cells: Cell[] = [];
    const wanted = new Set<string>();
    const missingEnvs: string[] = [];
    const planeProblems = new Map<string, { reason: string; what: string; envs: string[] }>();
    const planeProblem = (dpName: string, envName: string, reason: string, what: string) => {
      const p = planeProblems.get(dpName) ?? { reason, what, envs: [] };
      p.envs.push(envName);
      planeProblems.set(dpName, p);
    };
    const noBaseline = new Map<string, string[]>();
    const provisioning: string[] = [];
    let retry = false;
    for (const envName of pipelineEnvironments(pipeline.spec)) {
      const nsName = dataPlaneNamespaceName(org, name, envName);
      const relName = cellReleaseName(name, envName);
      wanted.add(relName);
      const env = envs().getByName(envName, org);
      if (!env || isDeleting(env)) {
        missingEnvs.push(envName);
        continue;
      }
      const dpName = environmentDataPlane(env);
      const dp = dps().getByName(dpName, org);
      if (!dp || isDeleting(dp)) {
        planeProblem(dpName, envName, 'DataPlaneNotFound', 'not found');
        continue;
      }
      const dpReady = readyOf(dp);
      if (dpReady?.status !== 'True') {
        planeProblem(
          dpName,
          envName,
          'DataPlaneNotReady',
          `is not ready${dpReady ? `: ${dpReady.message}` : ''}`,
        );
        continue;
      }
      const fail = (message: string) =>
        problems.push({
          reason: 'CellProvisioningFailed',
          message: `cell of environment "${envName}" in DataPlane "${dpName}": ${message}`,
        });
      let live = releases().getByName(relName, org);
      try {
        if (live && !controlledBy(live, project)) {
          fail(`Release "${relName}" exists and is not controlled by Project "${name}"`);
          continue;
        }
        // Discovery only (cached by the plane's client): whether the baseline can be part of the cell.
        const served = await baselineServed(ctx.planes.client(dp));
        if (!served) noBaseline.set(dpName, [...(noBaseline.get(dpName) ?? []), envName]);
        const desired = cellRelease(project, envName, served);
        if (live && isDeleting(live)) {
          provisioning.push(envName); // the old one goes first: its deletion event brings us back
          continue;
        }
        if (await writeRelease(ctx, FIELD_MANAGER, live, desired, async () => {})) live = undefined;
      } catch (e) {
        retry = true;
        fail(e instanceof PlaneCredentialsError ? e.message : (e as Error).message);
        continue;
      }
      // How the engine is doing with it (the Release's events bring us back).
      const ready = readyOf(live);
      if (!live || !ready || ready.observedGeneration !== live.metadata?.generation) {
        provisioning.push(envName);
      } else if (ready.status === 'True') {
        cells.push({ environment: envName, namespace: nsName, dataPlane: dpName });
      } else if (CELL_FAILURES.has(ready.reason)) {
        fail(`Release "${relName}": ${ready.reason}: ${ready.message}`);
      } else {
        provisioning.push(envName);
      }
    }
    if (provisioning.length > 0) {
      problems.push({
        reason: 'CellsProgressing',
        message: `cell${provisioning.length > 1 ? 's' : ''} of ${provisioning.map((e) => `"${e}"`).join(', ')} being provisioned by the Release engine`,
      });
    }
    // One problem per data plane, naming its environments (three environments on one plane: one message).
    for (const [dpName, p] of planeProblems) {
      const which = p.envs.length > 1 ? 'environments' : 'environment';
      problems.push({
        reason: p.reason,
        message: `DataPlane "${dpName}" of ${which} ${p.envs.map((e) => `"${e}"`).join(', ')} ${p.what}`,
      });
    }
    if (missingEnvs.length > 0) {
      problems.push({
        reason: 'EnvironmentNotFound',
        message: `Environment${missingEnvs.length > 1 ? 's' : ''} ${missingEnvs.map((e) => `"${e}"`).join(', ')} of DeploymentPipeline "${pipelineName}" not found`,
      });
    }

    // Cells of environments that left the pipeline: delete their Release (the engine deletes the namespace).
    for (const r of cellReleasesOf(project, org)) {
      const relName = r.metadata?.name ?? '';
      if (wanted.has(relName) || isDeleting(r)) continue;
      const envName = r.spec.environmentName;
      await ctx.client.delete(REF.Release, relName, { namespace: org });
      await ctx.manager.events.record(
        project,
        'Normal',
        'CellDeleted',
        `deleted the cell of environment "${envName}" (namespace "${dataPlaneNamespaceName(org, name, envName)}", Release "${relName}"): its environment left the pipeline`,
      );
    }

    // A new project whose cells are only waiting for the engine's first report: that report (an event of the
    // owned Releases) brings us back, and the first status then says Ready — no "progressing" write and no event
    // in between. The requeue covers a slow engine.
    if (!readyOf(project) && problems.length > 0 && problems.every((p) => p.reason === 'CellsProgressing')) {
      return { requeueAfterMs: 2_000 };
    }
    const createdNow = cells.filter((c) => !oldCells?.some((o) => o.namespace === c.namespace));
    const wasReady = readyOf(project)?.status === 'True';
    await writeStatus(
      ctx,
      FIELD_MANAGER,
      REF.Project,
      project,
      projectReadiness(problems, cells, noBaselineNote(noBaseline)),
      { cells },
    );
    if (createdNow.length > 0 && wasReady) {
      // Cells added to a project that was already Ready (its pipeline grew): one event for all of them. When the
      // project becomes Ready, the Ready event already lists its cells.
      await ctx.manager.events.record(
        project,
        'Normal',
        'CellsReady',
        `cell namespace(s) ready: ${createdNow.map((c) => `${c.namespace} (environment "${c.environment}", DataPlane "${c.dataPlane}")`).join(', ')}`,
      );
    }
    // The engine watches what it applied (a cell deleted behind our back comes back) and reports through the
    // Release's status, which brings us back: no periodic pass is needed here.
    return retry ? { requeueAfterMs: 5_000 } : undefined;
  }

  const byPipeline = (p: KubeObject) => {
    const ns = p.metadata?.namespace;
    if (!ns) return [];
    return projects()
      .list(ns)
      .filter((pr) => pipelineOf(pr) === p.metadata?.name)
      .map((pr) => `${ns}/${pr.metadata?.name}`);
  };

  return {
    name: 'project',
    for: REF.Project,
    watches: [
      { ref: REF.DeploymentPipeline, map: byPipeline },
      { ref: REF.Environment, map: (e) => keysIn(projects(), e.metadata?.namespace) },
      { ref: REF.DataPlane, map: (d) => keysIn(projects(), d.metadata?.namespace) },
      // Components matter only to a project being deleted (it waits for them to go): every status step of
      // every component queued its project for a pass, a namespace list included.
      watchOf(REF.Component, (c) => {
        const ns = c.metadata?.namespace;
        if (!ns) return [];
        return isDeleting(projects().getByName(componentProject(c), ns))
          ? [`${ns}/${componentProject(c)}`]
          : [];
      }),
    ],
    // The engine reports on each cell in a few steps: take them together.
    owns: [{ ref: REF.Release, delayMs: 300 }],
    reads: [KUBE_REF.Secret],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
