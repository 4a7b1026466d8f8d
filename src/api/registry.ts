/**
 * The kind registry: names, scope, printer columns, apply order and the zod schema of every
 * openchoreo.dev/v1alpha1 kind. Everything else (CRDs, validation, explain, the CLI's name lookup) reads it.
 */
import type { z } from 'zod';
import { API_VERSION, GROUP, VERSION } from './dsl.js';
import * as build from './kinds/build.js';
import * as classes from './kinds/classes.js';
import * as dev from './kinds/development.js';
import * as platform from './kinds/platform.js';
import type { NameFormat } from './resource.js';

export const CATEGORY = 'openchoreo';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface KindInfo {
  kind: string;
  /** Lower-case plural, e.g. `components`: the resource name in URLs and CRD names. */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  /** Apply order: lower ranks are applied first (and deleted last). */
  rank: number;
  /** Whether the document must have a spec. */
  specRequired: boolean;
  nameFormat: NameFormat;
  description: string;
  printerColumns: PrinterColumn[];
  /** The full document schema (apiVersion, kind, metadata, spec, status). */
  schema: z.ZodObject<{ spec: z.ZodType }>;
  group: string;
  version: string;
  apiVersion: string;
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};
const REASON: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  description: 'Reason of the Ready condition.',
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const col = (name: string, jsonPath: string, type: PrinterColumn['type'] = 'string'): PrinterColumn => ({
  name,
  type,
  jsonPath,
});
const PROJECT = col('Project', '.spec.owner.projectName');
const COMPONENT = col('Component', '.spec.owner.componentName');

interface Def {
  kind: string;
  schema: z.ZodObject<{ spec: z.ZodType }>;
  rank: number;
  shortNames: string[];
  columns: PrinterColumn[];
  description: string;
  plural?: string;
  namespaced?: boolean;
  nameFormat: NameFormat;
}

const defs: Def[] = [
  // rank 0-4: platform
  {
    kind: 'Organization',
    schema: platform.Organization,
    rank: 0,
    shortNames: ['org', 'orgs'],
    columns: [col('Namespace', '.status.namespace')],
    description: 'A tenant. Cluster-scoped; its resources live in the namespace of the same name.',
    namespaced: false,
    nameFormat: 'label',
  },
  {
    kind: 'DataPlane',
    schema: platform.DataPlane,
    rank: 1,
    shortNames: ['dp', 'dps'],
    columns: [
      col('Server', '.spec.kubernetesCluster.server'),
      col('PublicHost', '.spec.gateway.publicVirtualHost'),
    ],
    description: 'A Kubernetes cluster where workloads run.',
    nameFormat: 'label',
  },
  {
    kind: 'BuildPlane',
    schema: platform.BuildPlane,
    rank: 1,
    shortNames: ['bp', 'bps'],
    columns: [col('Server', '.spec.kubernetesCluster.server')],
    description: 'A Kubernetes cluster where builds run.',
    nameFormat: 'label',
  },
  {
    kind: 'Environment',
    schema: platform.Environment,
    rank: 2,
    shortNames: ['env', 'envs'],
    columns: [col('DataPlane', '.spec.dataPlaneRef'), col('Production', '.spec.isProduction', 'boolean')],
    description: 'A runtime context (development, staging, production) on a data plane.',
    nameFormat: 'label',
  },
  {
    kind: 'DeploymentPipeline',
    schema: platform.DeploymentPipeline,
    rank: 3,
    shortNames: ['deppipe', 'deppipes'],
    columns: [],
    description: 'The environments a component may be promoted between.',
    nameFormat: 'label',
  },
  {
    kind: 'Project',
    schema: platform.Project,
    rank: 4,
    shortNames: ['proj', 'projs'],
    columns: [col('Pipeline', '.spec.deploymentPipelineRef')],
    description: 'A bounded context: components deployed together as a cell.',
    nameFormat: 'label',
  },
  // rank 5: classes
  {
    kind: 'ServiceClass',
    schema: classes.ServiceClass,
    rank: 5,
    shortNames: ['svcclass', 'svcclasses'],
    columns: [],
    description: 'Platform template for Services.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'WebApplicationClass',
    schema: classes.WebApplicationClass,
    rank: 5,
    shortNames: ['webappclass', 'webappclasses'],
    columns: [],
    description: 'Platform template for WebApplications.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'ScheduledTaskClass',
    schema: classes.ScheduledTaskClass,
    rank: 5,
    shortNames: ['taskclass', 'taskclasses'],
    columns: [],
    description: 'Platform template for ScheduledTasks.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'APIClass',
    schema: classes.APIClass,
    rank: 5,
    shortNames: ['apiclass'],
    plural: 'apiclasses',
    columns: [],
    description: 'Platform template of API policies.',
    nameFormat: 'subdomain',
  },
  // rank 6: component
  {
    kind: 'Component',
    schema: dev.Component,
    rank: 6,
    shortNames: ['comp', 'comps'],
    columns: [PROJECT, col('Type', '.spec.type')],
    description: 'A deployable unit of a project: a service, web application or task.',
    nameFormat: 'label',
  },
  // rank 7: workload, instances, configuration groups
  {
    kind: 'Workload',
    schema: dev.Workload,
    rank: 7,
    shortNames: ['wl', 'wls'],
    columns: [PROJECT, COMPONENT],
    description: 'The developer contract of a component: containers, endpoints, connections.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'Service',
    schema: classes.Service,
    rank: 7,
    shortNames: ['csvc', 'csvcs'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run as a long-running service with APIs.',
    nameFormat: 'label',
  },
  {
    kind: 'WebApplication',
    schema: classes.WebApplication,
    rank: 7,
    shortNames: ['webapp', 'webapps'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run as a public web application.',
    nameFormat: 'label',
  },
  {
    kind: 'ScheduledTask',
    schema: classes.ScheduledTask,
    rank: 7,
    shortNames: ['task', 'tasks'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run on a schedule.',
    nameFormat: 'label',
  },
  {
    kind: 'API',
    schema: classes.API,
    rank: 7,
    shortNames: [],
    plural: 'apis',
    columns: [
      PROJECT,
      COMPONENT,
      col('Environment', '.spec.environmentName'),
      col('Address', '.status.address'),
    ],
    description: 'An API of a component in one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'ConfigurationGroup',
    schema: dev.ConfigurationGroup,
    rank: 7,
    shortNames: ['configgrp', 'configgrps'],
    columns: [
      col('DisplayName', '.metadata.annotations.openchoreo\\.dev/display-name'),
      col('Organization', '.metadata.labels.openchoreo\\.dev/organization'),
    ],
    description: 'Configuration and secrets with per-environment values.',
    nameFormat: 'label',
  },
  // rank 8: bindings, builds, artifacts, tracks
  {
    kind: 'ServiceBinding',
    schema: classes.ServiceBinding,
    rank: 8,
    shortNames: ['svcbinding', 'svcbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A Service resolved for one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'WebApplicationBinding',
    schema: classes.WebApplicationBinding,
    rank: 8,
    shortNames: ['webappbinding', 'webappbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A WebApplication resolved for one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'ScheduledTaskBinding',
    schema: classes.ScheduledTaskBinding,
    rank: 8,
    shortNames: ['taskbinding', 'taskbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A ScheduledTask resolved for one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'APIBinding',
    schema: classes.APIBinding,
    rank: 8,
    shortNames: ['apibinding', 'apibindings'],
    columns: [
      col('API', '.spec.apiName'),
      col('Environment', '.spec.environmentName'),
      col('State', '.spec.releaseState'),
    ],
    description: 'An API resolved for one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'Build',
    schema: build.Build,
    rank: 8,
    shortNames: ['bld', 'blds'],
    columns: [COMPONENT, col('Phase', '.status.phase'), col('Image', '.status.imageStatus.image')],
    description: 'One build of a component from source into an image.',
    nameFormat: 'label',
  },
  {
    kind: 'DeployableArtifact',
    schema: build.DeployableArtifact,
    rank: 8,
    shortNames: ['da', 'das'],
    columns: [col('Build', '.spec.targetArtifact.fromBuildRef.name')],
    description: 'A deployable version of a component (legacy).',
    nameFormat: 'label',
  },
  {
    kind: 'DeploymentTrack',
    schema: build.DeploymentTrack,
    rank: 8,
    shortNames: ['deptrack', 'deptracks'],
    columns: [col('AutoDeploy', '.spec.autoDeploy', 'boolean')],
    description: 'A line of development of a component (legacy).',
    nameFormat: 'label',
  },
  // rank 9: deployments, releases, endpoints, commits
  {
    kind: 'Deployment',
    schema: build.Deployment,
    rank: 9,
    shortNames: ['dep', 'deps'],
    columns: [col('Artifact', '.spec.deploymentArtifactRef')],
    description: 'A DeployableArtifact deployed to one environment (legacy).',
    nameFormat: 'label',
  },
  {
    kind: 'Release',
    schema: build.Release,
    rank: 9,
    shortNames: ['rel', 'rels'],
    columns: [COMPONENT, col('Environment', '.spec.environmentName')],
    description: 'Rendered Kubernetes objects applied to an environment’s data plane.',
    nameFormat: 'label',
  },
  {
    kind: 'Endpoint',
    schema: dev.Endpoint,
    rank: 9,
    shortNames: ['endpt', 'endpts'],
    columns: [col('Type', '.spec.type'), col('Address', '.status.address')],
    description: 'A network endpoint of a legacy Deployment.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'GitCommitRequest',
    schema: build.GitCommitRequest,
    rank: 9,
    shortNames: ['gitcommit', 'gitcommits'],
    columns: [col('Phase', '.status.phase'), col('SHA', '.status.observedSHA')],
    description: 'A request to commit and push file edits to a git repository.',
    nameFormat: 'subdomain',
  },
];

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

export const KINDS: readonly KindInfo[] = defs.map((d) => {
  const statusColumns = [READY, REASON];
  return {
    kind: d.kind,
    plural: d.plural ?? pluralOf(d.kind),
    singular: d.kind.toLowerCase(),
    shortNames: d.shortNames,
    namespaced: d.namespaced ?? true,
    categories: [CATEGORY],
    rank: d.rank,
    specRequired: !d.schema.shape.spec.safeParse(undefined).success,
    nameFormat: d.nameFormat,
    description: d.description,
    printerColumns: [...d.columns, ...statusColumns, AGE],
    schema: d.schema,
    group: GROUP,
    version: VERSION,
    apiVersion: API_VERSION,
  };
});

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [k.kind, k.plural, k.singular, ...k.shortNames, `${k.plural}.${GROUP}`]) {
    byAnyName.set(n.toLowerCase(), k);
  }
}

/** Exact kind lookup (`Component`). */
export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/**
 * Lookup by any name form, case-insensitive: kind, plural, singular, short name or `plural.group`
 * (`Component`, `components`, `component`, `comp`, `components.openchoreo.dev`).
 */
export function lookupKind(name: string): KindInfo | undefined {
  return byAnyName.get(name.toLowerCase());
}

/** Every name the CLI accepts for kinds, e.g. for shell completion. */
export function allKindNames(): string[] {
  return [...byAnyName.keys()].sort();
}

/** Kinds sorted for apply (stable: rank, then registry order). Reverse it for deletion. */
export function kindsInApplyOrder(): KindInfo[] {
  return [...KINDS].sort((a, b) => a.rank - b.rank);
}

/** Sort documents for apply by their kind's rank; unknown kinds go last, order otherwise preserved. */
export function sortForApply<T extends { kind?: unknown }>(docs: readonly T[]): T[] {
  const rank = (d: T) => (typeof d.kind === 'string' ? (byKind.get(d.kind)?.rank ?? 100) : 100);
  return docs
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d);
}
