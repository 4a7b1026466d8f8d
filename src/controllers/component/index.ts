/**
 * Component: validates its owner project (exists, not being deleted) and its type; Ready=False `ProjectNotFound`
 * otherwise, recovering when the project appears (Projects are watched and mapped to their components). Later
 * issues roll the status of its children up into Ready.
 */
import { COMPONENT_TYPES } from '../../api/kinds/development.js';
import type { KubeObject } from '../../kube/client.js';
import type { Request, Result } from '../runtime/controller.js';
import { type ControllerFactory, cache, isDeleting, R, type ReadyInput, writeStatus } from '../shared.js';

export const FIELD_MANAGER = 'component-controller';

export function componentProject(c: KubeObject): string {
  return ((c.spec ?? {}) as { owner?: { projectName?: string } }).owner?.projectName ?? '';
}

/** Ready of a component given its project (pure). */
export function componentReadiness(c: KubeObject, project: KubeObject | undefined): ReadyInput {
  const name = componentProject(c);
  if (!project) {
    return {
      status: 'False',
      reason: 'ProjectNotFound',
      message: `Project "${name}" not found in namespace "${c.metadata?.namespace}"`,
    };
  }
  if (isDeleting(project)) {
    return { status: 'False', reason: 'ProjectDeleting', message: `Project "${name}" is being deleted` };
  }
  const type = (c.spec as { type?: string } | undefined)?.type ?? '';
  if (!(COMPONENT_TYPES as readonly string[]).includes(type)) {
    return {
      status: 'False',
      reason: 'InvalidType',
      message: `unknown component type "${type}": expected one of ${COMPONENT_TYPES.join(', ')}`,
    };
  }
  return { status: 'True', reason: 'ComponentReady', message: `${type} of project "${name}"` };
}

export const componentController: ControllerFactory = (ctx) => {
  const components = () => cache(ctx.manager, R.components);
  const projects = () => cache(ctx.manager, R.projects);

  async function reconcile(req: Request): Promise<Result | undefined> {
    const c = components().getByName(req.name, req.namespace);
    if (!c || isDeleting(c)) return undefined;
    const project = projects().getByName(componentProject(c), req.namespace);
    await writeStatus(ctx, FIELD_MANAGER, R.components, c, componentReadiness(c, project));
    return undefined;
  }

  return {
    name: 'component',
    for: R.components,
    watches: [
      {
        ref: R.projects,
        map: (p) => {
          const ns = p.metadata?.namespace;
          if (!ns) return [];
          return components()
            .list(ns)
            .filter((c) => componentProject(c) === p.metadata?.name)
            .map((c) => `${ns}/${c.metadata?.name}`);
        },
      },
    ],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
