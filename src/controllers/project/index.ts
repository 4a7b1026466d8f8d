/**
 * Project: a Cell — one namespace per environment of its DeploymentPipeline, named
 * `dp-<org>-<project>-<env>-<hash>` (≤63 characters), in that environment's DataPlane cluster, labelled with the
 * control-plane `openchoreo.dev/*` and data-plane `*-name` labels. `status.cells` lists the cells that are ready.
 *
 * The project writes nothing to a data plane itself: each cell (the Namespace and its network baseline
 * `cell-baseline`, a default-deny CiliumNetworkPolicy allowing in-cell traffic and DNS; see baseline.ts) is a
 * Release-shaped unit that the Release engine — the one writer to data planes (release/engine.ts) — applies,
 * re-applies, prunes and reports on in-process, with its own field manager. The unit is never stored: a stored
 * Release per cell cost a create, a status write and two reconciles each (3 environments: 6 writes per project),
 * and the project's status is where the cell is reported anyway. Its ownership uid is derived from the
 * Project's uid and the environment (cellUid); the engine's watches of what it applied queue the Project. A
 * data plane without Cilium's CRDs (asked through discovery, a read) gets its cells without the baseline, and
 * the Ready message says so.
 *
 * Ready=False names what is missing: `DeploymentPipelineNotFound`, `EnvironmentNotFound`, `DataPlaneNotFound`,
 * `DataPlaneNotReady`, `CellProvisioningFailed` (the engine's message), `CellsProgressing`; every referenced kind
 * is watched, so it recovers by itself. Cells of environments that left the pipeline are deleted by the engine.
 * The finalizer (declared: the runtime adds and removes it) deletes the project's components (and waits for
 * them), then its cells in every environment of the organization (and waits for them to go). Cell Releases of
 * earlier versions, controlled by the Project, are deleted (the engine cleans up what they applied).
 */

import { createHash } from 'node:crypto';
import type { Project } from '../../api/kinds/platform.js';
import { API_VERSION } from '../../api/kinds-meta.js';
import { DataPlaneLabels, Finalizers, hierarchyLabels, Labels, LabelValues } from '../../api/labels.js';
import {
  dataPlaneNamespaceName,
  generateK8sNameWithLengthLimit,
  MAX_LABEL_NAME_LENGTH,
} from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { componentProject } from '../component/index.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { pipelineEnvironments } from '../deploymentpipeline/graph.js';
import { PlaneCredentialsError, type PlaneObject } from '../planes.js';
import { engineOf } from '../release/engine.js';
import { cellOf, describeFailures, desiredObjects, type StoredRelease } from '../release/plan.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  BY_CONTROLLER,
  BY_PROJECT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  controlledBy,
  controllerRef,
  hasLabels,
  inNamespace,
  isDeleting,
  keysIn,
  type ReadyInput,
  readyOf,
  type Stored,
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
 * Ownership uid of a project's cell in one environment (the `release-uid` label of what the engine applies
 * there): the Project's uid and a hash of the environment, so a project deleted and created again under the
 * same name owns nothing of its predecessor's.
 */
export function cellUid(projectUid: string, environment: string): string {
  return `${projectUid}-${createHash('sha256').update(environment).digest('hex').slice(0, 8)}`;
}

/**
 * The unit the engine applies for one cell: a Release that is never stored, holding the cell Namespace and
 * (when the plane serves CiliumNetworkPolicy) its baseline, no component (only a project's own cell may hold
 * the cell Namespace).
 */
export function cellUnit(
  project: Pick<Stored<Project>, 'metadata'>,
  environment: string,
  baseline: boolean,
): StoredRelease {
  const org = project.metadata.namespace ?? '';
  const name = project.metadata.name ?? '';
  const ns = dataPlaneNamespaceName(org, name, environment);
  return {
    apiVersion: API_VERSION,
    kind: 'Release',
    metadata: {
      name: cellReleaseName(name, environment),
      namespace: org,
      uid: cellUid(project.metadata.uid ?? '', environment),
      labels: hierarchyLabels({ organization: org, project: name, environment }),
      // Controlled by the Project: the one owner that may hold the cell Namespace (legitimacy.ts).
      ownerReferences: [controllerRef(project, 'Project')],
    },
    spec: {
      owner: { projectName: name },
      environmentName: environment,
      interval: '5m',
      progressingInterval: '10s',
      resources: [
        { id: 'namespace', object: cellNamespace(org, name, environment) },
        ...(baseline
          ? [{ id: 'cell-baseline', object: cellBaseline(ns, cellLabels(org, name, environment)) }]
          : []),
      ],
    },
  };
}

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

/** The planes to clean a cell from: its environment's DataPlane, or every DataPlane of the organization. */
function cellPlanes(ctx: ControllerContext, org: string, environment: string): PlaneObject[] {
  const env = cache(ctx.manager, REF.Environment).getByName(environment, org);
  const dps = cache(ctx.manager, REF.DataPlane);
  if (!env) return dps.list(org);
  const dp = dps.getByName(environmentDataPlane(env), org);
  return dp ? [dp] : [];
}

/**
 * Delete a project's cells in these environments through the engine (fresh lists by the cells' uids; the cell
 * Namespace takes everything in it along). Returns how many objects are still going away; throws naming the
 * plane that could not be cleaned.
 */
export async function deleteCells(
  ctx: ControllerContext,
  project: Pick<Stored<Project>, 'metadata'>,
  environments: readonly string[],
): Promise<number> {
  const engine = engineOf(ctx.manager, ctx.log, ctx.planes);
  const org = project.metadata.namespace ?? '';
  let pending = 0;
  for (const envName of environments) {
    const planes = cellPlanes(ctx, org, envName).map((dp) => ({
      dp,
      client: ctx.planes.client(dp, { allowStale: true }),
    }));
    if (planes.length === 0) continue;
    pending += await engine.cleanup(cellUnit(project, envName, true), planes, {
      where: `project ${org}/${project.metadata.name} cell "${envName}"`,
      log: ctx.log,
      wellKnown: false,
    });
  }
  return pending;
}

export const projectController: ControllerFactory = (ctx) => {
  const projects = () => cache(ctx.manager, REF.Project);
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
  const envs = () => cache(ctx.manager, REF.Environment);
  const dps = () => cache(ctx.manager, REF.DataPlane);
  const components = () => cache(ctx.manager, REF.Component);
  const releases = () => cache(ctx.manager, REF.Release);
  const engine = engineOf(ctx.manager, ctx.log, ctx.planes);
  const cellReleasesOf = (project: KubeObject, org: string) =>
    releases()
      .indexed(BY_CONTROLLER, project.metadata?.uid ?? '')
      .filter((r) => r.metadata.namespace === org && controlledBy(r, project));

  function pipelineOf(project: Pick<Stored<Project>, 'spec'>): string {
    return project.spec.deploymentPipelineRef ?? '';
  }

  /** Deleting: components, then cell Releases of earlier versions, then the cells; the runtime then drops the finalizer. */
  async function finalize(obj: KubeObject): Promise<Result | undefined> {
    const project = projects().getByName(obj.metadata?.name ?? '', obj.metadata?.namespace);
    if (!project) return undefined;
    const org = project.metadata.namespace ?? '';
    const name = project.metadata.name ?? '';
    const waiting = async (message: string) => {
      await writeStatus(ctx, FIELD_MANAGER, REF.Project, project, {
        status: 'False',
        reason: 'ProjectFinalizing',
        message,
      });
      return { requeueAfterMs: 5_000 };
    };
    // 1. Components first (they will own data-plane objects inside the cells).
    const comps = components().indexed(BY_PROJECT, inNamespace(org, name));
    if (comps.length > 0) {
      for (const c of comps) {
        if (!isDeleting(c))
          await ctx.client.delete(REF.Component, c.metadata?.name ?? '', { namespace: org });
      }
      return waiting(`waiting for ${comps.length} component(s) to be deleted`);
    }
    // 2. Cell Releases of earlier versions: the engine deletes what they applied before letting them go.
    const cellReleases = cellReleasesOf(project, org);
    for (const r of cellReleases) {
      if (!isDeleting(r)) await ctx.client.delete(REF.Release, r.metadata?.name ?? '', { namespace: org });
    }
    // Their deletion events bring us back; the requeue covers a missed one.
    if (cellReleases.length > 0) return waiting(`waiting for ${cellReleases.length} cell(s) to be deleted`);
    // 3. The cells, in every environment of the organization (one that left the pipeline may still hold one).
    const pending = await deleteCells(
      ctx,
      project,
      envs()
        .list(org)
        .map((e) => e.metadata?.name ?? ''),
    );
    if (pending > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Project, project, {
        status: 'False',
        reason: 'ProjectFinalizing',
        message: `waiting for ${pending} cell object(s) to be deleted`,
      });
      return { requeueAfterMs: 1_000 };
    }
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const project = projects().getByName(req.name, req.namespace);
    if (!project || isDeleting(project)) return undefined; // deleting: the declared finalizer's work
    const org = req.namespace ?? '';
    const name = req.name;
    const oldCells = project.status?.cells;
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
    let attention = false;
    /** What the engine made of one environment's cell. */
    type CellOutcome =
      | { state: 'ready'; cell: Cell; noBaseline: boolean }
      | { state: 'provisioning'; noBaseline: boolean }
      | { state: 'failed'; message: string; noBaseline?: boolean };
    // The cache checks first, in pipeline order; then the cells' engine passes, all environments at once (each
    // is its own unit on its own namespace: nothing orders them), folded back in pipeline order.
    const passes: { envName: string; dpName: string; outcome: Promise<CellOutcome> }[] = [];
    for (const envName of pipelineEnvironments(pipeline.spec)) {
      const nsName = dataPlaneNamespaceName(org, name, envName);
      wanted.add(envName);
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
      const pass = async (): Promise<CellOutcome> => {
        let served: boolean | undefined;
        try {
          const client = ctx.planes.client(dp);
          // Discovery only (cached by the plane's client): whether the baseline can be part of the cell.
          served = await baselineServed(client);
          const noBaseline = !served;
          const unit = cellUnit(project, envName, served);
          const { desired, failures, violations } = desiredObjects(unit, cellOf(unit));
          if (violations.length + failures.length > 0) {
            return { state: 'failed', message: describeFailures([...violations, ...failures]), noBaseline };
          }
          // What the engine applied here: its events bring this project back.
          engine.route(unit.metadata.uid ?? '', 'project', req.key);
          const result = await engine.sync(unit, desired, {
            client,
            dp,
            recorded: undefined, // a cell's objects never leave it: nothing to prune
            safetyNet: false,
            where: `project ${org}/${name} cell "${envName}"`,
            log: ctx.log,
          });
          attention ||= result.attention;
          if (result.ready.status === 'True') {
            return {
              state: 'ready',
              cell: { environment: envName, namespace: nsName, dataPlane: dpName },
              noBaseline,
            };
          }
          if (result.ready.reason === 'ApplyFailed' || result.ready.reason === 'ResourcesDegraded') {
            retry = true;
            return {
              state: 'failed',
              message: `${result.ready.reason}: ${result.ready.message}`,
              noBaseline,
            };
          }
          return { state: 'provisioning', noBaseline };
        } catch (e) {
          retry = true;
          return {
            state: 'failed',
            message: e instanceof PlaneCredentialsError ? e.message : (e as Error).message,
            ...(served === undefined ? {} : { noBaseline: !served }),
          };
        }
      };
      passes.push({ envName, dpName, outcome: pass() });
    }
    for (const { envName, dpName, outcome } of passes) {
      const o = await outcome;
      if (o.noBaseline) noBaseline.set(dpName, [...(noBaseline.get(dpName) ?? []), envName]);
      if (o.state === 'ready') cells.push(o.cell);
      else if (o.state === 'provisioning') provisioning.push(envName);
      else {
        problems.push({
          reason: 'CellProvisioningFailed',
          message: `cell of environment "${envName}" in DataPlane "${dpName}": ${o.message}`,
        });
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

    // Cells of environments that left the pipeline (or were never on it): the engine deletes what it holds there.
    const leaving = new Set([
      ...(oldCells ?? []).map((c) => c.environment),
      ...envs()
        .list(org)
        .map((e) => e.metadata?.name ?? ''),
    ]);
    for (const envName of leaving) {
      if (wanted.has(envName)) continue;
      const uid = cellUid(project.metadata.uid ?? '', envName);
      const listed = oldCells?.find((c) => c.environment === envName);
      if (!listed && !cellPlanes(ctx, org, envName).some((dp) => engine.holds(dp, uid))) continue;
      try {
        if ((await deleteCells(ctx, project, [envName])) > 0) retry = true;
      } catch (e) {
        retry = true;
        problems.push({
          reason: 'CellProvisioningFailed',
          message: `cell of environment "${envName}" (not on the pipeline): ${(e as Error).message}`,
        });
        continue;
      }
      if (listed) {
        await ctx.manager.events.record(
          project,
          'Normal',
          'CellDeleted',
          `deleted the cell of environment "${envName}" (namespace "${listed.namespace}"): its environment left the pipeline`,
        );
      }
    }
    // Cell Releases of earlier versions: the engine cleans up what they applied (the cells here are ours now).
    for (const r of cellReleasesOf(project, org)) {
      if (!isDeleting(r)) await ctx.client.delete(REF.Release, r.metadata?.name ?? '', { namespace: org });
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
    // The engine watches what it applied (a cell deleted behind our back queues this project again).
    return retry || attention ? { requeueAfterMs: 5_000 } : undefined;
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
    // Cell Releases of earlier versions (deleted): their deletion brings a finalizing project back.
    owns: [REF.Release],
    reads: [KUBE_REF.Secret],
    reconciler: { reconcile },
    finalizer: { name: Finalizers.project, finalize },
    onStop: () => engine.stop(),
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
