/** Label and annotation keys (reference §1.4). Values are logical names, which may differ from metadata.name. */

export const LABEL_PREFIX = 'openchoreo.dev/';

/** Control-plane labels. */
export const Labels = {
  organization: 'openchoreo.dev/organization',
  project: 'openchoreo.dev/project',
  component: 'openchoreo.dev/component',
  environment: 'openchoreo.dev/environment',
  deploymentTrack: 'openchoreo.dev/deployment-track',
  build: 'openchoreo.dev/build',
  deployableArtifact: 'openchoreo.dev/deployable-artifact',
  deployment: 'openchoreo.dev/deployment',
  dataPlane: 'openchoreo.dev/dataplane',
  buildPlane: 'openchoreo.dev/build-plane',
  name: 'openchoreo.dev/name',
  managedBy: 'openchoreo.dev/managed-by',
  createdBy: 'openchoreo.dev/created-by',
  releaseResourceId: 'openchoreo.dev/release-resource-id',
  releaseUid: 'openchoreo.dev/release-uid',
  releaseName: 'openchoreo.dev/release-name',
  releaseNamespace: 'openchoreo.dev/release-namespace',
} as const;

/** Well-known label values. */
export const LabelValues = {
  managedByControlPlane: 'openchoreo-control-plane',
  managedByReleaseController: 'release-controller',
  managedByBuildController: 'build-controller',
  createdByReleaseController: 'release-controller',
  dataPlaneManagedBy: 'choreo-deployment-controller',
  belongToUserWorkloads: 'user-workloads',
  targetBuild: 'build',
  targetRuntime: 'runtime',
  targetGateway: 'gateway',
} as const;

export const Annotations = {
  displayName: 'openchoreo.dev/display-name',
  description: 'openchoreo.dev/description',
} as const;

/** Data-plane labels (no prefix). */
export const DataPlaneLabels = {
  organization: 'organization-name',
  project: 'project-name',
  environment: 'environment-name',
  component: 'component-name',
  componentType: 'component-type',
  deploymentTrack: 'deployment-track-name',
  deployment: 'deployment-name',
  build: 'build-name',
  uuid: 'uuid',
  target: 'target',
  gatewayVisibility: 'gateway-visibility',
  managedBy: 'managed-by',
  belongTo: 'belong-to',
} as const;

/** Finalizers used by the controllers. */
export const Finalizers = {
  organization: 'openchoreo.dev/delete-namespace',
  project: 'openchoreo.dev/project-cleanup',
  environment: 'openchoreo.dev/environment-cleanup',
  dataPlane: 'openchoreo.dev/dataplane-cleanup',
  deploymentTrack: 'openchoreo.dev/deploymenttrack-cleanup',
  deployableArtifact: 'openchoreo.dev/deployableartifact-cleanup',
  deployment: 'openchoreo.dev/data-plane-cleanup',
  endpoint: 'openchoreo.dev/endpoint-deletion',
  release: 'openchoreo.dev/dataplane-cleanup',
  build: 'openchoreo.dev/build-cleanup',
} as const;

export interface Hierarchy {
  organization: string;
  project?: string;
  component?: string;
  environment?: string;
}

/** Control-plane hierarchy labels for an object (organization, project, component, environment). */
export function hierarchyLabels(h: Hierarchy): Record<string, string> {
  const out: Record<string, string> = { [Labels.organization]: h.organization };
  if (h.project !== undefined) out[Labels.project] = h.project;
  if (h.component !== undefined) out[Labels.component] = h.component;
  if (h.environment !== undefined) out[Labels.environment] = h.environment;
  return out;
}

/** The labels new-model renderers put on data-plane objects. */
export function dataPlaneLabels(h: Required<Hierarchy>): Record<string, string> {
  return {
    [DataPlaneLabels.organization]: h.organization,
    [DataPlaneLabels.project]: h.project,
    [DataPlaneLabels.environment]: h.environment,
    [DataPlaneLabels.component]: h.component,
  };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether `v` is a valid Kubernetes label value (≤63 chars, alphanumeric ends, `-_.` inside). */
export function isValidLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v);
}
