/**
 * Project: a Cell — one namespace per environment of its DeploymentPipeline, named
 * `dp-<org>-<project>-<env>-<hash>` (≤63 characters), in that environment's DataPlane cluster, labelled with the
 * control-plane `openchoreo.dev/*` and data-plane `*-name` labels. `status.cells` lists them.
 *
 * Each cell also gets its network baseline (`cell-baseline`, a default-deny CiliumNetworkPolicy allowing in-cell
 * traffic and DNS; see baseline.ts), written only when it is not as desired. A data plane without Cilium's CRDs
 * gets its cells without it, and the Ready message says so (no error, no retry loop).
 *
 * Ready=False names what is missing: `DeploymentPipelineNotFound`, `EnvironmentNotFound`, `DataPlaneNotFound`,
 * `DataPlaneNotReady`, `CellProvisioningFailed`; every referenced kind is watched, so it recovers by itself.
 * Cells of environments that left the pipeline are deleted. The finalizer deletes the project's components
 * (and waits for them), then its cells in every data plane (and waits for them).
 */
import { DataPlaneLabels, Finalizers, Labels, LabelValues } from '../../api/labels.js';
import { dataPlaneNamespaceName } from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import { componentProject } from '../component/index.js';
import { environmentDataPlane } from '../dataplane/index.js';
import { pipelineEnvironments } from '../deploymentpipeline/graph.js';
import { cleanupPlaneNamespaces } from '../environment/cleanup.js';
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
import { CellBaselines, cellBaseline } from './baseline.js';

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
  const namespaces = () => cache(ctx.manager, KUBE_REF.Namespace);
  const baselines = new CellBaselines(FIELD_MANAGER, (key) => ctx.manager.enqueue('project', key), ctx.log);

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
    // 2. Cells, in every data plane the project has or would have cells in.
    const status = (project.status ?? {}) as { cells?: Cell[] };
    const planeNames = new Set((status.cells ?? []).map((c) => c.dataPlane));
    const pipeline = pipelines().getByName(pipelineOf(project), org);
    for (const envName of pipelineEnvironments(pipeline?.spec)) {
      const env = envs().getByName(envName, org);
      if (env) planeNames.add(environmentDataPlane(env));
    }
    let pending = 0;
    for (const dpName of planeNames) {
      pending += await cleanupPlaneNamespaces(
        ctx,
        project,
        dps().getByName(dpName, org),
        projectSelector(org, name),
      );
    }
    if (pending > 0) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Project, project, {
        status: 'False',
        reason: 'ProjectFinalizing',
        message: `waiting for ${pending} cell namespace(s) to be deleted`,
      });
      return { requeueAfterMs: 1_000 };
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
    const clients = new Map<string, ReturnType<typeof ctx.planes.client>>();
    const missingEnvs: string[] = [];
    const planeProblems = new Map<string, { reason: string; what: string; envs: string[] }>();
    const planeProblem = (dpName: string, envName: string, reason: string, what: string) => {
      const p = planeProblems.get(dpName) ?? { reason, what, envs: [] };
      p.envs.push(envName);
      planeProblems.set(dpName, p);
    };
    const noBaseline = new Map<string, string[]>();
    let retry = false;
    for (const envName of pipelineEnvironments(pipeline.spec)) {
      const nsName = dataPlaneNamespaceName(org, name, envName);
      wanted.add(nsName);
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
      try {
        const client = ctx.planes.client(dp);
        clients.set(dpName, client);
        const desired = cellNamespace(org, name, envName);
        // The control plane's own namespaces are cached: skip the write when the cell is already as wanted.
        // Remote data planes are not watched, so their cells are applied (a no-op write) every pass.
        if (client !== ctx.client || !upToDate(namespaces().getByName(nsName), desired)) {
          await client.apply(desired, { fieldManager: FIELD_MANAGER, force: true });
        }
        const baseline = cellBaseline(nsName, cellLabels(org, name, envName));
        if ((await baselines.ensure(`${org}/${dpName}`, client, baseline)) === 'absent') {
          noBaseline.set(dpName, [...(noBaseline.get(dpName) ?? []), envName]);
        }
        cells.push({ environment: envName, namespace: nsName, dataPlane: dpName });
      } catch (e) {
        retry = true;
        const msg = e instanceof PlaneCredentialsError ? e.message : (e as Error).message;
        problems.push({
          reason: 'CellProvisioningFailed',
          message: `cell of environment "${envName}" in DataPlane "${dpName}": ${msg}`,
        });
      }
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

    // Cells of environments that left the pipeline: delete them, in every plane we reached.
    for (const [dpName, client] of clients) {
      try {
        const { items } = await client.listAll(KUBE_REF.Namespace, {
          labelSelector: projectSelector(org, name),
        });
        for (const ns of items) {
          const n = ns.metadata?.name ?? '';
          if (!wanted.has(n) && !isDeleting(ns)) {
            await client.delete(KUBE_REF.Namespace, n);
            await ctx.manager.events.record(
              project,
              'Normal',
              'CellDeleted',
              `deleted cell namespace "${n}" in DataPlane "${dpName}": its environment left the pipeline`,
            );
          }
        }
      } catch (e) {
        ctx.log(`project ${org}/${name}: pruning cells in DataPlane ${dpName}: ${(e as Error).message}`);
        retry = true;
      }
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
    // Remote clusters are not watched: look again now and then (cells deleted behind our back are recreated).
    return { requeueAfterMs: retry ? 5_000 : 300_000 };
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
        const ns = c.metadata.namespace;
        if (!ns) return [];
        return isDeleting(projects().getByName(componentProject(c), ns))
          ? [`${ns}/${componentProject(c)}`]
          : [];
      }),
    ],
    reads: [KUBE_REF.Secret, KUBE_REF.Namespace],
    reconciler: { reconcile },
    onStop: () => baselines.stop(),
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
