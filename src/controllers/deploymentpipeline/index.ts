/**
 * DeploymentPipeline: Ready when every referenced environment exists, no path targets its own source and the
 * paths form no cycle (`EnvironmentNotFound` naming the missing ones, `CycleDetected` naming the cycle). Watches
 * Environments, so it recovers by itself when a missing one is created.
 */
import { REF } from '../../api/refs.js';
import type { Request, Result } from '../runtime/controller.js';
import { type ControllerFactory, cache, isDeleting, keysIn, writeStatus } from '../shared.js';
import { validatePipeline } from './graph.js';

export const FIELD_MANAGER = 'deploymentpipeline-controller';

export const deploymentPipelineController: ControllerFactory = (ctx) => {
  const pipelines = () => cache(ctx.manager, REF.DeploymentPipeline);
  const envs = () => cache(ctx.manager, REF.Environment);

  async function reconcile(req: Request): Promise<Result | undefined> {
    const pipeline = pipelines().getByName(req.name, req.namespace);
    if (!pipeline || isDeleting(pipeline)) return undefined;
    const verdict = validatePipeline(pipeline.spec, (name) => {
      const e = envs().getByName(name, req.namespace);
      return !!e && !isDeleting(e);
    });
    await writeStatus(ctx, FIELD_MANAGER, REF.DeploymentPipeline, pipeline, verdict);
    return undefined;
  }

  return {
    name: 'deploymentpipeline',
    for: REF.DeploymentPipeline,
    watches: [{ ref: REF.Environment, map: (e) => keysIn(pipelines(), e.metadata?.namespace) }],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
