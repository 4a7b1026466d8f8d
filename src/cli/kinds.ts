/**
 * The OpenChoreo kinds as the CLI needs them on its hot path: names, scope, apply rank and printer columns.
 *
 * A zod-free mirror of the registry in src/api (importing the registry loads every schema, ~200 ms):
 * test/unit/cli/kinds.test.ts fails when the two drift apart and prints the table to paste here.
 * READY (the Ready condition with its reason) and AGE are added to every kind's table by the printers.
 */
export const API_GROUP = 'openchoreo.dev';
export const API_VERSION_V1ALPHA1 = 'v1alpha1';
export const API_VERSION = `${API_GROUP}/${API_VERSION_V1ALPHA1}`;

export interface KindColumn {
  readonly name: string;
  readonly jsonPath: string;
  readonly type?: 'boolean' | 'integer' | 'number' | 'date';
}

export interface KindInfo {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** Apply order: lower first (deleted last). */
  readonly rank: number;
  /** Printer columns between NAME and READY. */
  readonly columns: readonly KindColumn[];
}

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'Organization',
    plural: 'organizations',
    singular: 'organization',
    shortNames: ['org', 'orgs'],
    namespaced: false,
    rank: 0,
    columns: [
      {
        name: 'Namespace',
        jsonPath: '.status.namespace',
      },
    ],
  },
  {
    kind: 'DataPlane',
    plural: 'dataplanes',
    singular: 'dataplane',
    shortNames: ['dp', 'dps'],
    namespaced: true,
    rank: 1,
    columns: [
      {
        name: 'Server',
        jsonPath: '.spec.kubernetesCluster.server',
      },
      {
        name: 'PublicHost',
        jsonPath: '.spec.gateway.publicVirtualHost',
      },
    ],
  },
  {
    kind: 'BuildPlane',
    plural: 'buildplanes',
    singular: 'buildplane',
    shortNames: ['bp', 'bps'],
    namespaced: true,
    rank: 1,
    columns: [
      {
        name: 'Server',
        jsonPath: '.spec.kubernetesCluster.server',
      },
    ],
  },
  {
    kind: 'Environment',
    plural: 'environments',
    singular: 'environment',
    shortNames: ['env', 'envs'],
    namespaced: true,
    rank: 2,
    columns: [
      {
        name: 'DataPlane',
        jsonPath: '.spec.dataPlaneRef',
      },
      {
        name: 'Production',
        jsonPath: '.spec.isProduction',
        type: 'boolean',
      },
    ],
  },
  {
    kind: 'DeploymentPipeline',
    plural: 'deploymentpipelines',
    singular: 'deploymentpipeline',
    shortNames: ['deppipe', 'deppipes'],
    namespaced: true,
    rank: 3,
    columns: [],
  },
  {
    kind: 'Project',
    plural: 'projects',
    singular: 'project',
    shortNames: ['proj', 'projs'],
    namespaced: true,
    rank: 4,
    columns: [
      {
        name: 'Pipeline',
        jsonPath: '.spec.deploymentPipelineRef',
      },
    ],
  },
  {
    kind: 'ServiceClass',
    plural: 'serviceclasses',
    singular: 'serviceclass',
    shortNames: ['svcclass', 'svcclasses'],
    namespaced: true,
    rank: 5,
    columns: [],
  },
  {
    kind: 'WebApplicationClass',
    plural: 'webapplicationclasses',
    singular: 'webapplicationclass',
    shortNames: ['webappclass', 'webappclasses'],
    namespaced: true,
    rank: 5,
    columns: [],
  },
  {
    kind: 'ScheduledTaskClass',
    plural: 'scheduledtaskclasses',
    singular: 'scheduledtaskclass',
    shortNames: ['taskclass', 'taskclasses'],
    namespaced: true,
    rank: 5,
    columns: [],
  },
  {
    kind: 'APIClass',
    plural: 'apiclasses',
    singular: 'apiclass',
    shortNames: ['apiclass'],
    namespaced: true,
    rank: 5,
    columns: [],
  },
  {
    kind: 'Component',
    plural: 'components',
    singular: 'component',
    shortNames: ['comp', 'comps'],
    namespaced: true,
    rank: 6,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Type',
        jsonPath: '.spec.type',
      },
    ],
  },
  {
    kind: 'Workload',
    plural: 'workloads',
    singular: 'workload',
    shortNames: ['wl', 'wls'],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
    ],
  },
  {
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    shortNames: ['csvc', 'csvcs'],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Class',
        jsonPath: '.spec.className',
      },
    ],
  },
  {
    kind: 'WebApplication',
    plural: 'webapplications',
    singular: 'webapplication',
    shortNames: ['webapp', 'webapps'],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Class',
        jsonPath: '.spec.className',
      },
    ],
  },
  {
    kind: 'ScheduledTask',
    plural: 'scheduledtasks',
    singular: 'scheduledtask',
    shortNames: ['task', 'tasks'],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Class',
        jsonPath: '.spec.className',
      },
    ],
  },
  {
    kind: 'API',
    plural: 'apis',
    singular: 'api',
    shortNames: [],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'Project',
        jsonPath: '.spec.owner.projectName',
      },
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environmentName',
      },
      {
        name: 'Address',
        jsonPath: '.status.address',
      },
    ],
  },
  {
    kind: 'ConfigurationGroup',
    plural: 'configurationgroups',
    singular: 'configurationgroup',
    shortNames: ['configgrp', 'configgrps'],
    namespaced: true,
    rank: 7,
    columns: [
      {
        name: 'DisplayName',
        jsonPath: '.metadata.annotations.openchoreo\\.dev/display-name',
      },
      {
        name: 'Organization',
        jsonPath: '.metadata.labels.openchoreo\\.dev/organization',
      },
    ],
  },
  {
    kind: 'ServiceBinding',
    plural: 'servicebindings',
    singular: 'servicebinding',
    shortNames: ['svcbinding', 'svcbindings'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environment',
      },
      {
        name: 'State',
        jsonPath: '.spec.releaseState',
      },
    ],
  },
  {
    kind: 'WebApplicationBinding',
    plural: 'webapplicationbindings',
    singular: 'webapplicationbinding',
    shortNames: ['webappbinding', 'webappbindings'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environment',
      },
      {
        name: 'State',
        jsonPath: '.spec.releaseState',
      },
    ],
  },
  {
    kind: 'ScheduledTaskBinding',
    plural: 'scheduledtaskbindings',
    singular: 'scheduledtaskbinding',
    shortNames: ['taskbinding', 'taskbindings'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environment',
      },
      {
        name: 'State',
        jsonPath: '.spec.releaseState',
      },
    ],
  },
  {
    kind: 'APIBinding',
    plural: 'apibindings',
    singular: 'apibinding',
    shortNames: ['apibinding', 'apibindings'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'API',
        jsonPath: '.spec.apiName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environmentName',
      },
      {
        name: 'State',
        jsonPath: '.spec.releaseState',
      },
    ],
  },
  {
    kind: 'Build',
    plural: 'builds',
    singular: 'build',
    shortNames: ['bld', 'blds'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Phase',
        jsonPath: '.status.phase',
      },
      {
        name: 'Image',
        jsonPath: '.status.imageStatus.image',
      },
    ],
  },
  {
    kind: 'DeployableArtifact',
    plural: 'deployableartifacts',
    singular: 'deployableartifact',
    shortNames: ['da', 'das'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'Build',
        jsonPath: '.spec.targetArtifact.fromBuildRef.name',
      },
    ],
  },
  {
    kind: 'DeploymentTrack',
    plural: 'deploymenttracks',
    singular: 'deploymenttrack',
    shortNames: ['deptrack', 'deptracks'],
    namespaced: true,
    rank: 8,
    columns: [
      {
        name: 'AutoDeploy',
        jsonPath: '.spec.autoDeploy',
        type: 'boolean',
      },
    ],
  },
  {
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    shortNames: ['dep', 'deps'],
    namespaced: true,
    rank: 9,
    columns: [
      {
        name: 'Artifact',
        jsonPath: '.spec.deploymentArtifactRef',
      },
    ],
  },
  {
    kind: 'Release',
    plural: 'releases',
    singular: 'release',
    shortNames: ['rel', 'rels'],
    namespaced: true,
    rank: 9,
    columns: [
      {
        name: 'Component',
        jsonPath: '.spec.owner.componentName',
      },
      {
        name: 'Environment',
        jsonPath: '.spec.environmentName',
      },
    ],
  },
  {
    kind: 'Endpoint',
    plural: 'endpoints',
    singular: 'endpoint',
    shortNames: ['endpt', 'endpts'],
    namespaced: true,
    rank: 9,
    columns: [
      {
        name: 'Type',
        jsonPath: '.spec.type',
      },
      {
        name: 'Address',
        jsonPath: '.status.address',
      },
    ],
  },
  {
    kind: 'GitCommitRequest',
    plural: 'gitcommitrequests',
    singular: 'gitcommitrequest',
    shortNames: ['gitcommit', 'gitcommits'],
    namespaced: true,
    rank: 9,
    columns: [
      {
        name: 'Phase',
        jsonPath: '.status.phase',
      },
      {
        name: 'SHA',
        jsonPath: '.status.observedSHA',
      },
    ],
  },
];

const byName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [
    k.kind,
    k.plural,
    k.singular,
    ...k.shortNames,
    `${k.plural}.${API_GROUP}`,
    `${k.singular}.${API_GROUP}`,
  ]) {
    byName.set(n.toLowerCase(), k);
  }
}
const byKind = new Map(KINDS.map((k) => [k.kind, k]));

/**
 * Finds a kind by plural, singular, short name or Kind, optionally qualified with the group
 * (`components.openchoreo.dev`, `component.v1alpha1.openchoreo.dev`); case-insensitive.
 */
export function lookupKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase().replace(`.${API_VERSION_V1ALPHA1}.${API_GROUP}`, `.${API_GROUP}`);
  return byName.get(n);
}

/** Exact lookup by Kind (`Component`). */
export function kindByKind(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}
