/**
 * Whether a Release (or the binding about to write one) may deploy at all: its project exists, its environment is
 * on that project's DeploymentPipeline, and its component exists in that project — or, for a Release without a
 * component (a project's cell), it is controlled by that very Project. Pure: the caller passes its cache lookups.
 *
 * Every environment of the pipeline is legitimate (the first one is where instances deploy; the later ones are
 * the targets of its promotion paths); an environment the pipeline does not name is never reached, whoever writes
 * the binding or the Release. Approvals on promotion paths are promotion's business (a later issue).
 */
import type { Component } from '../../api/kinds/development.js';
import type { Project } from '../../api/kinds/platform.js';
import type { KubeObject } from '../../kube/client.js';
import { componentProject } from '../component/index.js';
import { type PipelineSpec, pipelineEnvironments } from '../deploymentpipeline/graph.js';
import { isDeleting, type ReadyInput, type Stored } from '../shared.js';

export interface OwnerLookups {
  project(name: string): Pick<Stored<Project>, 'metadata' | 'spec'> | undefined;
  pipeline(name: string): (Pick<KubeObject, 'metadata'> & { spec?: PipelineSpec }) | undefined;
  component(name: string): Pick<Stored<Component>, 'metadata' | 'spec'> | undefined;
}

export interface Claim {
  organization: string;
  projectName: string;
  /** Empty: a Release of the project itself (its cell), which `controller` must prove. */
  componentName?: string;
  environment: string;
  /** The controller ownerReference of the Release, when there is one. */
  controller?: { kind: string; name: string; uid: string };
}

function problem(reason: string, message: string): ReadyInput {
  return { status: 'False', reason, message };
}

/** The Ready=False that stops a deployment, or undefined when the claim is legitimate. */
export function ownerProblem(c: Claim, get: OwnerLookups): ReadyInput | undefined {
  const project = get.project(c.projectName);
  if (!project) {
    return problem(
      'ProjectNotFound',
      `Project "${c.projectName}" not found in namespace "${c.organization}": nothing is deployed; create the project or fix spec.owner.projectName`,
    );
  }
  const pipelineName = project.spec.deploymentPipelineRef ?? '';
  const pipeline = get.pipeline(pipelineName);
  if (!pipeline || isDeleting(pipeline)) {
    return problem(
      'DeploymentPipelineNotFound',
      `DeploymentPipeline "${pipelineName}" of Project "${c.projectName}" not found in namespace "${c.organization}": nothing is deployed`,
    );
  }
  const envs = pipelineEnvironments(pipeline.spec);
  if (!envs.includes(c.environment)) {
    return problem(
      'EnvironmentNotOnPipeline',
      `Environment "${c.environment}" is not on DeploymentPipeline "${pipelineName}" of Project "${c.projectName}" (${envs.length ? `its environments: ${envs.join(', ')}` : 'it names no environment'}): nothing is deployed; deploy to an environment of the pipeline, or add the environment to the pipeline's promotion paths`,
    );
  }
  if (!c.componentName) {
    const ctl = c.controller;
    if (ctl?.kind !== 'Project' || ctl.name !== c.projectName || ctl.uid !== project.metadata?.uid) {
      return problem(
        'ComponentNotFound',
        `spec.owner.componentName is empty and the Release is not controlled by Project "${c.projectName}": nothing is deployed; name the component that owns these objects`,
      );
    }
    return undefined;
  }
  const component = get.component(c.componentName);
  if (!component) {
    return problem(
      'ComponentNotFound',
      `Component "${c.componentName}" not found in namespace "${c.organization}": nothing is deployed; create the component or fix spec.owner.componentName`,
    );
  }
  if (componentProject(component) !== c.projectName) {
    return problem(
      'ComponentNotFound',
      `Component "${c.componentName}" belongs to Project "${componentProject(component)}", not "${c.projectName}": nothing is deployed; fix spec.owner`,
    );
  }
  return undefined;
}

/** The controller ownerReference of an object, as a Claim wants it. */
export function controllerOf(o: KubeObject): Claim['controller'] {
  const r = (o.metadata?.ownerReferences ?? []).find((x) => x.controller === true);
  return r ? { kind: r.kind ?? '', name: r.name ?? '', uid: r.uid ?? '' } : undefined;
}
