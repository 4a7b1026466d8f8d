/**
 * The contract between a Build and the Argo ClusterWorkflowTemplates `choreoctl install` ships (reference
 * controllers.md §4): the template names, the workflow parameters the Build controller passes, the steps and
 * the outputs it reads back. The templates (src/services/build-templates.ts) and the Build controller both
 * import these names, so they cannot drift apart.
 */

/** The ClusterWorkflowTemplates installed, by the name a Component's `spec.build.templateRef.name` uses. */
export const BUILD_TEMPLATE_NAMES = [
  'docker',
  'google-cloud-buildpacks',
  'react',
  'ballerina-buildpack',
] as const;
export type BuildTemplateName = (typeof BUILD_TEMPLATE_NAMES)[number];

/** Workflow parameters every template declares; the Build controller passes each of them. */
export const BuildParams = {
  projectName: 'project-name',
  componentName: 'component-name',
  gitRepo: 'git-repo',
  /** Branch to clone when `commit` is empty (default main). */
  branch: 'branch',
  /** Commit to build; a non-empty commit wins over the branch. */
  commit: 'commit',
  /** Path of the application inside the repository, e.g. /service-go-greeter. */
  appPath: 'app-path',
  /** `<project>-<component>` by default. */
  imageName: 'image-name',
  /** The image tag is `<image-tag>-<first 8 characters of the commit>`. */
  imageTag: 'image-tag',
} as const;
export type BuildParamName = (typeof BuildParams)[keyof typeof BuildParams];

/** The common parameters, in the order the templates declare them. */
export const BUILD_PARAMETER_NAMES: readonly BuildParamName[] = Object.values(BuildParams);

/** Extra parameters (a Component's `templateRef.parameters`) of each template, with their defaults. */
export const BUILD_TEMPLATE_EXTRA_PARAMETERS: Readonly<
  Record<BuildTemplateName, Readonly<Record<string, string>>>
> = {
  docker: { 'docker-context': '.', 'dockerfile-path': 'Dockerfile' },
  'google-cloud-buildpacks': {},
  react: { 'node-version': '20' },
  'ballerina-buildpack': {},
};

/** Default values of the common parameters that may be left out. */
export const BUILD_PARAMETER_DEFAULTS: Readonly<Partial<Record<BuildParamName, string>>> = {
  [BuildParams.branch]: 'main',
  [BuildParams.commit]: '',
  [BuildParams.appPath]: '.',
  [BuildParams.imageTag]: 'default',
};

/** The entrypoint and the four steps, in order (each is also the name of its template in the workflow). */
export const BUILD_ENTRYPOINT = 'build-workflow';
export const BuildSteps = {
  clone: 'clone-step',
  build: 'build-step',
  push: 'push-step',
  workloadCreate: 'workload-create-step',
} as const;
export const BUILD_STEP_NAMES = [
  BuildSteps.clone,
  BuildSteps.build,
  BuildSteps.push,
  BuildSteps.workloadCreate,
];

/** Output parameters the Build controller reads from the workflow's nodes (by the node's templateName). */
export const BuildOutputs = {
  /** Of clone-step: the first 8 characters of the commit cloned. */
  gitRevision: { step: BuildSteps.clone, name: 'git-revision' },
  /** Of push-step: the pushed image, `<registry>/<image-name>:<image-tag>-<git-revision>`. */
  image: { step: BuildSteps.push, name: 'image' },
  /** Of workload-create-step: the Workload (YAML) that `choreoctl create workload` produced. */
  workloadCr: { step: BuildSteps.workloadCreate, name: 'workload-cr' },
} as const;

/** Where a template expects the developer's workload descriptor, relative to `app-path`. */
export const WORKLOAD_DESCRIPTOR_FILE = 'workload.yaml';

export function isBuildTemplateName(name: string): name is BuildTemplateName {
  return (BUILD_TEMPLATE_NAMES as readonly string[]).includes(name);
}
